#!/usr/bin/env python3
"""Zone-transfer benchmark: AXFR cost against Knot and NSD, IXFR sizes after
health changes, and how fast a NOTIFY brings a Knot secondary along.

    test/bench/transfer.py --part axfr|ixfr-size|notify-latency [--azdns BINARY] [options]

Called by transfer.sh (see its header). Python 3 standard library only;
every part prints a markdown table, and NOTE lines for what went wrong.
  axfr            transfer_axfr.py: Knot, NSD, azdns; a 1,000,000-name zone.
  ixfr-size       transfer_ixfr.py: azdns, the zone with 3 AZs; IXFR after
                  a fence, an unfence, an endpoint down and back up.
  notify-latency  transfer_notify.py: azdns primary, a Knot secondary; time
                  from a fence (and an unfence) to the secondary's answer.
Every wait is bounded; only processes started here are stopped, by their
process group; the work folder is removed at the end unless --keep.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from failover_common import log  # noqa: E402
from transfer_axfr import run_axfr  # noqa: E402
from transfer_ixfr import run_ixfr_size  # noqa: E402
from transfer_notify import run_notify_latency  # noqa: E402

PARTS = {"axfr": run_axfr, "ixfr-size": run_ixfr_size, "notify-latency": run_notify_latency}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=list(PARTS), action="append",
                    help="a part to run (repeatable); default: all three")
    ap.add_argument("--azdns", default="", help="azdns binary; empty: part axfr without azdns, no other part")
    ap.add_argument("--servers", default="knot,nsd,azdns", help="axfr: servers, in order")
    ap.add_argument("--names", type=int, default=1_000_000, help="axfr, ixfr-size: names in the zone")
    ap.add_argument("--rounds", type=int, default=3, help="axfr: rounds")
    ap.add_argument("--rate", type=int, default=20_000, help="axfr: dnsperf's fixed rate, q/s")
    ap.add_argument("--answer-seconds", type=int, default=8, help="axfr: length of each dnsperf run")
    ap.add_argument("--clients", type=int, default=16, help="axfr: dnsperf -c")
    ap.add_argument("--outstanding", type=int, default=200, help="axfr: dnsperf -q")
    ap.add_argument("--view", choices=("filtered", "raw"), default="filtered",
                    help="axfr: the view azdns transfers (ixfr-size and notify-latency use filtered)")
    ap.add_argument("--port", type=int, default=5600, help="axfr: first DNS port (one per server)")
    ap.add_argument("--notify-names", type=int, default=10_000, help="notify-latency: names in the zone")
    ap.add_argument("--runs", type=int, default=20, help="notify-latency: fence/unfence runs")
    ap.add_argument("--tsig", action="store_true", help="notify-latency: sign transfers and NOTIFY (hmac-sha256)")
    ap.add_argument("--deadline", type=float, default=30.0,
                    help="seconds a wait for a serial or an answer may last before it counts as failed")
    ap.add_argument("--work", help="work folder (default: a new one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    # SIGTERM/SIGHUP unwind like Ctrl-C, so the servers started here are stopped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    # The client and dnsperf on core 0, the servers on core 1 (bench.py).
    if len(os.sched_getaffinity(0)) >= 2:
        os.sched_setaffinity(0, {0})

    parts = args.part or list(PARTS)
    work = args.work or tempfile.mkdtemp(prefix="azdns-transfer.")
    os.makedirs(work, exist_ok=True)
    status = 0
    try:
        for part in parts:
            if part != "axfr" and not args.azdns:
                print(f"\nNOTE: part {part} needs --azdns; skipped")
                status = 1
                continue
            log(f"== part {part}")
            status |= PARTS[part](args, work)
    finally:
        if args.keep:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
