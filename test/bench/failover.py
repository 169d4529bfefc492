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
# The pieces live next to this script: failover_endpoints.py (the health
# endpoints), failover_servers.py (the nameservers' setups), failover_dns.py
# (DNS queries over UDP) and failover_common.py (addresses, zone, free ports).
# This file keeps the measuring, the report and main().
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from failover_common import ADDR_A, ADDR_B, ORIGIN, ZONE_TTL, free_port, log  # noqa: E402
from failover_dns import Resolver  # noqa: E402
from failover_endpoints import Endpoint, free_endpoint_port  # noqa: E402
from failover_servers import ALL_VARIANTS, CONFIGS  # noqa: E402

STEP_MS = 2.0


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
                                                    "../../build/server/cli/azdns"))
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
