#!/usr/bin/env python3
"""Answering benchmark: azdns against NSD, Knot, gdnsd and a no-lookup floor.

Called by run.sh (which installs the tools and builds azdns); see its header.
Every server gets the same generated zone (make_zone.py), listens on its own
127.0.0.1 port, is pinned to core 1 with one answering thread; dnsperf is
pinned to core 0. Runs are interleaved in rounds; the table shows medians.
Only processes started here are stopped, by their process group id.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from process_group import stop_process_group  # noqa: E402

ORIGIN = "bench.example."
TICK = os.sysconf("SC_CLK_TCK")
PEERS = ("nsd", "knot", "gdnsd")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------

def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid):
    """pid and all its descendants."""
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pid):
    """utime+stime of the process tree (all threads), in seconds."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICK


def repin(pid, cpu=1):
    """Pins every thread of the tree to `cpu`; names the threads that had moved.

    taskset at spawn is not enough: Knot sets the CPU affinity of its UDP
    workers itself (its one worker lands on core 0, next to dnsperf)."""
    moved = []
    for p in tree(pid):
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                if os.sched_getaffinity(int(tid)) != {cpu}:
                    os.sched_setaffinity(int(tid), {cpu})
                    moved.append(int(tid))
            except OSError:
                pass
    return moved


def peak_rss_kib(pid):
    """(largest VmHWM of one process, sum of VmHWM) over the tree, KiB."""
    values = []
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        values.append(int(line.split()[1]))
        except OSError:
            pass
    return (max(values) if values else 0, sum(values))


class Server:
    def __init__(self, name, argv, cwd, port):
        self.name, self.argv, self.cwd, self.port = name, argv, cwd, port
        self.proc = None
        self.log_path = os.path.join(cwd, f"{name}.out")

    def start(self):
        out = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["taskset", "-c", "1"] + self.argv, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        stop_process_group(self.proc, grace=15)
        self.proc = None

    def tail(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-1500:].decode(errors="replace")
        except OSError:
            return ""


# --- DNS probe ----------------------------------------------------------------

def soa_query(ident):
    qname = b"".join(bytes([len(l)]) + l.encode() for l in ORIGIN.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", ident, 0, 1, 0, 0, 0) + qname + struct.pack(">HH", 6, 1)


def answers_soa(port, timeout=0.05):
    """True when 127.0.0.1:port answers the zone's SOA (NOERROR, 1+ answers)."""
    ident = random.randrange(65536)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(soa_query(ident), ("127.0.0.1", port))
            while True:
                data, _ = s.recvfrom(4096)
                if len(data) >= 12:
                    rid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
                    if rid == ident and flags & 0x8000:
                        return (flags & 0xF) == 0 and ancount >= 1
        except OSError:  # timeout or refused (nothing bound yet)
            return False


def wait_ready(server, limit):
    """Seconds from now until the SOA is answered; None on timeout or exit."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if not server.alive():
            return None
        if answers_soa(server.port):
            return time.monotonic() - start
        time.sleep(0.01)
    return None


# --- server configs -------------------------------------------------------------

def config_floor(work, zone, port, floor_bin):
    return Server("floor", [floor_bin, str(port)], work, port)


def config_azdns(work, zone, port, azdns_bin):
    folder = os.path.join(work, f"azdns-{port}")
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    link(zone, os.path.join(folder, "bench.zone"))
    with open(os.path.join(folder, "azdns.toml"), "w") as f:
        f.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\nworkers = 1\nstate_dir = "state"\n\n'
                f'[control]\nlisten = "127.0.0.1:{port + 3000}"\n\n'
                f'[[zone]]\norigin = "{ORIGIN}"\nfile = "bench.zone"\n')
    return Server("azdns", [azdns_bin, "serve", "-c", os.path.join(folder, "azdns.toml")], folder, port)


def config_nsd(work, zone, port, _):
    folder = os.path.join(work, f"nsd-{port}")
    os.makedirs(folder, exist_ok=True)
    conf = os.path.join(folder, "nsd.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    ip-address: 127.0.0.1@{port}
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    database: ""
    zonesdir: "{folder}"
    zonelistfile: "{folder}/zone.list"
    xfrdfile: "{folder}/xfrd.state"
    xfrdir: "{folder}"
    pidfile: "{folder}/nsd.pid"
    logfile: "{folder}/nsd.log"
    verbosity: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: {ORIGIN}
    zonefile: "{zone}"
""")
    return Server("nsd", ["/usr/sbin/nsd", "-d", "-c", conf], folder, port)


