#!/usr/bin/env python3
"""Response rate limiting, measured (issue 14; docs/security.md).

    rrl.py --azdns BIN --floor BIN [--rounds R] [--seconds S]

Called by rrl.sh. The answering benchmark's zone and query mix
(make_zone.py), each server on its own 127.0.0.1 port, pinned to core 1 with
one answering thread; load from core 0. Two parts:

1. The cost when no client is limited: floor, gdnsd, azdns without [rrl],
   and azdns with [rrl] at 1,000,000 responses a second (every response
   counted, none limited), under locality.py's traffic (dnsperf processes
   from several client networks). Rounds interleave the servers; medians of
   the server's CPU time per answered query.
2. A spoofed-source flood: 4 dnsperf processes from 4 networks
   (127.66.k.1) at up to 20,000 queries a second each for what an amplifier
   asks (the apex's NS, MX, SOA and TXT: the largest answers of the zone),
   which do read what comes back, so what they receive is what the flood's
   victims would; beside
   them a real client (127.0.0.1) at 2,000 positive queries a second over
   many names. For azdns without and with [rrl] at its defaults (20 a
   second, slip 2): the bytes the server sent to the flood per byte it
   received from it (dnsperf's counts and average packet sizes), and what
   share of the real client's queries were answered.
"""
import argparse
import os
import re
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import locality  # noqa: E402

FLOOD_SOURCES = [f"127.66.{k}.1" for k in range(1, 5)]


def config_azdns(work, zone, port, azdns_bin, name, rrl):
    folder = os.path.join(work, name)
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    bench.link(zone, os.path.join(folder, "bench.zone"))
    with open(os.path.join(folder, "azdns.toml"), "w") as f:
        f.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\nworkers = 1\nstate_dir = "state"\n\n'
                f'[control]\nlisten = "127.0.0.1:{port + 3000}"\n\n'
                f'[[zone]]\norigin = "{bench.ORIGIN}"\nfile = "bench.zone"\n' + rrl)
    return bench.Server(name, [azdns_bin, "serve", "-c", os.path.join(folder, "azdns.toml")], folder, port)


def grab(text, pattern, cast=float):
    m = re.search(pattern, text)
    return cast(m.group(1)) if m else cast(0)


