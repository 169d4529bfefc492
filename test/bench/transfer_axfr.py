"""Transfer benchmark, part "axfr" (see transfer.py): a 1,000,000-name zone
(make_zone.py, the answering benchmark's kind) served by Knot, NSD and azdns,
each allowing AXFR to loopback, each pinned to core 1 (bench.py); the client
and dnsperf run on core 0.

Per server and round (servers interleaved, the order rotated each round):
- one AXFR read to the end (transfer_wire.py): wall time, the server's CPU
  time over the transfer (utime+stime of its process tree), its peak RSS
  during it (VmHWM after a reset through clear_refs) and how much that is
  above its RSS before, messages, bytes, records, and the client's own CPU;
- answering at a fixed rate (dnsperf -Q) for `answer_seconds`, once alone
  and once while AXFRs run back to back for the whole run: queries lost and
  average and worst latency, so that the two can be compared.
One AXFR per server before the rounds warms it up and is not counted."""
import os
import subprocess
import sys
import threading

from bench import cpu_seconds, dnsperf, fmt, med, repin, wait_ready
from failover_common import log
from transfer_report import markdown_table
from transfer_servers import peak_rss_since, reset_peak_rss, transfer_server
from transfer_wire import TransferError, transfer

ORIGIN = "bench.example."
HERE = os.path.dirname(os.path.abspath(__file__))


def one_axfr(server):
    """One timed AXFR: a dict of its figures; TransferError when it fails."""
    pid = server.proc.pid
    repin(pid)
    before = reset_peak_rss(pid)
    cpu0 = cpu_seconds(pid)
    t = transfer(server.port, ORIGIN)
    cpu = cpu_seconds(pid) - cpu0
    peak, growth = peak_rss_since(before)
    return {"wall": t.wall, "server_cpu": cpu, "client_cpu": t.client_cpu, "peak_mib": peak / 1024,
            "growth_mib": growth / 1024, "messages": t.messages, "mib": t.bytes / 2**20, "records": t.records}


def answering(server, queries, args, with_transfers):
    """dnsperf at args.rate for args.answer_seconds; with_transfers: AXFRs back to back meanwhile.
    Returns (dnsperf figures, AXFRs completed, error or None)."""
    repin(server.proc.pid)
    out = {}
    run = threading.Thread(target=lambda: out.update(
        dnsperf(server.port, queries, args.answer_seconds, args.clients, args.outstanding, args.rate)))
    run.start()
    done, error = 0, None
    while with_transfers and run.is_alive() and error is None:
        try:
            transfer(server.port, ORIGIN)
            done += 1
        except (TransferError, OSError) as e:
            error = str(e)
    run.join(args.answer_seconds + 90)
    return out, done, error


def run_axfr(args, work):
    folder = os.path.join(work, "axfr")
    log(f"axfr: writing a {args.names:,}-name zone")
    subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), folder, str(args.names),
                    "--queries", "100000"], check=True, stdout=subprocess.DEVNULL, timeout=900)
    zone, queries = os.path.join(folder, "bench.zone"), os.path.join(folder, "queries.txt")
    names = [n for n in args.servers.split(",") if n and (n != "azdns" or args.azdns)]
    servers, started, notes = {}, [], []
    solo, alone, loaded = {}, {}, {}
    try:
        for i, name in enumerate(names):
            server = transfer_server(name, folder, zone, args.port + i, args.azdns, args.view)
            started.append(server.start())
            ready = wait_ready(server, 600)
            if ready is None:
                notes.append(f"{name}: did not answer the SOA within 600 s:\n{server.tail()}")
                continue
            log(f"axfr: {name} answers after {ready:.1f} s; warm-up AXFR")
            try:
                t = transfer(server.port, ORIGIN)
                log(f"axfr: {name} warm-up: {t.records:,} records in {t.wall:.2f} s")
                servers[name] = server
            except (TransferError, OSError) as e:
                notes.append(f"{name}: the warm-up AXFR failed: {e}" +
                             (" (an azdns built before zone transfers answers REFUSED)" if name == "azdns" else ""))
        order = list(servers)
        for rnd in range(args.rounds):
            for name in order[rnd % len(order):] + order[:rnd % len(order)]:
                server = servers[name]
                try:
                    r = one_axfr(server)
                except (TransferError, OSError) as e:
                    notes.append(f"{name}: round {rnd + 1}: AXFR failed: {e}")
                    continue
                solo.setdefault(name, []).append(r)
                log(f"axfr: round {rnd + 1} {name}: {r['wall']:.2f} s, server CPU {r['server_cpu']:.2f} s, "
                    f"client CPU {r['client_cpu']:.2f} s, peak RSS {r['peak_mib']:.0f} MiB "
                    f"(+{r['growth_mib']:.0f}), {r['messages']} messages, {r['mib']:.1f} MiB")
                base, _, _ = answering(server, queries, args, False)
                during, count, error = answering(server, queries, args, True)
                if error:
                    notes.append(f"{name}: round {rnd + 1}: an AXFR under load failed: {error}")
                alone.setdefault(name, []).append(base)
                loaded.setdefault(name, []).append(dict(during, transfers=count))
                log(f"axfr: round {rnd + 1} {name}: {args.rate}/s alone: lost {base.get('lost')}, "
                    f"{1e6 * base.get('latency', 0):.0f} us; with {count} AXFRs: lost {during.get('lost')}, "
                    f"{1e6 * during.get('latency', 0):.0f} us")
        for name in order:
            if not servers[name].alive():
                notes.append(f"{name}: exited during the runs:\n{servers[name].tail()}")
    finally:
        for server in started:
            server.stop()
    report_axfr(args, names, solo, alone, loaded, notes)
    return 0 if solo and not any(n.startswith("azdns") for n in notes) else 1


def report_axfr(args, names, solo, alone, loaded, notes):
    def m(runs, key, scale=1.0):
        return med([r[key] * scale for r in runs if key in r])

    print(f"\n### AXFR of a {args.names:,}-name zone (medians of {args.rounds} rounds; azdns view "
          f"\"{args.view}\")\n")
    rows = []
    for name in names:
        runs = solo.get(name, [])
        rows.append([name, fmt(m(runs, "wall"), 2), fmt(m(runs, "server_cpu"), 2), fmt(m(runs, "client_cpu"), 2),
                     fmt(m(runs, "peak_mib"), 0), fmt(m(runs, "growth_mib"), 0), fmt(m(runs, "messages"), 0),
                     fmt(m(runs, "mib"), 1), fmt(m(runs, "records"), 0)])
    print(markdown_table(["server", "wall s", "server CPU s", "client CPU s", "peak RSS MiB",
                          "RSS growth MiB", "messages", "MiB", "records"], rows))
    print(f"\n### Answering at {args.rate:,} q/s for {args.answer_seconds} s, alone and during back-to-back "
          f"AXFRs (medians)\n")
    rows = []
    for name in names:
        a, b = alone.get(name, []), loaded.get(name, [])
        rows.append([name, fmt(m(b, "transfers"), 0), fmt(m(a, "lost"), 0), fmt(m(b, "lost"), 0),
                     fmt(m(a, "latency", 1e6), 0), fmt(m(b, "latency", 1e6), 0),
                     fmt(m(a, "latency_max", 1e3), 1), fmt(m(b, "latency_max", 1e3), 1)])
    print(markdown_table(["server", "AXFRs during", "lost alone", "lost during", "avg µs alone",
                          "avg µs during", "max ms alone", "max ms during"], rows))
    for note in notes:
        print("\nNOTE:", note)