def config_knot(work, zone, port, _):
    folder = os.path.join(work, f"knot-{port}")
    os.makedirs(os.path.join(folder, "db"), exist_ok=True)
    conf = os.path.join(folder, "knot.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    rundir: "{folder}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{folder}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{folder}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: {ORIGIN}
    file: "{zone}"
""")
    return Server("knot", ["/usr/sbin/knotd", "-c", conf], folder, port)


def config_gdnsd(work, zone, port, _):
    folder = os.path.join(work, f"gdnsd-{port}")
    os.makedirs(os.path.join(folder, "zones"), exist_ok=True)
    link(zone, os.path.join(folder, "zones", ORIGIN.rstrip(".")))
    with open(os.path.join(folder, "config"), "w") as f:
        f.write(f"""options => {{
  listen => [ 127.0.0.1 ]
  dns_port => {port}
  udp_threads => 1
  tcp_threads => 1
  run_dir => {folder}/run
  state_dir => {folder}/state
}}
""")
    return Server("gdnsd", ["/usr/sbin/gdnsd", "-c", folder, "start"], folder, port)


def link(src, dst):
    if os.path.lexists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


CONFIGS = {"floor": config_floor, "azdns": config_azdns, "nsd": config_nsd, "knot": config_knot,
           "gdnsd": config_gdnsd}


# --- dnsperf ------------------------------------------------------------------------

def dnsperf(port, queries, seconds, clients, outstanding, rate=None):
    argv = ["taskset", "-c", "0", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
            "-l", str(seconds), "-c", str(clients), "-q", str(outstanding), "-t", "2"]
    if rate:
        argv += ["-Q", str(rate)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout

    def grab(pattern, cast=float, default=0.0):
        m = re.search(pattern, out)
        return cast(m.group(1)) if m else default

    codes = re.search(r"Response codes:\s*(.*)", out)
    return {
        "completed": grab(r"Queries completed:\s*(\d+)", int, 0),
        "lost": grab(r"Queries lost:\s*(\d+)", int, 0),
        "qps": grab(r"Queries per second:\s*([\d.]+)"),
        "latency": grab(r"Average Latency \(s\):\s*([\d.]+)"),
        "latency_max": grab(r"Average Latency \(s\):.*max ([\d.]+)"),
        "codes": codes.group(1).strip() if codes else "?",
    }


def measure(server, queries, seconds, clients, outstanding, rate=None):
    pid = server.proc.pid
    moved = repin(pid)
    if moved:
        log(f"{server.name}: threads {moved} had left core 1; pinned back")
    before = cpu_seconds(pid)
    result = dnsperf(server.port, queries, seconds, clients, outstanding, rate)
    result["cpu"] = cpu_seconds(pid) - before
    result["cpu_us_per_q"] = 1e6 * result["cpu"] / result["completed"] if result["completed"] else float("nan")
    return result


# --- report -------------------------------------------------------------------------

def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def fmt(value, digits=1):
    return "-" if value != value else f"{value:,.{digits}f}"


def ratio(value, ref):
    return "-" if value != value or ref != ref or not ref else f"{value / ref:.2f}"


def report(names, sat, fixed, startup, rate, startup_names):
    cols = [("sat QPS", "qps", "max", 0, 1), ("sat lat us", "latency", "min", 1, 1e6),
            ("sat CPU us/q", "cpu_us_per_q", "min", 2, 1),
            (f"{rate // 1000}k QPS", "qps", "max", 0, 1), (f"{rate // 1000}k lat us", "latency", "min", 1, 1e6),
            (f"{rate // 1000}k CPU us/q", "cpu_us_per_q", "min", 2, 1)]
    rows = {}
    for name in names:
        row = []
        for i, (_, key, _, _, scale) in enumerate(cols):
            runs = sat.get(name, []) if i < 3 else fixed.get(name, [])
            row.append(med([r[key] * scale for r in runs]))
        s = startup.get(name)
        row.append(s[0] if s else float("nan"))
        row.append(s[1] / 1024 if s else float("nan"))
        rows[name] = row
    big = f"{startup_names // 1000000}M" if startup_names % 1000000 == 0 else f"{startup_names // 1000}k"
    headers = [c[0] for c in cols] + [f"{big} start s", f"{big} RSS MiB"]
    better = [c[2] for c in cols] + ["min", "min"]
    digits = [c[3] for c in cols] + [2, 0]

    def best_peer(i):
        values = [rows[p][i] for p in PEERS if p in rows and rows[p][i] == rows[p][i]]
        if not values:
            return float("nan")
        return max(values) if better[i] == "max" else min(values)

    width = 14
    lines = ["", "medians over rounds; ratios: value / floor and value / best peer "
             "(QPS: higher is better; latency, CPU, start, RSS: lower is better)", ""]
    lines.append(f"{'server':<8}" + "".join(f"{h:>{width}}" for h in headers))
    for name in names:
        lines.append(f"{name:<8}" + "".join(f"{fmt(v, d):>{width}}" for v, d in zip(rows[name], digits)))
    lines.append("")
    lines.append(f"{'/floor':<8}" + "".join(f"{h:>{width}}" for h in headers[:6]))
    for name in names:
        if name != "floor" and "floor" in rows:
            lines.append(f"{name:<8}" + "".join(f"{ratio(rows[name][i], rows['floor'][i]):>{width}}" for i in range(6)))
    lines.append("")
    lines.append(f"{'/best peer':<10}" + "".join(f"{h:>{width}}" for h in headers)[2:])
    for name in names:
        if name != "floor":
            lines.append(f"{name:<8}" + "".join(f"{ratio(rows[name][i], best_peer(i)):>{width}}"
                                                for i in range(len(headers))))
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--floor", required=True, help="floor binary")
    ap.add_argument("--azdns", default="", help="azdns binary; empty: skip azdns")
    ap.add_argument("--servers", default="floor,azdns,nsd,knot,gdnsd")
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10, help="length of each saturation run")
    ap.add_argument("--fixed-seconds", type=int, default=8, help="length of each fixed-rate run")
    ap.add_argument("--rate", type=int, default=50000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--outstanding", type=int, default=200)
    ap.add_argument("--startup-names", type=int, default=1000000, help="0: skip the start-up test")
    ap.add_argument("--port", type=int, default=5400)
    args = ap.parse_args()
    # SIGTERM/SIGHUP unwind like Ctrl-C, so the servers started here are stopped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))

    names = [n for n in args.servers.split(",") if n]
    if not args.azdns and "azdns" in names:
        names.remove("azdns")
    work = args.work
    subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), work, str(args.names),
                    "--queries", str(args.queries)], check=True, stdout=subprocess.DEVNULL, timeout=600)
    zone, queries = os.path.join(work, "bench.zone"), os.path.join(work, "queries.txt")
    binary = {"floor": args.floor, "azdns": args.azdns}

    servers, started = {}, []
    sat, fixed, startup, notes = {}, {}, {}, []
    try:
        for i, name in enumerate(names):
            server = CONFIGS[name](work, zone, args.port + i, binary.get(name)).start()
            started.append(server)
            ready = wait_ready(server, 60)
            if ready is None:
                notes.append(f"{name}: did not answer the SOA within 60 s; skipped. Output:\n{server.tail()}")
                server.stop()
                continue
            servers[name] = server
            log(f"{name}: ready on port {server.port} after {ready:.2f} s")
        order = list(servers)
        for rnd in range(args.rounds):
            rot = order[rnd % len(order):] + order[:rnd % len(order)]
            for name in rot:
                server = servers[name]
                if not server.alive():
                    continue
                r = measure(server, queries, args.seconds, args.clients, args.outstanding)
                sat.setdefault(name, []).append(r)
                log(f"round {rnd + 1} {name:<6} saturation: {r['qps']:>9.0f} qps, {r['latency'] * 1e6:7.1f} us, "
                    f"{r['cpu_us_per_q']:5.2f} us CPU/q, lost {r['lost']}; {r['codes']}")
                r = measure(server, queries, args.fixed_seconds, args.clients, args.outstanding, args.rate)
                fixed.setdefault(name, []).append(r)
                log(f"round {rnd + 1} {name:<6} {args.rate}/s:   {r['qps']:>9.0f} qps, {r['latency'] * 1e6:7.1f} us, "
                    f"{r['cpu_us_per_q']:5.2f} us CPU/q, lost {r['lost']}")
        for name in names:
            if name in servers and not servers[name].alive():
                notes.append(f"{name}: exited during the runs. Output:\n{servers[name].tail()}")
    finally:
        for server in started:
            server.stop()

    if args.startup_names:
        big_dir = os.path.join(work, "big")
        subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), big_dir, str(args.startup_names)],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        big = os.path.join(big_dir, "bench.zone")
        for i, name in enumerate(n for n in names if n != "floor"):
            server = CONFIGS[name](big_dir, big, args.port + 20 + i, binary.get(name))
            try:
                server.start()
                ready = wait_ready(server, 300)
                if ready is None:
                    notes.append(f"{name}: {args.startup_names}-name zone not answered within 300 s. "
                                 f"Output:\n{server.tail()}")
                    continue
                time.sleep(0.3)
                hwm_max, hwm_sum = peak_rss_kib(server.proc.pid)
                startup[name] = (ready, hwm_max, hwm_sum)
                log(f"{name}: {args.startup_names} names: first SOA after {ready:.2f} s, "
                    f"VmHWM {hwm_max / 1024:.0f} MiB (sum over processes {hwm_sum / 1024:.0f} MiB)")
            finally:
                server.stop()

    print(f"\nzone: {args.names} names; dnsperf -c {args.clients} -q {args.outstanding}: saturation "
          f"{args.seconds} s, fixed {args.rate}/s {args.fixed_seconds} s; {args.rounds} rounds; "
          f"start-up: {args.startup_names} names")
    print(report([n for n in names if n in sat or n in startup], sat, fixed, startup, args.rate, max(args.startup_names, 1000)))
    print("\nserver CPU busy at saturation (below ~95 %: dnsperf on core 0, not the server, set the pace),")
    print("and the response codes of its last saturation run:")
    for name in names:
        if name in sat:
            busy = med([100 * r["cpu"] / args.seconds for r in sat[name]])
            print(f"  {name:<6} {busy:4.0f} %  {sat[name][-1]['codes']}")
    for note in notes:
        print("NOTE:", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
