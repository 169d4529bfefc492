#!/usr/bin/env python3
"""Failover benchmark: how long after an endpoint stops does a nameserver stop
handing out its address, and how long after it comes back does the address
return. azdns against gdnsd (multifo + http_status / tcp_connect) and PowerDNS
(LUA records: ifurlup / ifportup), each at the fastest settings it allows.

    test/bench/failover.py [--runs 10] [--servers azdns-http,gdnsd-http,...]

Python 3 standard library only. Per server variant:
  - two health endpoints, "AZ a" on 127.0.0.21:PORT and "AZ b" on
    127.0.0.22:PORT, served by this script (HTTP 200 "ok" on /healthz; a TCP
    check just connects). Stopping an endpoint closes its listening socket and
    every connection, so the next connect is refused; starting it binds the
    same port again.
  - the nameserver on 127.0.0.1:<free port>, zone failover.test. with
    www 300 IN A 127.0.0.21 and 127.0.0.22, both health-checked.
  - warm-up until both addresses are answered; then per run: stop endpoint a
    at T0, query www A over UDP every 2 ms until 127.0.0.21 is gone (time to
    fence, TTL of that answer), then start endpoint a at T2 and query until
    127.0.0.21 is back (time to restore). T0 and T2 each come after a random
    pause of up to one probe interval, so that they fall anywhere in the
    probe cycle. Every wait is bounded (--deadline); a run that hits it
    counts as a failure, and a server that never fences is given up after
    its first run.
  - for azdns, the verdicts themselves: the script reads azdns's log as it
    comes and reports the time from the line announcing a verdict ("endpoint
    ... down", "AZ ... fenced", "AZ ... restored") to the first answer that
    reflects it, which shows whether the first query after a verdict sees it.
Only processes started here are stopped, by their process group id; the
temporary folder is removed at the end (--keep to keep it).
"""
import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import re
import time

