#!/usr/bin/env python3
"""Writes a generated zone and an azdns config that serves it.

    make_zone.py DIR NAMES [--port P] [--workers W] [--control-port C]
                           [--queries N] [--seed S] [--azs K] [--loopback-azs]

DIR/bench.zone holds NAMES host names under bench.example. (one A record
each, every tenth also an AAAA, every twenty-fifth also an MX, every
fiftieth a CNAME instead) plus SOA, NS, glue and an apex MX/TXT; it is
plain RFC 1035, so NSD, Knot and gdnsd load the same file. With --azs K
each host has K A records instead of one, one in each AZ's 10.(16k).0.0/12
(the transfer benchmark fences AZs with them), or with --loopback-azs in
127.(64+16k).0.0/12 and no AAAA, so that probes of them stay on loopback
(the locality benchmark, locality.py). DIR/azdns.toml
serves it on loopback (port 5399 and the default workers unless given).
With --queries, DIR/queries.txt gets N dnsperf query lines ("NAME TYPE") in
a fixed, seeded mix (see QUERY_MIX). Used to measure loading a large zone
(time, memory) and by the answering benchmarks (run.sh).
"""
import argparse
import os
import random
import sys

# The answering benchmark's query mix: share, then what is asked. About 20 %
# NXDOMAIN, 10 % NODATA, the rest positive answers of several kinds.
QUERY_MIX = [
    (0.49, "A of a host"),
    (0.06, "A of a CNAME host (chased in zone)"),
    (0.08, "AAAA of a host that has one"),
    (0.06, "AAAA of a host without one (NODATA)"),
    (0.04, "MX of a host that has one (additional A)"),
    (0.04, "TXT of a host (NODATA)"),
    (0.02, "SOA/NS/MX of the apex"),
    (0.17, "A/AAAA of a name that does not exist (NXDOMAIN)"),
    (0.03, "A of a non-existent name under a host (NXDOMAIN)"),
]


def write_zone(path: str, names: int, azs: int = 1, first_octets: str = "10", base: int = 0) -> int:
    """With azs > 1 each host has one A per AZ: AZ k's are in
    FIRST_OCTETS.(base + 16k).0.0/12 (so at most 2**20 names), and AAAA
    records only in 10/8's form; with azs == 1 the zone is the answering one."""
    if azs > 1 and names > 1 << 20:
        raise ValueError(f"at most {1 << 20} names with several AZs")
    records = 0
    with open(path, "w", encoding="ascii") as zone:
        zone.write("$ORIGIN bench.example.\n$TTL 300\n")
        zone.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n")
        zone.write("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\n")
        zone.write("@ IN MX 10 ns1\n@ IN TXT \"v=spf1 -all\"\n")
        records += 7
        for i in range(names):
            host = f"host{i}"
            if i % 50 == 49:
                zone.write(f"{host} IN CNAME host{i - 1}\n")
                records += 1
                continue
            for k in range(azs):
                zone.write(f"{host} IN A {first_octets}.{base + 16 * k + ((i >> 16) & 15)}.{(i >> 8) & 255}.{i & 255}\n")
            records += azs
            if i % 10 == 0 and first_octets == "10":
                zone.write(f"{host} IN AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
                records += 1
            if i % 25 == 5:
                zone.write(f"{host} IN MX 10 host{i - 5}\n")
                records += 1
    return records


def _plain_host(rng: random.Random, names: int) -> int:
    while True:
        i = rng.randrange(names)
        if i % 50 != 49:
            return i


def _pick(rng: random.Random, names: int, ok) -> int:
    """A host index (not a CNAME) for which ok(i) holds, tried at random."""
    for _ in range(1000):
        i = _plain_host(rng, names)
        if ok(i):
            return i
    return _plain_host(rng, names)


def write_queries(path: str, names: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    cuts = []
    total = 0.0
    for share, _ in QUERY_MIX:
        total += share
        cuts.append(total)
    origin = "bench.example."
    with open(path, "w", encoding="ascii") as out:
        for _ in range(count):
            r = rng.random() * total
            kind = next(k for k, cut in enumerate(cuts) if r < cut)
            if kind == 0:
                line = f"host{_plain_host(rng, names)}.{origin} A"
            elif kind == 1:
                cnames = max(1, names // 50)
                line = f"host{50 * rng.randrange(cnames) + 49}.{origin} A" if names >= 50 else f"host0.{origin} A"
            elif kind == 2:
                line = f"host{_pick(rng, names, lambda i: i % 10 == 0)}.{origin} AAAA"
            elif kind == 3:
                line = f"host{_pick(rng, names, lambda i: i % 10 != 0)}.{origin} AAAA"
            elif kind == 4:
                line = f"host{_pick(rng, names, lambda i: i % 25 == 5)}.{origin} MX"
            elif kind == 5:
                line = f"host{_plain_host(rng, names)}.{origin} TXT"
            elif kind == 6:
                line = f"{origin} {rng.choice(['SOA', 'NS', 'MX'])}"
            elif kind == 7:
                line = f"nohost{rng.randrange(10 * names)}.{origin} {rng.choice(['A', 'A', 'AAAA'])}"
            else:
                line = f"www.host{_plain_host(rng, names)}.{origin} A"
            out.write(line + "\n")


def write_config(path: str, port: int = 5399, workers=None, control_port=None) -> None:
    with open(path, "w", encoding="ascii") as config:
        config.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\nstate_dir = "state"\n')
        if workers is not None:
            config.write(f"workers = {workers}\n")
        if control_port is not None:
            config.write(f'\n[control]\nlisten = "127.0.0.1:{control_port}"\n')
        config.write('\n[[zone]]\norigin = "bench.example."\nfile = "bench.zone"\n')


def main() -> int:
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("dir")
    parser.add_argument("names", type=int)
    parser.add_argument("--port", type=int, default=5399)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--control-port", type=int)
    parser.add_argument("--queries", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--azs", type=int, default=1)
    parser.add_argument("--loopback-azs", action="store_true")
    args = parser.parse_args()
    folder, names = args.dir, args.names
    os.makedirs(folder, exist_ok=True)
    where = ("127", 64) if args.loopback_azs else ("10", 0)
    records = write_zone(os.path.join(folder, "bench.zone"), names, args.azs, *where)
    write_config(os.path.join(folder, "azdns.toml"), args.port, args.workers, args.control_port)
    print(f"{records} records in {os.path.join(folder, 'bench.zone')}")
    if args.queries:
        write_queries(os.path.join(folder, "queries.txt"), names, args.queries, args.seed)
        print(f"{args.queries} queries in {os.path.join(folder, 'queries.txt')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
