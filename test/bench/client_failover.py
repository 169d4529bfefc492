#!/usr/bin/env python3
"""Client-side failover through a caching resolver: how long after an
endpoint stops does a client behind unbound stop getting its address, with
azdns's ttl.healthy = "auto" against the default (zone TTL capped at
ttl.max). The figure of issue 13, part 2.

    test/bench/client_failover.py [--runs 10] [--settings default,auto]

Python 3 standard library only; the endpoints, zone and DNS client are the
failover benchmark's (failover_*.py). Per setting:
  - health endpoints "AZ a" (127.0.0.21) and "AZ b" (127.0.0.22), HTTP 200
    on /healthz; azdns with failover.test. (www 300 IN A both) at ttl.max 10,
    ttl.degraded 5, and for "auto" ttl.healthy = "auto"; an http check at
    interval 1s, timeout 500ms, fall 2, rise 1; restore_after 1s.
  - unbound in the foreground as a plain cache (stub zone to azdns,
    cache-min-ttl 0, no prefetch, no serve-expired, no validation).
  - per run: wait until the client, asking unbound, gets both addresses;
    pause a random time in [0, ttl.max) so that unbound's copy is at a random
    age (and T0 anywhere in the probe cycle), asking every 100 ms to see the
    TTLs the client gets; stop endpoint a at T0; ask unbound every 20 ms
    until 127.0.0.21 is gone ("client moved" = T1 - T0), and azdns itself
    until its own answer lacks it (detection, the rest is unbound's copy
    being held); keep asking for
    --stale-watch s: an answer with 127.0.0.21 again is a stale answer; start
    endpoint a and wait until the client gets it again before the next run.
  - every wait is bounded by --deadline; a run that hits it counts as failed.
Only processes started here are stopped, by their process group id; the
temporary folder is removed at the end (--keep to keep it).
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client_failover_servers import SETTINGS, TTL_MAX, UNBOUND, config_azdns, config_unbound  # noqa: E402
from failover import fmt_s, fmt_ttls, has_a, healthy, lacks_a, poll, wait_ready  # noqa: E402
from failover_common import ADDR_A, ADDR_B, free_port, log  # noqa: E402
from failover_dns import Resolver  # noqa: E402
from failover_endpoints import Endpoint, free_endpoint_port  # noqa: E402

GOAL_S = 4.0  # issue 13: a client moved within 4 s at worst (ttl.max 10, interval 1 s, fall 2)


def new_result(setting, settings):
    return {"setting": setting, "settings": settings, "moved": [], "azdns": [], "held": [], "back": [], "failed": 0, "stale": 0,
            "ttl_azdns": set(), "ttl_client": set(), "ttl_moved": set(), "error": None}


def wait_moved(direct, client, t0, args):
    """Asks azdns itself and the client (via unbound) every --step s until the client's answer lacks
    ADDR_A: (time azdns's answer lost it or None, time the client's did or None, that answer)."""
    t_azdns = None
    while True:
        t_send = time.monotonic()
        if t_azdns is None:
            d = direct.query()
            if d is not None and lacks_a(d):
                t_azdns = time.monotonic()
        a = client.query()
        if a is not None and lacks_a(a):
            return t_azdns, time.monotonic(), a
        now = time.monotonic()
        if now - t0 > args.deadline:
            return t_azdns, None, a
        pause = t_send + args.step - now
        if pause > 0:
            time.sleep(pause)


def run_once(run, direct, client, ep_a, result, args):
    """One run; False when the client never got both addresses (the setup is broken: stop)."""
    t, a, _ = poll(client, healthy, args.deadline, 0.05)
    if t is None:
        result["failed"] += 1
        result["error"] = f"run {run}: client never got both addresses (last {a.addrs if a else None})"
        return False
    result["ttl_client"].add(a.ttl)
    # unbound's copy ages meanwhile (and may be refetched): T0 falls at a random age and probe phase.
    end = time.monotonic() + random.uniform(0, TTL_MAX)
    while time.monotonic() < end:
        a = client.query()
        if a is not None and healthy(a):
            result["ttl_client"].add(a.ttl)
        time.sleep(0.1)
    t0 = time.monotonic()
    ep_a.stop()
    t_azdns, t1, a = wait_moved(direct, client, t0, args)
    if t_azdns is not None:
        result["azdns"].append(t_azdns - t0)
    moved = None
    if t1 is None:
        result["failed"] += 1
        log(f"  run {run}: {ADDR_A} still answered {args.deadline:.0f} s after its endpoint stopped")
    else:
        moved = t1 - t0
        result["moved"].append(moved)
        if t_azdns is not None:
            result["held"].append(t1 - t_azdns)
        result["ttl_moved"].add(a.ttl)
        end = time.monotonic() + args.stale_watch
        while time.monotonic() < end:
            a = client.query()
            if a is not None and has_a(a):
                result["stale"] += 1
            time.sleep(args.step)
    t2 = time.monotonic()
    ep_a.start()
    t3, _, _ = poll(client, has_a, args.deadline, 0.05)
    if t3 is None:
        result["failed"] += 1
        log(f"  run {run}: {ADDR_A} not back {args.deadline:.0f} s after its endpoint started")
    else:
        result["back"].append(t3 - t2)
    log(f"  run {run}: client moved {fmt_s(moved)} (azdns {fmt_s(t_azdns - t0 if t_azdns else None)}), back {fmt_s(t3 - t2 if t3 else None)}, "
        f"stale {result['stale']}")
    return True


def measure(setting, args, work):
    folder = os.path.join(work, setting)
    ep_port, azdns_port, unbound_port = free_endpoint_port(), free_port(), free_port()
    azdns = config_azdns(os.path.join(folder, "azdns"), azdns_port, ep_port, setting, args)
    unbound = config_unbound(os.path.join(folder, "unbound"), unbound_port, azdns_port)
    ep_a, ep_b = Endpoint(ADDR_A, ep_port), Endpoint(ADDR_B, ep_port)
    result = new_result(setting, azdns.settings)
    direct = client = None
    try:
        ep_a.start()
        ep_b.start()
        azdns.start()
        direct = Resolver(azdns_port, timeout=args.query_timeout)
        if not wait_ready(azdns, direct, 20):
            result["error"] = "azdns did not start: " + azdns.tail(8).strip().replace("\n", " | ")
            return result
        t, a, _ = poll(direct, healthy, args.deadline, 0.05)
        if t is None:
            result["error"] = "azdns never answered both addresses"
            return result
        result["ttl_azdns"].add(a.ttl)
        unbound.start()
        client = Resolver(unbound_port, timeout=args.query_timeout, recursion_desired=True)
        if not wait_ready(unbound, client, 20):
            result["error"] = "unbound did not start: " + unbound.tail(8).strip().replace("\n", " | ")
            return result
        for run in range(1, args.runs + 1):
            if not (azdns.alive() and unbound.alive()):
                result["error"] = f"run {run}: azdns or unbound exited"
                break
            if not run_once(run, direct, client, ep_a, result, args):
                break
        a = direct.query()
        if a is not None and healthy(a):
            result["ttl_azdns"].add(a.ttl)
    finally:
        for res in (direct, client):
            if res is not None:
                res.close()
        unbound.stop()
        azdns.stop()
        ep_a.stop()
        ep_b.stop()
    return result


def report(results, args):
    lines = [f"{'setting':<8} {'runs':>4} {'moved med':>10} {'moved max':>10} {'failed':>6} {'stale':>5} "
             f"{'azdns med':>9} {'azdns max':>9} {'held max':>8} "
             f"{'TTL azdns':>9} {'TTL client':>10} {'TTL moved':>9} {'back med':>9}  settings"]
    for r in results:
        m, b, z, h = r["moved"], r["back"], r["azdns"], r["held"]
        client_max = max((t for t in r["ttl_client"] if t is not None), default=None)
        lines.append(f"{r['setting']:<8} {len(m):>4} {fmt_s(statistics.median(m) if m else None):>10} "
                     f"{fmt_s(max(m) if m else None):>10} {r['failed']:>6} {r['stale']:>5} "
                     f"{fmt_s(statistics.median(z) if z else None):>9} {fmt_s(max(z) if z else None):>9} "
                     f"{fmt_s(max(h) if h else None):>8} "
                     f"{fmt_ttls(r['ttl_azdns']):>9} {'-' if client_max is None else f'<={client_max}':>10} "
                     f"{fmt_ttls(r['ttl_moved']):>9} {fmt_s(statistics.median(b) if b else None):>9}  "
                     f"{r['settings']}")
        if r["error"]:
            lines.append(f"{'':<8} stopped early: {r['error']}")
    lines.append(f"(runs = runs measured; moved = endpoint a stopped -> first answer via unbound without {ADDR_A}, "
                 f"queries every {args.step * 1000:.0f} ms; failed = waits that hit the {args.deadline:.0f} s "
                 f"deadline; stale = answers with {ADDR_A} in the {args.stale_watch:.0f} s after the move; "
                 f"azdns = endpoint stopped -> azdns's own answer without it; held = azdns's answer without it -> the client's; "
                 f"TTL azdns = healthy TTL straight from azdns; TTL client = highest healthy TTL via unbound; "
                 f"TTL moved = TTL of the first answer without {ADDR_A}; back = endpoint started -> client gets it)")
    auto = next((r for r in results if r["setting"] == "auto"), None)
    if auto is not None:
        m = auto["moved"]
        met = bool(m) and max(m) <= GOAL_S and not auto["failed"] and not auto["stale"] and not auto["error"]
        worst = f"worst {fmt_s(max(m))}" if m else "nothing measured"
        lines.append(f"goal: client moved within {GOAL_S:.0f} s worst (auto): {'met' if met else 'not met'} "
                     f"({worst}, {sum(1 for v in m if v <= GOAL_S)}/{len(m)} runs within, "
                     f"{auto['failed']} failed, {auto['stale']} stale)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="runs per setting")
    ap.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated, from " + ",".join(SETTINGS))
    ap.add_argument("--azdns", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "../../build/server/cli/azdns"))
    ap.add_argument("--interval", default="1s")
    ap.add_argument("--timeout", default="500ms")
    ap.add_argument("--fall", type=int, default=2)
    ap.add_argument("--rise", type=int, default=1)
    ap.add_argument("--restore-after", default="1s", help="az.restore_after (default 30s) kept short for the runs")
    ap.add_argument("--step", type=float, default=0.02, help="seconds between the client's queries while waiting")
    ap.add_argument("--stale-watch", type=float, default=1.0, help="seconds of asking after the move")
    ap.add_argument("--query-timeout", type=float, default=0.5)
    ap.add_argument("--deadline", type=float, default=30.0, help="longest wait for a change, seconds")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    args.azdns = os.path.abspath(args.azdns)
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    for s in settings:
        if s not in SETTINGS:
            ap.error(f"unknown setting {s}")
    for binary in (args.azdns, UNBOUND):
        if not os.access(binary, os.X_OK):
            ap.error(f"{binary} missing")
    work = tempfile.mkdtemp(prefix="azdns-client-failover.")
    started = time.strftime("%Y-%m-%d %H:%M")
    load0 = os.getloadavg()[0]
    results = []
    try:
        for s in settings:
            log(f"client failover: {s}")
            results.append(measure(s, args, work))
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Client-side failover through unbound, started {started}, load average (1 min) {load0:.2f} at start, "
          f"{os.getloadavg()[0]:.2f} at the end")
    print(report(results, args))
    return 1 if any(r["error"] or r["failed"] or r["stale"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
