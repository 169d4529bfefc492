"""Failover benchmark (see failover.py): the nameservers under test, azdns,
gdnsd and PowerDNS: their configuration files for a variant (server and
http/tcp check) and starting, watching and stopping the process."""
import os
import re
import subprocess
import threading
import time

from failover_common import ADDR_A, ADDR_B, NAME, ORIGIN, ZONE_TTL, free_port
from process_group import stop_process_group


class Server:
    def __init__(self, variant, argv, cwd, port, settings, cycle, goal_fence=None, env=None):
        self.variant, self.argv, self.cwd, self.port = variant, argv, cwd, port
        self.cycle = cycle                    # probe interval, seconds
        self.settings = settings
        self.goal_fence = goal_fence          # seconds, or None
        self.env = env
        self.verdicts = None                  # azdns: log lines that announce verdicts (fence, restore)
        self.proc = None
        self.reader = None
        self.lines = []                       # (monotonic time read, log line)
        self.log_path = os.path.join(cwd, "server.out")

    def start(self):
        self.lines = []
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=self.env)
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self.reader.start()

    def _read(self, pipe):
        """Copies the server's log to server.out, noting when each line arrived."""
        with open(self.log_path, "wb") as out:
            for line in iter(pipe.readline, b""):
                self.lines.append((time.monotonic(), line.decode(errors="replace").rstrip()))
                out.write(line)
                out.flush()
        pipe.close()

    def logged(self, since, patterns, wait=0.2):
        """Arrival time of the first log line after `since` that matches one of `patterns`, or None.
        Waits up to `wait` s for it: the line may come after the answer that reflects it."""
        end = time.monotonic() + wait
        while True:
            for t, text in list(self.lines):
                if t >= since and any(re.search(p, text) for p in patterns):
                    return t
            if time.monotonic() >= end:
                return None
            time.sleep(0.005)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        stop_process_group(self.proc)
        if self.reader is not None:
            self.reader.join(5)
            self.reader = None
        self.proc = None

    def tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def zone_soa_ns():
    return (f"$ORIGIN {ORIGIN}\n$TTL 3600\n"
            f"@ IN SOA ns1.{ORIGIN} hostmaster.{ORIGIN} 1 7200 1800 259200 60\n"
            f"@ IN NS ns1.{ORIGIN}\nns1 IN A 127.0.0.1\n")


def parse_ms(text):
    text = text.strip()
    for unit, mult in (("ms", 1), ("s", 1000), ("m", 60000)):
        if text.endswith(unit) and text[:-len(unit)].replace(".", "", 1).isdigit():
            return float(text[:-len(unit)]) * mult
    raise ValueError(f"bad duration {text!r}")


def config_azdns(folder, port, ep_port, kind, args):
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    write(os.path.join(folder, "failover.test.zone"),
          zone_soa_ns() + f"www {ZONE_TTL} IN A {ADDR_A}\nwww {ZONE_TTL} IN A {ADDR_B}\n")
    control = f"127.0.0.1:{free_port()}"
    check_extra = f'path = "/healthz"\nexpect_status = [200]\n' if kind == "http" else ""
    write(os.path.join(folder, "azdns.toml"), f"""[server]
listen = ["127.0.0.1:{port}"]
workers = 1
state_dir = "state"

[control]
listen = "{control}"

[[zone]]
origin = "{ORIGIN}"
file = "failover.test.zone"

[ttl]
max = 60
degraded = 20
all_down = 10

[[az]]
name = "az-a"
prefixes = ["{ADDR_A}/32"]
restore_after = "{args.azdns_restore_after}"

[[az]]
name = "az-b"
prefixes = ["{ADDR_B}/32"]
restore_after = "{args.azdns_restore_after}"

[[check]]
name = "hc"
type = "{kind}"
port = {ep_port}
{check_extra}interval = "{args.azdns_interval}"
timeout = "{args.azdns_timeout}"
rise = {args.azdns_rise}
fall = {args.azdns_fall}

[[service]]
name = "{NAME}"
check = "hc"
policy = "all"
""")
    interval = parse_ms(args.azdns_interval) / 1000
    settings = (f"{kind} interval={args.azdns_interval} timeout={args.azdns_timeout} rise={args.azdns_rise} "
                f"fall={args.azdns_fall} restore_after={args.azdns_restore_after}")
    goal = interval * args.azdns_fall + 0.010
    server = Server(f"azdns-{kind}", [args.azdns, "serve", "-c", os.path.join(folder, "azdns.toml")], folder,
                    port, settings, interval, goal)
    server.verdicts = ([rf"endpoint {re.escape(ADDR_A)} \S+ down", r"AZ az-a fenced"], [r"AZ az-a restored"])
    return server


