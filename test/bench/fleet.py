#!/usr/bin/env python3
"""Fleet benchmark (docs/fleet.md): how fast a fence reaches every instance,
how fast a real AZ failure leaves every answer, whether a vantage point cut
off from an AZ fences it anywhere, and what the exchange costs.

    test/bench/fleet.py [--part propagation|failure|false-fences|cost] [--runs N]

Python 3 standard library only. Parts 1-3 run three azdns instances on this
machine (fleet_instances.py: ns1..ns3, each probing from 127.0.2.N, peers of
each other over their control APIs, one token; AZ a = 127.0.0.51-52 and AZ b
= 127.0.0.53-54, HTTP health endpoints served here). Queries are `www A`
over UDP to each instance.
  propagation   POST /v1/azs/az-a/fence on ns1 at T0 (from another thread);
                query ns2 and ns3 every 1 ms from T0 until both answer
                without AZ a; the time is the later of the two. Then DELETE the fence and wait until all
                three answer AZ a again. 30 runs.
  failure       after a random pause of up to one probe interval, stop AZ
                a's endpoints at T0; query all three every 2 ms until none
                answers AZ a; the time is the last instance's. Start them
                again and wait until all three answer AZ a. 10 runs.
  false-fences  each trial cuts one instance (ns1, ns2, ns3 in turn) off
                from AZ a (its connections are reset; the others still
                reach AZ a) for 3 x interval x fall, querying all three
                every 10 ms; any answer without AZ a is a false fence. Then
                mend the path and wait until that instance's own vote (status
                JSON fleet.endpoints[].votes) is up for both. 100 trials.
  cost          fleet_cost.py: one ns1 with 10,000 endpoints and 5 synthetic
                peers: bytes sent and received, CPU over a baseline.
Every wait is bounded (--deadline); one that runs out counts as a failure
and is reported. Only processes started here are stopped, by their process
group; the temporary folder is removed at the end (--keep keeps it).
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from failover_common import log  # noqa: E402
from fleet_control import control_request, own_votes, status_json  # noqa: E402
from fleet_cost import report_cost, run_cost  # noqa: E402
from fleet_instances import AZ_A, COUNT, TOKEN, Fleet, has_all, lacks_az_a, name_of  # noqa: E402

PARTS = ("propagation", "failure", "false-fences", "cost")
DEFAULT_RUNS = {"propagation": 30, "failure": 10, "false-fences": 100}


def first_without_az_a(fleet, which, t0, deadline, step):
    """{instance: seconds from t0 to its first answer without AZ a}, querying `which` every `step` s."""
    first = {}
    end = t0 + deadline
    while len(first) < len(which) and time.monotonic() < end:
        tick = time.monotonic()
        for i in which:
            if i not in first and lacks_az_a(fleet.query(i)):
                first[i] = time.monotonic() - t0
        pause = tick + step - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return first


def part_propagation(fleet, args, runs):
    r = {"part": "propagation", "times": [], "failed": 0, "post": [], "error": None,
         "goal": 0.100, "goal_text": "under 100 ms"}
    port = fleet.control_ports[0]
    for run in range(runs):
        if not fleet.wait_all(has_all, args.deadline):
            r["error"] = f"run {run + 1}: not all three answered AZ a before the fence"
            break
        time.sleep(random.uniform(0.05, 0.25))
        # The POST runs beside the queries: ns1 writes the fence to state_dir
        # before it replies, and its peers may have it before that.
        posted = {}

        def post():
            posted["reply"] = control_request(port, TOKEN, "POST", "/v1/azs/az-a/fence", '{"reason": "bench"}')
            posted["took"] = time.monotonic() - t0
        poster = threading.Thread(target=post)
        t0 = time.monotonic()
        poster.start()
        first = first_without_az_a(fleet, [1, 2], t0, args.deadline, 0.001)
        poster.join()
        code, text = posted["reply"]
        if code != 200:
            r["error"] = f"run {run + 1}: fence on ns1: HTTP {code}: {text[:200]}"
            break
        r["post"].append(posted["took"])
        if len(first) < 2:
            r["failed"] += 1
            log(f"  propagation run {run + 1}: not on every peer within {args.deadline} s: {first}")
        else:
            r["times"].append(max(first.values()))
            log(f"  propagation run {run + 1}: {fmt_ms(max(first.values()))} "
                f"(ns2 {fmt_ms(first[1])}, ns3 {fmt_ms(first[2])})")
        code, text = control_request(port, TOKEN, "DELETE", "/v1/azs/az-a/fence")
        if code != 200:
            r["error"] = f"run {run + 1}: unfence on ns1: HTTP {code}: {text[:200]}"
            break
        if not fleet.wait_all(has_all, args.deadline):
            r["failed"] += 1
            log(f"  propagation run {run + 1}: the unfence did not reach every instance within {args.deadline} s")
    return r


def part_failure(fleet, args, runs):
    goal = fleet.interval * args.fall + 0.100
    r = {"part": "failure", "times": [], "failed": 0, "error": None, "goal": goal,
         "goal_text": f"interval x fall + 100 ms = {goal * 1000:.0f} ms"}
    for run in range(runs):
        if not fleet.wait_all(has_all, args.deadline):
            r["error"] = f"run {run + 1}: not all three answered AZ a before the failure"
            break
        # The settle lets every instance's state and its peers' copies be
        # steady; the random share puts T0 anywhere in the probe cycle.
        time.sleep(1.0 + random.uniform(0, fleet.interval))
        t0 = time.monotonic()
        fleet.stop_az_a()
        first = first_without_az_a(fleet, range(COUNT), t0, args.deadline, 0.002)
        fleet.start_az_a()
        if len(first) < COUNT:
            r["failed"] += 1
            log(f"  failure run {run + 1}: not every instance without AZ a within {args.deadline} s: {first}")
        else:
            r["times"].append(max(first.values()))
            log(f"  failure run {run + 1}: {fmt_ms(max(first.values()))} ("
                + ", ".join(f"{name_of(i)} {fmt_ms(first[i])}" for i in range(COUNT)) + ")")
        if not fleet.wait_all(has_all, args.deadline + 5):
            r["failed"] += 1
            log(f"  failure run {run + 1}: AZ a not back on every instance within {args.deadline + 5} s")
    return r


def watch(fleet, r, seconds, done=None, step=0.01):
    """Queries all three every `step` s for up to `seconds`, counting answers without AZ a (by instance)
    and unanswered queries; stops early once done() holds (checked every 50 ms). True if it did."""
    end = time.monotonic() + seconds
    next_check = 0.0
    while time.monotonic() < end:
        tick = time.monotonic()
        for i in range(COUNT):
            a = fleet.query(i)
            r["queries"] += 1
            if a is None:
                r["unanswered"] += 1
            elif lacks_az_a(a):
                r["false_answers"][i] += 1
        if done is not None and tick >= next_check:
            if done():
                return True
            next_check = tick + 0.05
        pause = tick + step - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return False


def part_false_fences(fleet, args, runs):
    cut_for = 3 * fleet.interval * args.fall
    r = {"part": "false-fences", "trials": 0, "false_trials": 0, "false_answers": [0] * COUNT, "queries": 0,
         "unanswered": 0, "took": 0, "failed": 0, "error": None, "cut_for": cut_for}
    for trial in range(runs):
        i = trial % COUNT
        if not fleet.wait_all(has_all, args.deadline):
            r["error"] = f"trial {trial + 1}: not all three answered AZ a before the cut"
            break
        before = sum(r["false_answers"])
        fleet.cut_off(i)
        watch(fleet, r, cut_for)
        # The cut counts only if the instance itself saw AZ a down.
        votes = own_votes(status_json(fleet.control_ports[i], TOKEN), name_of(i), AZ_A)
        took = len(votes) == len(AZ_A) and all(v == "down" for v in votes.values())
        fleet.mend()

        def back_up():
            v = own_votes(status_json(fleet.control_ports[i], TOKEN), name_of(i), AZ_A)
            return len(v) == len(AZ_A) and all(x == "up" for x in v.values())
        if not watch(fleet, r, args.deadline, back_up):
            r["failed"] += 1
            log(f"  false-fences trial {trial + 1}: {name_of(i)} did not see AZ a up within {args.deadline} s")
        r["trials"] += 1
        r["took"] += took
        if sum(r["false_answers"]) > before:
            r["false_trials"] += 1
            log(f"  false-fences trial {trial + 1} ({name_of(i)} cut off): answers without AZ a: "
                f"{r['false_answers']}")
        if (trial + 1) % 10 == 0:
            log(f"  false-fences: {trial + 1} trials, {r['false_trials']} with a false fence, "
                f"cut took effect in {r['took']}")
    return r


# --- report --------------------------------------------------------------------------

def fmt_ms(v):
    return "-" if v is None else f"{v * 1000:.1f} ms"


def report_timed(r):
    t = r["times"]
    line = (f"{r['part']:<13} {len(t) + r['failed']:>5} {fmt_ms(statistics.median(t) if t else None):>10} "
            f"{fmt_ms(max(t) if t else None):>10} {r['failed']:>7}  ")
    if t:
        within = sum(1 for v in t if v < r["goal"])
        met = within == len(t) and not r["failed"]
        line += f"goal {r['goal_text']}: {'met' if met else 'NOT met'} ({within}/{len(t)} within)"
    lines = [line]
    if r.get("post"):
        lines.append(f"{'':<13} (the POST's reply, queried beside: median {fmt_ms(statistics.median(r['post']))}, "
                     f"max {fmt_ms(max(r['post']))})")
    if r["error"]:
        lines.append(f"{'':<13} stopped early: {r['error']}")
    return lines


def report_false(r):
    lines = [f"{r['part']:<13} {r['trials']:>5} trials; trials with any answer without AZ a: {r['false_trials']} "
             f"(goal 0: {'met' if r['false_trials'] == 0 and r['trials'] else 'NOT met'}); "
             f"answers without AZ a by ns1/ns2/ns3: {'/'.join(map(str, r['false_answers']))}",
             f"{'':<13} cut {r['cut_for'] * 1000:.0f} ms each (ns1, ns2, ns3 in turn); the cut instance's own vote "
             f"was down for both AZ a endpoints at its end in {r['took']}/{r['trials']}; "
             f"{r['queries']:,} queries, {r['unanswered']} unanswered; waits run out: {r['failed']}"]
    if r["error"]:
        lines.append(f"{'':<13} stopped early: {r['error']}")
    return lines


def run_three(args, work, parts):
    """Parts 1-3 on one fleet of three: (report lines, whether anything failed)."""
    fleet = Fleet(args.azdns, work, args)
    lines = [f"settings: {fleet.settings()}",
             f"{'part':<13} {'runs':>5} {'median':>10} {'worst':>10} {'failed':>7}"]
    try:
        why = fleet.start()
        if why:
            return lines + [f"fleet not measured: {why}"], True
        bad = False
        for part in parts:
            log(f"fleet: {part}")
            runs = args.runs or DEFAULT_RUNS[part]
            if part == "false-fences":
                r = part_false_fences(fleet, args, runs)
                lines += report_false(r)
                bad |= bool(r["error"] or r["failed"] or r["false_trials"])
            else:
                r = (part_propagation if part == "propagation" else part_failure)(fleet, args, runs)
                lines += report_timed(r)
                bad |= bool(r["error"] or r["failed"])
            dead = fleet.dead()
            if dead:
                return lines + [f"exited during {part}: {', '.join(dead)}"], True
        return lines, bad
    finally:
        fleet.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=PARTS, action="append", help="one part (repeatable); default: all four")
    ap.add_argument("--runs", type=int, help="runs or trials of each part 1-3 (default 30, 10, 100)")
    ap.add_argument("--azdns", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "../../build/server/cli/azdns"))
    ap.add_argument("--interval", default="200ms")
    ap.add_argument("--timeout", default="100ms")
    ap.add_argument("--rise", type=int, default=2)
    ap.add_argument("--fall", type=int, default=2)
    ap.add_argument("--restore-after", default="1s")
    ap.add_argument("--stale-after", default="1s")
    ap.add_argument("--deadline", type=float, default=10.0, help="longest wait for a change, seconds")
    ap.add_argument("--seconds", type=float, default=60.0, help="cost: seconds per measuring window")
    ap.add_argument("--settle", type=float, default=15.0, help="cost: seconds after start before measuring")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    args.azdns = os.path.abspath(args.azdns)
    parts = args.part or list(PARTS)
    if not os.access(args.azdns, os.X_OK):
        log(f"fleet: {args.azdns} missing")
        return 1
    work = tempfile.mkdtemp(prefix="azdns-fleet.")
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load0 = os.getloadavg()
    lines, bad = [], False
    try:
        three = [p for p in parts if p != "cost"]
        if three:
            three_lines, three_bad = run_three(args, work, three)
            lines += three_lines
            bad |= three_bad
        if "cost" in parts:
            log("fleet: cost")
            r = run_cost(args.azdns, work, args.seconds, args.settle)
            lines += report_cost(r)
            bad |= bool(r.get("error"))
    except KeyboardInterrupt:
        log("interrupted")
        bad = True
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    load1 = os.getloadavg()
    print(f"Fleet, started {started}, load average (1/5/15 min) {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f} "
          f"at the start, {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} at the end")
    print("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
