#!/usr/bin/env python3
"""Client locality end to end: CPU per query at saturation with locality on.

    locality.py --azdns BIN --floor BIN [--rounds R] [--seconds S] ...

Called by locality.sh, which builds azdns and the floor. The zone is
make_zone.py's with --azs 2 --loopback-azs: every host has one A in AZ a
(127.64.0.0/12) and one in AZ b (127.80.0.0/12), so that the tcp probes of
their endpoints stay on loopback; one listener here accepts them all. The
check's interval is an hour: after the first round at start-up the probes
cost nothing during the runs.

Four servers answer the same zone and the same traffic, each pinned to core
1 with one answering thread:
  floor          no lookup at all (floor.c)
  gdnsd          the zone as it is
  azdns-off      every host a `failover` service, no client networks: the
                 path before client locality
  azdns-nearest  every host a `nearest` service, 512 client networks per AZ
The traffic is 16 dnsperf processes on core 0, each from its own source
address: 8 without EDNS from networks of AZ a, AZ b and neither; 8 with a
client subnet (RFC 7871, /24) of such networks, sent from addresses outside
them (resolvers). Rounds interleave the servers; the table shows medians of
the server's CPU time per answered query (utime+stime of its process tree).
Before measuring, dig checks that azdns-nearest really places clients.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

PROBE_PORT_OFFSET = 100
NETWORKS = 512  # client /24s per AZ
# 127.100-101.x.0/24: AZ a's clients; 127.102-103: AZ b's; 127.110-111: neither.
PLAIN_SOURCES = ["127.100.7.1", "127.101.200.1", "127.102.9.1", "127.103.77.1",
                 "127.110.1.1", "127.100.99.1", "127.102.150.1", "127.111.2.1"]
SUBNETS = ["127.100.3.0", "127.101.4.0", "127.102.5.0", "127.103.6.0",
           "127.110.7.0", "127.100.250.0", "127.103.251.0", "127.111.1.0"]
RESOLVERS = [f"127.120.0.{i + 1}" for i in range(len(SUBNETS))]


def client_networks(first):
    """NETWORKS /24s from 127.FIRST.0.0 on."""
    return [f"127.{first + (n >> 8)}.{n & 255}.0/24" for n in range(NETWORKS)]


def hosts(zone):
    """Owner names of the zone's hosts that have A records (not CNAMEs)."""
    names = []
    with open(zone, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and parts[0].startswith("host") and parts[2] == "A" and parts[0] not in names[-1:]:
                names.append(parts[0])
    return names


def config_azdns(work, zone, port, azdns_bin, policy):
    folder = os.path.join(work, f"azdns-{policy}")
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    bench.link(zone, os.path.join(folder, "bench.zone"))
    lines = [f'[server]\nlisten = ["127.0.0.1:{port}"]\nworkers = 1\nstate_dir = "state"\n',
             f'[control]\nlisten = "127.0.0.1:{port + 3000}"\n',
             f'[[zone]]\norigin = "{bench.ORIGIN}"\nfile = "bench.zone"\n',
             f'[[check]]\nname = "web"\ntype = "tcp"\nport = {port + PROBE_PORT_OFFSET}\n'
             'interval = "1h"\ntimeout = "1s"\n']
    for name, prefix, first in (("a", "127.64.0.0/12", 100), ("b", "127.80.0.0/12", 102)):
        clients = client_networks(first) if policy == "nearest" else []
        lines.append(f'[[az]]\nname = "{name}"\nprefixes = ["{prefix}"]\nclients = {clients!r}\n'.replace("'", '"'))
    for host in hosts(zone):
        lines.append(f'[[service]]\nname = "{host}.{bench.ORIGIN}"\ncheck = "web"\npolicy = "{policy}"\n'
                     'prefer = ["b", "a"]\n')
    with open(os.path.join(folder, "azdns.toml"), "w") as f:
        f.write("\n".join(lines))
    return bench.Server(f"azdns-{policy}", [azdns_bin, "serve", "-c", os.path.join(folder, "azdns.toml")],
                        folder, port)


class ProbeListener:
    """Accepts (and closes) every tcp probe of the AZ addresses on `port`.

    Bound to the wildcard address: the probes go to 127.64/12 and 127.80/12,
    which are all local (127.0.0.0/8 is loopback), and one socket cannot bind
    a range. Nothing off the machine reaches a benchmark port."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("0.0.0.0", port))
        self.sock.listen(4096)
        self.sock.settimeout(0.5)
        self.done = False
        self.accepted = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.close()
            self.accepted += 1

    def wait_settled(self, limit):
        """Waits (at most `limit` s) until probes come at under 50 a second:
        the start-up round, which goes on after azdns answers, is over, and
        the periodic ones (about 5 a second: 19,600 endpoints an hour) go on."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            seen = self.accepted
            time.sleep(1)
            if self.accepted - seen < 50:
                return
        raise SystemExit(f"probes still arriving at 50 a second after {limit} s")

    def close(self):
        self.done = True
        self.thread.join(timeout=5)
        self.sock.close()


def dig(port, name, source, subnet=None):
    argv = ["dig", "+short", "+time=2", "+tries=1", "-p", str(port), "-b", source, "@127.0.0.1", name, "A"]
    if subnet:
        argv.append(f"+subnet={subnet}/24")
    return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.split()


def check_placement(port, name):
    """Raises unless clients of AZ a and b (by source and by subnet) get their AZ."""
    cases = [("127.100.7.1", None, "127.64."), ("127.102.9.1", None, "127.80."),
             ("127.120.0.1", "127.101.4.0", "127.64."), ("127.120.0.1", "127.103.6.0", "127.80.")]
    for source, subnet, want in cases:
        got = dig(port, name, source, subnet)
        if len(got) != 1 or not got[0].startswith(want):
            raise SystemExit(f"locality: {name} from {source} subnet {subnet}: {got}, want one {want}x address")


def ecs_option(subnet):
    """dnsperf -E value: ECS FAMILY 1, SOURCE /24, SCOPE 0, three address bytes."""
    return "8:00011800" + "".join(f"{int(b):02x}" for b in subnet.split(".")[:3])


def traffic(port, queries, seconds, shape, rate=None):
    """shape.processes concurrent dnsperf runs, half of them with a client
    subnet; returns (queries completed, lost)."""
    half = shape.processes // 2
    runs = [["-a", source] for source in PLAIN_SOURCES[:half]]
    runs += [["-a", resolver, "-E", ecs_option(subnet)] for resolver, subnet in zip(RESOLVERS[:half], SUBNETS)]
    procs = []
    for extra in runs:
        argv = ["taskset", "-c", "0", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
                "-l", str(seconds), "-c", str(shape.clients), "-q", str(shape.outstanding), "-t", "2"] + extra
        if rate:
            argv += ["-Q", str(rate // len(runs))]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    completed = lost = 0
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 60)
        completed += int(_grab(out, r"Queries completed:\s*(\d+)"))
        lost += int(_grab(out, r"Queries lost:\s*(\d+)"))
    return completed, lost


def _grab(text, pattern):
    m = re.search(pattern, text)
    return m.group(1) if m else 0


def measure(server, queries, seconds, shape, rate=None):
    pid = server.proc.pid
    bench.repin(pid)
    before = bench.cpu_seconds(pid)
    completed, lost = traffic(server.port, queries, seconds, shape, rate)
    cpu = bench.cpu_seconds(pid) - before
    return {"completed": completed, "lost": lost, "qps": completed / seconds, "busy": cpu / seconds,
            "cpu_us_per_q": 1e6 * cpu / completed if completed else float("nan")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--azdns", required=True)
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--port", type=int, default=5500)
    ap.add_argument("--processes", type=int, default=8, help="dnsperf processes, 2 to 16, half with a subnet")
    ap.add_argument("--clients", type=int, default=4, help="dnsperf -c of each")
    ap.add_argument("--outstanding", type=int, default=50, help="dnsperf -q of each")
    args = ap.parse_args()
    if not 2 <= args.processes <= 2 * len(SUBNETS) or args.processes % 2:
        ap.error(f"--processes: an even number from 2 to {2 * len(SUBNETS)}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    work = args.work
    subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), work, str(args.names),
                    "--queries", str(args.queries), "--azs", "2", "--loopback-azs"],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    zone, queries = os.path.join(work, "bench.zone"), os.path.join(work, "queries.txt")

    makers = {
        "floor": lambda port: bench.config_floor(work, zone, port, args.floor),
        "gdnsd": lambda port: bench.config_gdnsd(work, zone, port, None),
        "azdns-off": lambda port: config_azdns(work, zone, port, args.azdns, "failover"),
        "azdns-nearest": lambda port: config_azdns(work, zone, port, args.azdns, "nearest"),
    }
    servers, listeners, sat, fixed = {}, [], {}, {}
    try:
        for i, (name, make) in enumerate(makers.items()):
            port = args.port + i
            if name.startswith("azdns"):
                listeners.append(ProbeListener(port + PROBE_PORT_OFFSET))
            server = make(port).start()
            servers[name] = server
            if bench.wait_ready(server, 120) is None:
                raise SystemExit(f"{name} did not answer within 120 s:\n{server.tail()}")
            bench.log(f"{name}: ready on port {port}")
        check_placement(servers["azdns-nearest"].port, f"host1.{bench.ORIGIN}")
        for listener in listeners:
            listener.wait_settled(300)
        bench.log(f"probes accepted at start-up: {[l.accepted for l in listeners]}")
        order = list(servers)
        for rnd in range(args.rounds):
            rot = order[rnd % len(order):] + order[:rnd % len(order)]
            for name in rot:
                for table, rate in ((sat, None), (fixed, args.rate)):
                    r = measure(servers[name], queries, args.seconds, args, rate)
                    table.setdefault(name, []).append(r)
                    bench.log(f"round {rnd + 1} {name:<14} {'sat' if rate is None else rate}: {r['qps']:>9.0f} qps, "
                              f"{r['cpu_us_per_q']:5.2f} us CPU/q, busy {100 * r['busy']:3.0f} %, lost {r['lost']}")
            if any(not s.alive() for s in servers.values()):
                raise SystemExit("a server exited during the runs")
    finally:
        for server in servers.values():
            server.stop()
        for listener in listeners:
            listener.close()

    print(f"\nzone: {args.names} names, two AZs; {args.processes} dnsperf processes (-c {args.clients} -q {args.outstanding} each), half with a client subnet; "
          f"{args.rounds} rounds of {args.seconds} s; medians")
    print(f"{'server':<15}{'sat QPS':>12}{'sat CPU us/q':>14}{'/floor':>8}"
          f"{f'{args.rate // 1000}k QPS':>12}{f'{args.rate // 1000}k CPU us/q':>14}{'/floor':>8}")
    floor = {t: bench.med([r["cpu_us_per_q"] for r in table["floor"]]) for t, table in (("sat", sat), ("fixed", fixed))}
    for name in servers:
        cells = []
        for t, table in (("sat", sat), ("fixed", fixed)):
            qps = bench.med([r["qps"] for r in table[name]])
            cpu = bench.med([r["cpu_us_per_q"] for r in table[name]])
            cells.append(f"{qps:>12,.0f}{cpu:>14.2f}{cpu / floor[t]:>8.2f}")
        print(f"{name:<15}" + "".join(cells))
    for t, table in (("saturation", sat), (f"{args.rate}/s", fixed)):
        off = bench.med([r["cpu_us_per_q"] for r in table["azdns-off"]])
        on = bench.med([r["cpu_us_per_q"] for r in table["azdns-nearest"]])
        print(f"locality on / off, {t}: {on / off:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
