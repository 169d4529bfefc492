"""Transfer benchmark, part "ixfr-size" (see transfer.py): how big an IXFR
of azdns's filtered view is after a health change, against the AXFR of the
same view.

azdns serves the AZ zone (transfer_azdns.py: `--names` hosts, each with
an address in az-a, az-b and az-c). With serial S taken from the SOA:
1. AXFR of the view (the reference size);
2. fence az-c; wait until the SOA serial moves to S1; IXFR from S;
3. unfence az-c; wait for S2; IXFR from S1;
4. stop svc0's endpoint in az-b (one address goes); wait for S3; IXFR from S2;
5. start it again; wait for S4; IXFR from S3.
Per step: the serials, the form of the answer (incremental, or the whole
zone "axfr-style"), messages, bytes, records deleted and added, and the
bytes as a share of the AXFR's."""
import os

from bench import fmt
from failover_common import log
from transfer_azdns import AzPrimary, ORIGIN, service_address
from transfer_report import markdown_table
from transfer_wire import T_IXFR, TransferError, transfer

NOT_YET = " (an azdns built before zone transfers answers every AXFR and IXFR with REFUSED)"


def run_ixfr_size(args, work):
    primary = AzPrimary(args.azdns, os.path.join(work, "ixfr-size"), args.names)
    rows, notes = [], []
    try:
        log(f"ixfr-size: azdns with {args.names:,} names in 3 AZs")
        why = primary.start(max(600.0, args.deadline))
        if why:
            notes.append(why)
            return report(args, rows, notes)
        serial = primary.serial()
        if serial is None:
            notes.append("azdns did not answer the zone's SOA")
            return report(args, rows, notes)
        try:
            full = transfer(primary.port, ORIGIN)
        except (TransferError, OSError) as e:
            notes.append(f"the AXFR of azdns's filtered view failed: {e}{NOT_YET}")
            return report(args, rows, notes)
        rows.append(row("AXFR", None, full.serial, full, full.bytes))
        endpoint = primary.endpoints[service_address(1, 0)]
        steps = [("fence az-c", lambda: primary.fence("az-c")),
                 ("unfence az-c", lambda: primary.fence("az-c", on=False)),
                 ("svc0's az-b endpoint down", endpoint.stop),
                 ("svc0's az-b endpoint up", endpoint.start)]
        for what, act in steps:
            why = act()
            if why:
                notes.append(why)
                break
            new = primary.wait_serial_after(serial, args.deadline)
            if new is None:
                notes.append(f"{what}: the SOA serial stayed {serial} for {args.deadline:.0f} s")
                break
            try:
                t = transfer(primary.port, ORIGIN, T_IXFR, serial)
            except (TransferError, OSError) as e:
                notes.append(f"{what}: IXFR from {serial} failed: {e}{NOT_YET}")
                break
            rows.append(row(what, serial, new, t, full.bytes))
            log(f"ixfr-size: {what}: {t.form}, {t.messages} messages, {t.bytes:,} bytes")
            serial = new
    finally:
        primary.stop()
    return report(args, rows, notes)


def row(what, old, new, t, axfr_bytes):
    serials = f"{old} → {new}" if old is not None else str(new)
    return [what, serials, t.form, fmt(t.messages, 0), fmt(t.bytes, 0), fmt(t.records, 0),
            fmt(t.deleted, 0) if t.form == "incremental" else "-", fmt(t.added, 0) if t.form == "incremental" else "-",
            f"{100 * t.bytes / axfr_bytes:.2f} %"]


def report(args, rows, notes):
    print(f"\n### IXFR of azdns's filtered view, {args.names:,} names in 3 AZs\n")
    print(markdown_table(["change", "serial", "form", "messages", "bytes", "records", "deleted", "added",
                          "of AXFR bytes"], rows))
    for note in notes:
        print("\nNOTE:", note)
    return 1 if notes else 0