def config_gdnsd(folder, port, ep_port, kind, args):
    os.makedirs(os.path.join(folder, "zones"), exist_ok=True)
    write(os.path.join(folder, "zones", ORIGIN.rstrip(".")),
          zone_soa_ns() + f"www {args.gdnsd_ttl} DYNA multifo!www\n")
    if kind == "http":
        plugin = (f"plugin => http_status\n      port => {ep_port}\n      url_path => /healthz\n"
                  f"      ok_codes => [ 200 ]")
    else:
        plugin = f"plugin => tcp_connect\n      port => {ep_port}"
    i, t = args.gdnsd_interval, args.gdnsd_timeout
    write(os.path.join(folder, "config"), f"""options => {{
  listen => [ 127.0.0.1 ]
  dns_port => {port}
  udp_threads => 1
  tcp_threads => 1
  run_dir => {folder}/run
  state_dir => {folder}/state
}}
service_types => {{
  hc => {{
      {plugin}
      up_thresh => 1
      ok_thresh => 1
      down_thresh => 1
      interval => {i}
      timeout => {t}
  }}
}}
plugins => {{
  multifo => {{
    www => {{
      service_types => hc
      a => {ADDR_A}
      b => {ADDR_B}
    }}
  }}
}}
""")
    monitor = "http_status" if kind == "http" else "tcp_connect"
    settings = f"multifo + {monitor} interval={i}s timeout={t}s up/ok/down_thresh=1"
    if args.gdnsd_ttl != str(ZONE_TTL):
        settings += f" DYNA TTL {args.gdnsd_ttl}"
    return Server(f"gdnsd-{kind}", ["/usr/sbin/gdnsd", "-c", folder, "start"], folder, port, settings, float(i))


def config_pdns(folder, port, ep_port, kind, args):
    if kind == "http":
        rec = (f"ifurlup('http://{ADDR_A}:{ep_port}/healthz', {{{{'{ADDR_A}', '{ADDR_B}'}}}}, "
               f"{{selector='all', backupSelector='all', timeout={args.pdns_timeout}, stringmatch='ok'}})")
        func = "ifurlup"
    else:
        rec = (f"ifportup({ep_port}, {{'{ADDR_A}', '{ADDR_B}'}}, "
               f"{{selector='all', backupSelector='all', timeout={args.pdns_timeout}}})")
        func = "ifportup"
    zone = os.path.join(folder, "failover.test.zone")
    write(zone, zone_soa_ns() + f'www {ZONE_TTL} IN LUA A "{rec}"\n')
    write(os.path.join(folder, "named.conf"), f'zone "{ORIGIN.rstrip(".")}" {{ type master; file "{zone}"; }};\n')
    write(os.path.join(folder, "pdns.conf"), "")
    argv = ["/usr/sbin/pdns_server", f"--config-dir={folder}", "--daemon=no", "--guardian=no",
            "--disable-syslog=yes", "--write-pid=no", f"--socket-dir={folder}",
            "--local-address=127.0.0.1", f"--local-port={port}", "--launch=bind",
            f"--bind-config={folder}/named.conf", "--enable-lua-records=yes",
            f"--lua-health-checks-interval={args.pdns_interval}",
            # No caches, so an answer follows the check result at once.
            "--cache-ttl=0", "--query-cache-ttl=0", "--negquery-cache-ttl=0", "--consistent-backends=yes",
            "--receiver-threads=1", "--distributor-threads=1", "--loglevel=4"]
    settings = (f"{func} lua-health-checks-interval={args.pdns_interval}s timeout={args.pdns_timeout}s, "
                f"caches off")
    return Server(f"pdns-{kind}", argv, folder, port, settings, float(args.pdns_interval))


CONFIGS = {"azdns": config_azdns, "gdnsd": config_gdnsd, "pdns": config_pdns}
ALL_VARIANTS = ("gdnsd-http", "gdnsd-tcp", "pdns-http", "pdns-tcp", "azdns-http", "azdns-tcp")
