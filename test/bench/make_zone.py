#!/usr/bin/env python3
"""Writes a generated zone and an azdns config that serves it.

    make_zone.py DIR NAMES

DIR/bench.zone holds NAMES host names under bench.example. (one A record
each, every tenth also an AAAA, every fiftieth a CNAME instead) plus SOA, NS
and glue; DIR/azdns.toml serves it on loopback. Used to measure loading a
large zone (time, memory) and, later, by the answering benchmarks.
"""
import os
import sys


def write_zone(path: str, names: int) -> int:
    records = 0
    with open(path, "w", encoding="ascii") as zone:
        zone.write("$ORIGIN bench.example.\n$TTL 300\n")
        zone.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n")
        zone.write("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\n")
        records += 5
        for i in range(names):
            host = f"host{i}"
            if i % 50 == 49:
                zone.write(f"{host} IN CNAME host{i - 1}\n")
                records += 1
                continue
            zone.write(f"{host} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
            records += 1
            if i % 10 == 0:
                zone.write(f"{host} IN AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
                records += 1
    return records


def write_config(path: str) -> None:
    with open(path, "w", encoding="ascii") as config:
        config.write('[server]\nlisten = ["127.0.0.1:5399"]\nstate_dir = "state"\n\n')
        config.write('[[zone]]\norigin = "bench.example."\nfile = "bench.zone"\n')


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    folder, names = sys.argv[1], int(sys.argv[2])
    os.makedirs(folder, exist_ok=True)
    records = write_zone(os.path.join(folder, "bench.zone"), names)
    write_config(os.path.join(folder, "azdns.toml"))
    print(f"{records} records in {os.path.join(folder, 'bench.zone')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