def dnsperf_run(port, queries, seconds, source, rate, outstanding):
    argv = ["taskset", "-c", "0", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-a", source,
            "-l", str(seconds), "-c", "4", "-q", str(outstanding), "-t", "1", "-Q", str(rate)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def outcome(proc, seconds):
    out, _ = proc.communicate(timeout=seconds + 60)
    return {"sent": grab(out, r"Queries sent:\s*(\d+)", int),
            "completed": grab(out, r"Queries completed:\s*(\d+)", int),
            "request": grab(out, r"Average packet size:\s*request (\d+)", int),
            "response": grab(out, r"Average packet size:.*response (\d+)", int)}


def flood(server, queries, positive, seconds):
    """The flood and the real client at once; returns (flood totals, client)."""
    # Room for a second of unanswered queries (the timeout): a dropped
    # response must not slow the flood down.
    floods = [dnsperf_run(server.port, queries, seconds, s, 20000, 40000) for s in FLOOD_SOURCES]
    client = dnsperf_run(server.port, positive, seconds, "127.0.0.1", 2000, 200)
    results = [outcome(p, seconds) for p in floods]
    real = outcome(client, seconds)
    received = sum(r["sent"] * r["request"] for r in results)
    sent = sum(r["completed"] * r["response"] for r in results)
    return {"queries": sum(r["sent"] for r in results), "answered": sum(r["completed"] for r in results),
            "ratio": sent / received if received else float("nan")}, real


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--azdns", required=True)
    ap.add_argument("--rounds", type=int, default=5, help="0: the flood only")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--port", type=int, default=5600)
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--outstanding", type=int, default=50)
    args = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    work = args.work
    subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), work, "10000", "--queries", "100000"],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    zone, queries = os.path.join(work, "bench.zone"), os.path.join(work, "queries.txt")
    positive = os.path.join(work, "positive.txt")
    with open(queries) as f, open(positive, "w") as out:
        out.writelines(line for line in f if line.startswith("host") and line.split()[1] == "A")
    amplifier = os.path.join(work, "amplifier.txt")
    with open(amplifier, "w") as out:
        out.writelines(f"{bench.ORIGIN} {t}\n" for t in ("NS", "MX", "SOA", "TXT"))

    makers = {
        "floor": lambda port: bench.config_floor(work, zone, port, args.floor),
        "gdnsd": lambda port: bench.config_gdnsd(work, zone, port, None),
        "azdns": lambda port: config_azdns(work, zone, port, args.azdns, "azdns", ""),
        "azdns-rrl": lambda port: config_azdns(work, zone, port, args.azdns, "azdns-rrl",
                                               "\n[rrl]\nresponses_per_second = 1000000\n"),
        "azdns-rrl20": lambda port: config_azdns(work, zone, port, args.azdns, "azdns-rrl20",
                                                 "\n[rrl]\nresponses_per_second = 20\n"),
    }
    servers, sat, fixed, floods = {}, {}, {}, {}
    try:
        for i, (name, make) in enumerate(makers.items()):
            server = make(args.port + i).start()
            servers[name] = server
            if bench.wait_ready(server, 60) is None:
                raise SystemExit(f"{name} did not answer within 60 s:\n{server.tail()}")
        cost = ["floor", "gdnsd", "azdns", "azdns-rrl"] if args.rounds else []
        for rnd in range(args.rounds):
            rot = cost[rnd % len(cost):] + cost[:rnd % len(cost)]
            for name in rot:
                for table, rate in ((sat, None), (fixed, args.rate)):
                    r = locality.measure(servers[name], queries, args.seconds, args, rate)
                    table.setdefault(name, []).append(r)
                    bench.log(f"round {rnd + 1} {name:<10} {'sat' if rate is None else rate}: {r['qps']:>9.0f} qps, "
                              f"{r['cpu_us_per_q']:5.2f} us CPU/q, busy {100 * r['busy']:3.0f} %")
        for name in ("azdns", "azdns-rrl20"):
            floods[name] = flood(servers[name], amplifier, positive, args.seconds)
            bench.log(f"flood {name}: {floods[name]}")
        if any(not s.alive() for s in servers.values()):
            raise SystemExit("a server exited during the runs")
    finally:
        for server in servers.values():
            server.stop()

    if cost:
        report_cost(cost, sat, fixed, args)
    # dnsperf paces the flood: at most 80,000 q/s, fewer when unanswered
    # queries hold its outstanding slots until they time out.
    print(f"\n2. a flood from {len(FLOOD_SOURCES)} networks (asked for 80,000 q/s), beside a real client at 2,000 q/s")
    print(f"{'server':<12}{'flood q/s':>10}{'answered':>10}{'bytes out/in':>14}{'client sent':>13}{'answered':>10}")
    for name, (f, real) in floods.items():
        print(f"{name:<12}{f['queries'] // args.seconds:>10,}{f['answered']:>10,}{f['ratio']:>14.2f}"
              f"{real['sent']:>13,}{real['completed']:>10,}")
    return 0


def report_cost(cost, sat, fixed, args):
    print(f"\n1. no client limited; {args.processes} dnsperf processes, {args.rounds} rounds of {args.seconds} s; medians")
    print(f"{'server':<12}{'sat QPS':>12}{'sat CPU us/q':>14}{'/floor':>8}{'48k CPU us/q':>14}{'/floor':>8}")
    base = {t: bench.med([r["cpu_us_per_q"] for r in table["floor"]]) for t, table in (("sat", sat), ("fixed", fixed))}
    for name in cost:
        qps = bench.med([r["qps"] for r in sat[name]])
        s = bench.med([r["cpu_us_per_q"] for r in sat[name]])
        f = bench.med([r["cpu_us_per_q"] for r in fixed[name]])
        print(f"{name:<12}{qps:>12,.0f}{s:>14.2f}{s / base['sat']:>8.2f}{f:>14.2f}{f / base['fixed']:>8.2f}")
    for t, table in (("saturation", sat), (f"{args.rate}/s", fixed)):
        off = bench.med([r["cpu_us_per_q"] for r in table["azdns"]])
        on = bench.med([r["cpu_us_per_q"] for r in table["azdns-rrl"]])
        print(f"rrl on / off, {t}: {on / off:.3f}")


if __name__ == "__main__":
    sys.exit(main())
