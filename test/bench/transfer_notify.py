"""Transfer benchmark, part "notify-latency" (see transfer.py): how soon a
real secondary follows azdns's filtered view after a fence. Goal: under 1 s.

azdns (transfer_azdns.py, `--notify-names` hosts in 3 AZs) sends NOTIFY to a
Knot secondary (Knot 3.2: `master:`; the config shape of
test/e2e/transfer_peers.cpp), optionally with TSIG on both (--tsig). Once
Knot serves azdns's serial, each of `--runs` runs:
- fences an AZ (az-a, az-b, az-c in turn) through the control API at T0 and
  queries Knot for host1's A every 5 ms until the AZ's address is gone;
- unfences it and waits, the same way, until the address is back.
Each step's time runs from T0 to the first such answer; Knot's log then
says whether it took an IXFR or an AXFR for it."""
import os
import re
import statistics
import threading
import time

from failover_common import free_port, log
from failover_dns import Resolver
from failover_servers import Server, write
from transfer_azdns import AZS, AzPrimary, ORIGIN, host_addresses, new_tsig_secret
from transfer_report import markdown_table
from transfer_wire import udp_soa_serial

HOST = 1
POLL = 0.005
KIND = re.compile(r"\] (IXFR|AXFR), incoming, remote [^,]+, finished")


def knot_secondary_config(folder, port, primary_port, tsig_secret):
    key = f"key:\n  - id: xfr\n    algorithm: hmac-sha256\n    secret: {tsig_secret}\n" if tsig_secret else ""
    key_line = "    key: xfr\n" if tsig_secret else ""
    return f"""server:
    rundir: "{folder}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{folder}"
log:
  - target: stderr
    any: info
{key}remote:
  - id: primary
    address: 127.0.0.1@{primary_port}
{key_line}acl:
  - id: notify_from_primary
    address: 127.0.0.1
{key_line}    action: notify
template:
  - id: default
    storage: "{folder}"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: "{ORIGIN}"
    master: primary
    acl: notify_from_primary
"""


def start_knot(folder, port, primary_port, tsig_secret):
    os.makedirs(folder, exist_ok=True)
    conf = os.path.join(folder, "knot.conf")
    write(conf, knot_secondary_config(folder, port, primary_port, tsig_secret))
    knot = Server("knot", ["/usr/sbin/knotd", "-c", conf], folder, port, "", 0)
    knot.start()
    return knot


def wait_until(pred, deadline, step=POLL):
    """Seconds until pred() held (checked every `step`), or None after `deadline` s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline:
        if pred():
            return time.monotonic() - t0
        time.sleep(step)
    return None


def run_notify_latency(args, work):
    folder = os.path.join(work, "notify-latency")
    knot_port = free_port()
    secret = new_tsig_secret() if args.tsig else None
    primary = AzPrimary(args.azdns, os.path.join(folder, "azdns"), args.notify_names,
                        notify=[f"127.0.0.1:{knot_port}"], tsig_secret=secret)
    knot, resolver = None, None
    steps = {"fence": [], "unfence": []}
    notes = []
    try:
        log(f"notify-latency: azdns with {args.notify_names:,} names, Knot secondary"
            + (", TSIG" if secret else ""))
        why = primary.start(max(120.0, args.deadline))
        if why:
            notes.append(why)
            return report(args, steps, notes)
        knot = start_knot(os.path.join(folder, "knot"), knot_port, primary.port, secret)
        serial = primary.serial()
        if serial is None:
            notes.append("azdns did not answer the zone's SOA")
            return report(args, steps, notes)
        if wait_until(lambda: udp_soa_serial(knot_port, ORIGIN) == serial, args.deadline, 0.05) is None:
            failed = [line for _, line in knot.lines if "failed" in line or "REFUSED" in line]
            notes.append(f"Knot never served azdns's serial {serial} within {args.deadline:.0f} s"
                         f" (azdns must serve AXFR/IXFR for it): " + " | ".join(failed[-3:] or [knot.tail(3)]))
            return report(args, steps, notes)
        resolver = Resolver(knot_port, timeout=0.05)
        for run in range(args.runs):
            az = AZS[run % len(AZS)]
            address = host_addresses(HOST)[az]
            for step, on in (("fence", True), ("unfence", False)):
                # Fenced: an answer without the AZ's address; unfenced: one with it.
                def arrived():
                    answer = resolver.query(f"host{HOST}.{ORIGIN}")
                    return answer is not None and bool(answer.addrs) and (address in answer.addrs) != on
                result = timed_step(primary, knot, az, on, arrived, args.deadline)
                steps[step].append(result)
                if result["error"]:
                    notes.append(f"run {run + 1}, {step} {az}: {result['error']}")
                    return report(args, steps, notes)
                log(f"notify-latency: run {run + 1} {step} {az}: {1000 * result['time']:.0f} ms, "
                    f"{result['kind'] or 'transfer not logged'}")
        if not knot.alive() or not primary.server.alive():
            notes.append("a server exited during the runs")
    finally:
        if resolver is not None:
            resolver.close()
        if knot is not None:
            knot.stop()
        primary.stop()
    return report(args, steps, notes)


def timed_step(primary, knot, az, on, arrived, deadline):
    """Fences (or unfences) `az` at T0, from another thread so that the polling starts at T0;
    {"time": s until arrived() held or None, "kind": "IXFR"/"AXFR"/None, "error": text or None}."""
    t0 = time.monotonic()
    outcome = {}
    act = threading.Thread(target=lambda: outcome.update(why=primary.fence(az, on)))
    act.start()
    took = wait_until(arrived, deadline)
    act.join(10)
    result = {"time": took, "kind": None, "error": outcome.get("why")}
    if took is None and not result["error"]:
        said = [line for t, line in list(knot.lines) if t >= t0][-3:]
        result["error"] = (f"Knot's answer did not change within {deadline:.0f} s; Knot logged meanwhile: "
                           + (" | ".join(said) if said else "nothing (no NOTIFY reached it)"))
    if result["error"]:
        return result
    # The transfer is logged when it finishes, which can be just after the answer changed.
    end = time.monotonic() + 2
    while result["kind"] is None and time.monotonic() < end:
        for t, line in list(knot.lines):
            m = KIND.search(line)
            if t >= t0 and m:
                result["kind"] = m.group(1)
        time.sleep(0.01)
    return result


def report(args, steps, notes):
    print(f"\n### NOTIFY to a Knot secondary: from a fence (or unfence) on azdns to Knot's answer, "
          f"{args.notify_names:,} names in 3 AZs{', TSIG' if args.tsig else ''} (goal: under 1 s)\n")
    rows = []
    for step, results in steps.items():
        times = [r["time"] for r in results if r["time"] is not None]
        kinds = [r["kind"] for r in results if r["time"] is not None]
        rows.append([step, len(times), f"{1000 * statistics.median(times):.0f}" if times else "-",
                     f"{1000 * max(times):.0f}" if times else "-", kinds.count("IXFR"), kinds.count("AXFR"),
                     kinds.count(None), len(results) - len(times)])
    print(markdown_table(["step", "runs", "median ms", "worst ms", "IXFR", "AXFR", "not logged", "failed"], rows))
    for note in notes:
        print("\nNOTE:", note)
    return 1 if notes else 0