ADDR_A = "127.0.0.21"
ADDR_B = "127.0.0.22"
ORIGIN = "failover.test."
NAME = "www." + ORIGIN
ZONE_TTL = 300
STEP_MS = 2.0


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port(addr="127.0.0.1"):
    """A port free for both UDP and TCP on addr."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((addr, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def free_endpoint_port():
    """A TCP port free on both endpoint addresses."""
    for _ in range(100):
        s = socket.socket()
        s.bind((ADDR_A, 0))
        port = s.getsockname()[1]
        s2 = socket.socket()
        try:
            s2.bind((ADDR_B, port))
            return port
        except OSError:
            continue
        finally:
            s2.close()
            s.close()
    raise RuntimeError("no free endpoint port")


# --- health endpoints ---------------------------------------------------------

class Endpoint:
    """HTTP 200 "ok" on /healthz (404 elsewhere), or a bare TCP accept.

    stop() closes the listening socket and every open connection: from then
    on connects are refused. start() listens again on the same address."""

    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.lock = threading.Lock()
        self.lsock = None
        self.conns = set()
        self.thread = None
        self.hits = 0

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.addr, self.port))
        s.listen(128)
        with self.lock:
            self.lsock = s
        self.thread = threading.Thread(target=self._accept, args=(s,), daemon=True)
        self.thread.start()

    def stop(self):
        with self.lock:
            s, self.lsock = self.lsock, None
            conns = list(self.conns)
            self.conns.clear()
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes accept(); the socket stops listening
            except OSError:
                pass
            s.close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        if self.thread is not None:
            self.thread.join(2)
            self.thread = None

    @property
    def running(self):
        return self.lsock is not None

    def _accept(self, s):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            with self.lock:
                if self.lsock is not s:
                    c.close()
                    return
                self.conns.add(c)
                self.hits += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            c.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 16384:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            if b"\r\n\r\n" in data:
                parts = data.split(b" ", 2)
                path = parts[1] if len(parts) > 1 else b""
                if path.split(b"?")[0] == b"/healthz":
                    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                            b"Connection: close\r\n\r\nok")
                else:
                    resp = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                c.sendall(resp)
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(c)
            try:
                c.close()
            except OSError:
                pass


# --- DNS over UDP, by hand ----------------------------------------------------

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def skip_name(buf, off):
    while True:
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


class Answer:
    __slots__ = ("rcode", "addrs", "ttl")

    def __init__(self, rcode, addrs, ttl):
        self.rcode, self.addrs, self.ttl = rcode, addrs, ttl


class Resolver:
    def __init__(self, port, timeout=0.2):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout
        self.qid = random.randrange(65536)

    def close(self):
        self.sock.close()

    def query(self, name=NAME, qtype=1):
        """Answer (rcode, A addresses, smallest A TTL) or None on timeout."""
        self.qid = (self.qid + 1) & 0xFFFF
        qid = self.qid
        msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + encode_name(name) + struct.pack(">HH", qtype, 1)
        try:
            self.sock.send(msg)
        except OSError:
            time.sleep(self.timeout)
            return None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                buf = self.sock.recv(4096)
            except (socket.timeout, ConnectionRefusedError):
                if time.monotonic() >= deadline:
                    return None
                continue
            except OSError:
                return None
            if len(buf) < 12:
                continue
            rid, flags, qd, an, _ns, _ar = struct.unpack_from(">HHHHHH", buf)
            if rid != qid or not flags & 0x8000:
                continue  # a late answer to an earlier query
            try:
                off = 12
                for _ in range(qd):
                    off = skip_name(buf, off) + 4
                addrs, ttls = [], []
                for _ in range(an):
                    off = skip_name(buf, off)
                    rtype, _cls, ttl, rdlen = struct.unpack_from(">HHIH", buf, off)
                    off += 10
                    if rtype == 1 and rdlen == 4:
                        addrs.append(socket.inet_ntoa(buf[off:off + 4]))
                        ttls.append(ttl)
                    off += rdlen
            except (IndexError, struct.error):
                continue
            return Answer(flags & 0xF, sorted(addrs), min(ttls) if ttls else None)


# --- nameservers ----------------------------------------------------------------

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
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own child's process group
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
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


# --- measuring -------------------------------------------------------------------

def poll(res, pred, deadline, step, seen=None):
    """Queries every `step` s until pred(answer); (monotonic time of that answer, answer, queries) or
    (None, last answer, queries) after `deadline` s. `seen(answer)` is called on every other answer."""
    start = time.monotonic()
    n = 0
    last = None
    while True:
        t_send = time.monotonic()
        a = res.query()
        n += 1
        if a is not None:
            last = a
            if pred(a):
                return time.monotonic(), a, n
            if seen is not None:
                seen(a)
        now = time.monotonic()
        if now - start > deadline:
            return None, last, n
        pause = t_send + step - now
        if pause > 0:
            time.sleep(pause)


def has_a(a):
    return a.rcode == 0 and ADDR_A in a.addrs


def healthy(a):
    return a.rcode == 0 and ADDR_A in a.addrs and ADDR_B in a.addrs


def lacks_a(a):
    return ADDR_A not in a.addrs


def wait_ready(server, res, deadline):
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if not server.alive():
            return False
        if res.query(ORIGIN, 6) is not None:
            return True
        time.sleep(0.05)
    return False


def measure(variant, args, work):
    family, kind = variant.split("-")
    folder = os.path.join(work, variant)
    os.makedirs(folder, exist_ok=True)
    ep_port = free_endpoint_port()
    port = free_port()
    server = CONFIGS[family](folder, port, ep_port, kind, args)
    ep_a, ep_b = Endpoint(ADDR_A, ep_port), Endpoint(ADDR_B, ep_port)
    result = {"variant": variant, "settings": server.settings, "goal": server.goal_fence,
              "fence": [], "restore": [], "fail_fence": 0, "fail_restore": 0,
              "ttl_healthy": set(), "ttl_degraded": set(), "ttl_restored": set(),
              "error": None, "degraded_answers": set(), "lag_fence": [], "lag_restore": []}
    res = None
    try:
        ep_a.start()
        ep_b.start()
        server.start()
        res = Resolver(port, timeout=args.query_timeout)
        if not wait_ready(server, res, 20):
            result["error"] = "did not start: " + server.tail(8).strip().replace("\n", " | ")
            return result
        t, a, _ = poll(res, healthy, args.deadline, 0.05)
        if t is None:
            result["error"] = f"never answered both addresses (last answer {a.addrs if a else None})"
            return result
        result["ttl_healthy"].add(a.ttl)
        # Both addresses stay in for a while: the checks have settled.
        time.sleep(1.0)
        for run in range(args.runs):
            if not server.alive():
                result["error"] = "server exited: " + server.tail(5).strip().replace("\n", " | ")
                break
            # A random pause puts T0 anywhere in the probe cycle (the last verdict came from a probe).
            time.sleep(args.settle + random.uniform(0, server.cycle))
            t, a, _ = poll(res, healthy, args.deadline, 0.01)
            if t is None:
                result["error"] = f"run {run + 1}: not healthy before stopping (last {a.addrs if a else None})"
                break
            result["ttl_healthy"].add(a.ttl)
            t0 = time.monotonic()
            ep_a.stop()
            t1, a, _ = poll(res, lacks_a, args.deadline, args.step)
            if t1 is None:
                result["fail_fence"] += 1
                log(f"  {variant} run {run + 1}: {ADDR_A} still answered after {args.deadline} s")
                if run == 0:
                    ep_a.start()
                    result["error"] = (f"{ADDR_A} still answered {args.deadline:.0f} s after its endpoint "
                                       f"stopped: no health checking?")
                    break
            else:
                result["fence"].append(t1 - t0)
                result["ttl_degraded"].add(a.ttl)
                result["degraded_answers"].add((a.rcode, tuple(a.addrs)))
                if server.verdicts:
                    # azdns: from the log line of its verdict to our first answer without the address.
                    tv = server.logged(t0, server.verdicts[0])
                    if tv is not None:
                        result["lag_fence"].append(t1 - tv)

            def degraded(ans):
                if lacks_a(ans):
                    result["ttl_degraded"].add(ans.ttl)

            # The fence verdict came from a probe: start again anywhere in the cycle, not right after it.
            end = time.monotonic() + random.uniform(0, server.cycle)
            while time.monotonic() < end:
                a = res.query()
                if a is not None:
                    degraded(a)
                time.sleep(args.step)
            t2 = time.monotonic()
            ep_a.start()
            t3, a, _ = poll(res, has_a, args.deadline, args.step, seen=degraded)
            if t3 is None:
                result["fail_restore"] += 1
                log(f"  {variant} run {run + 1}: {ADDR_A} not back after {args.deadline} s")
            else:
                result["restore"].append(t3 - t2)
                result["ttl_restored"].add(a.ttl)
                if server.verdicts:
                    tv = server.logged(t2, server.verdicts[1])
                    if tv is not None:
                        result["lag_restore"].append(t3 - tv)
            log(f"  {variant} run {run + 1}: fence {fmt_s(t1 - t0 if t1 else None)}"
                f" restore {fmt_s(t3 - t2 if t3 else None)} ttl {sorted(result['ttl_degraded'])}")
    finally:
        if res is not None:
            res.close()
        server.stop()
        ep_a.stop()
        ep_b.stop()
    return result


# --- report --------------------------------------------------------------------------

def fmt_s(v):
    return "-" if v is None else f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"


def fmt_ttls(ttls):
    vals = sorted(t for t in ttls if t is not None)
    return ",".join(str(t) for t in vals) if vals else "-"


def report(results, runs):
    head = (f"{'server':<11} {'fence med':>10} {'fence max':>10} {'restore med':>12} {'restore max':>12} "
            f"{'failed':>7} {'TTL ok':>7} {'TTL degr':>9}  settings")
    lines = [head]
    for r in results:
        if r["error"] and not r["fence"]:
            lines.append(f"{r['variant']:<11} not measured: {r['error']}")
            continue
        f, s = r["fence"], r["restore"]
        failed = r["fail_fence"] + r["fail_restore"]
        lines.append(f"{r['variant']:<11} {fmt_s(statistics.median(f) if f else None):>10} "
                     f"{fmt_s(max(f) if f else None):>10} {fmt_s(statistics.median(s) if s else None):>12} "
                     f"{fmt_s(max(s) if s else None):>12} {failed:>7} {fmt_ttls(r['ttl_healthy']):>7} "
                     f"{fmt_ttls(r['ttl_degraded']):>9}  {r['settings']}")
        if r["error"]:
            lines.append(f"{'':<11} stopped early: {r['error']}")
    lines.append(f"({runs} runs each; fence = endpoint stopped -> first answer without {ADDR_A}; "
                 f"restore = endpoint started -> first answer with it; failed = waits that hit the deadline)")
    for r in results:
        if r.get("goal") is not None and r["fence"]:
            worst = max(r["fence"])
            met = worst <= r["goal"] and not r["fail_fence"]
            lines.append(f"goal {r['variant']}: fence within interval x fall + 10 ms = {r['goal'] * 1000:.0f} ms: "
                         f"worst {worst * 1000:.0f} ms, {'met' if met else 'NOT met'}"
                         f" ({sum(1 for v in r['fence'] if v <= r['goal'])}/{len(r['fence'])} runs within)")
        for what in ("fence", "restore"):
            lag = r.get("lag_" + what)
            if lag:
                lines.append(f"verdict -> answer {r['variant']} {what}: median {statistics.median(lag) * 1000:.1f} ms, "
                             f"max {max(lag) * 1000:.1f} ms over {len(lag)} runs (from reading the verdict's log "
                             f"line to the first answer that follows it; queries every {STEP_MS:.0f} ms)")
        if r["fence"]:
            lines.append(f"degraded answers {r['variant']}: "
                         + "; ".join(f"rcode {rc} {list(ad)}" for rc, ad in sorted(r["degraded_answers"])))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--servers", default="gdnsd-http,gdnsd-tcp,pdns-http,pdns-tcp,azdns-http,azdns-tcp",
                    help="comma-separated, from " + ",".join(ALL_VARIANTS))
    ap.add_argument("--azdns", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "../../build/server/azdns"))
    ap.add_argument("--azdns-interval", default="200ms")
    ap.add_argument("--azdns-timeout", default="100ms")
    ap.add_argument("--azdns-rise", type=int, default=2)
    ap.add_argument("--azdns-fall", type=int, default=2)
    ap.add_argument("--azdns-restore-after", default="1s")
    ap.add_argument("--gdnsd-interval", type=int, default=2,
                    help="whole seconds; gdnsd 3.8 accepts 2 to 3600 (its man page says min 1)")
    ap.add_argument("--gdnsd-timeout", type=int, default=1)
    ap.add_argument("--gdnsd-ttl", default=str(ZONE_TTL),
                    help="TTL field of the DYNA record, MAX[/MIN]; MIN defaults to MAX/2")
    ap.add_argument("--pdns-interval", type=int, default=1, help="whole seconds, the minimum")
    ap.add_argument("--pdns-timeout", type=int, default=1)
    ap.add_argument("--step", type=float, default=0.002, help="seconds between queries while waiting")
    ap.add_argument("--query-timeout", type=float, default=0.2)
    ap.add_argument("--deadline", type=float, default=30.0, help="longest wait for a change, seconds")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="pause before each run, seconds, plus a random share of the probe interval")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    args.azdns = os.path.abspath(args.azdns)
    global STEP_MS
    STEP_MS = args.step * 1000

    variants = [v.strip() for v in args.servers.split(",") if v.strip()]
    for v in variants:
        if v not in ALL_VARIANTS:
            ap.error(f"unknown server {v}")
    need = {"gdnsd": "/usr/sbin/gdnsd", "pdns": "/usr/sbin/pdns_server", "azdns": args.azdns}
    work = tempfile.mkdtemp(prefix="azdns-failover.")
    started = time.strftime("%Y-%m-%d %H:%M")
    load0 = os.getloadavg()[0]
    results = []
    try:
        for v in variants:
            binary = need[v.split("-")[0]]
            if not os.access(binary, os.X_OK):
                results.append({"variant": v, "error": f"{binary} missing", "fence": []})
                continue
            log(f"failover: {v}")
            results.append(measure(v, args, work))
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Failover, started {started}, load average (1 min) {load0:.2f} at start, "
          f"{os.getloadavg()[0]:.2f} at the end")
    print(report(results, args.runs))
    bad = [r for r in results if r.get("error") or r.get("fail_fence") or r.get("fail_restore")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
