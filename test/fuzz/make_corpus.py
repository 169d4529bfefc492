#!/usr/bin/env python3
"""Writes the seed corpus of answer_fuzz (corpus/answer): small real queries
against fuzz.zone.

    make_corpus.py DIR

One binary DNS message per file (no TCP length prefix): every record type in
the zone, NXDOMAIN, NODATA, wildcard, CNAME chains, DNAMEs, the delegation, the big
RRset, EDNS with several payload sizes, DO, NSID, an unknown EDNS version,
CHAOS id.server/version.bind, ANY, and a few malformed messages.
"""
import os
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "DNAME": 39, "DS": 43, "DNSKEY": 48, "ANY": 255, "AXFR": 252, "TYPE65280": 65280}


def name(text: str) -> bytes:
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(size=1232, do=False, version=0, options=b"") -> bytes:
    flags = 0x8000 if do else 0
    return b"\0" + struct.pack(">HHBBHH", 41, size, 0, version, flags, len(options)) + options


def query(qname, qtype="A", qclass=1, rd=True, ident=0x1234, edns=None, opcode=0,
          counts=None) -> bytes:
    flags = (opcode << 11) | (0x0100 if rd else 0)
    ar = 1 if edns is not None else 0
    qd, an, ns = 1, 0, 0
    if counts:
        qd, an, ns, ar = counts
    header = struct.pack(">HHHHHH", ident, flags, qd, an, ns, ar)
    body = name(qname) + struct.pack(">HH", TYPES.get(qtype, qtype) if isinstance(qtype, str) else qtype, qclass)
    return header + body + (edns or b"")


def main() -> int:
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "answer")
    os.makedirs(folder, exist_ok=True)
    z = "fuzz.example."
    seeds = {
        "apex-soa": query(z, "SOA"),
        "apex-ns": query(z, "NS", edns=opt()),
        "apex-mx": query(z, "MX", edns=opt()),
        "apex-txt": query(z, "TXT"),
        "apex-any": query(z, "ANY", edns=opt()),
        "apex-dnskey-nodata": query(z, "DNSKEY", edns=opt(do=True)),
        "www-a": query("www." + z, "A"),
        "www-aaaa-edns": query("www." + z, "AAAA", edns=opt(4096)),
        "www-mx-nodata": query("www." + z, "MX"),
        "WwW-case": query("WwW.FuZz.ExAmPlE.", "A"),
        "nxdomain": query("nope." + z, "A", edns=opt()),
        "nxdomain-deep": query("x.y.nope." + z, "AAAA"),
        "ent-nodata": query("a.b.c." + z, "A"),
        "deep-a": query("deep.a.b.c." + z, "A"),
        "cname": query("shop." + z, "A"),
        "cname-qtype": query("shop." + z, "CNAME"),
        "cname-chain": query("chain1." + z, "AAAA", edns=opt()),
        "cname-out": query("away." + z, "A"),
        "cname-loop": query("loop1." + z, "A"),
        "cname-to-wild": query("towild." + z, "A"),
        "dname-out": query("x.dn." + z, "A"),
        "dname-in": query("X.y.din." + z, "AAAA", edns=opt()),
        "dname-owner": query("din." + z, "DNAME"),
        "dname-loop": query("x.dloop." + z, "A"),
        "dname-yxdomain": query("a" * 63 + ".dlong." + z, "A"),
        "wild-a": query("foo.apps." + z, "A"),
        "wild-mx": query("bar.apps." + z, "MX", edns=opt()),
        "wild-nodata": query("foo.apps." + z, "AAAA"),
        "wild-owner": query("*.apps." + z, "A"),
        "wild-cname": query("q.cn." + z, "A"),
        "wild-apex-txt": query("anything." + z, "TXT"),
        "srv": query("_sip._udp." + z, "SRV"),
        "txt-strings": query("txt." + z, "TXT"),
        "unknown-type": query("unknown." + z, "TYPE65280"),
        "referral": query("legacy." + z, "A"),
        "referral-below": query("host.sub.legacy." + z, "A", edns=opt()),
        "referral-ds": query("legacy." + z, "DS"),
        "glue": query("ns.legacy." + z, "A"),
        "big-udp-512": query("big." + z, "A"),
        "big-udp-1232": query("big." + z, "A", edns=opt(1232)),
        "big-udp-4096": query("big." + z, "AAAA", edns=opt(4096)),
        "big-any": query("big." + z, "ANY", edns=opt(65535)),
        "longtxt": query("longtxt." + z, "TXT", edns=opt(600)),
        "refused": query("example.org.", "A"),
        "root": query(".", "NS"),
        "axfr": query(z, "AXFR"),
        "edns-small": query("www." + z, "A", edns=opt(100)),
        "edns-badvers": query("www." + z, "A", edns=opt(version=1)),
        "edns-nsid": query("www." + z, "A", edns=opt(options=struct.pack(">HH", 3, 0))),
        "edns-cookie": query("www." + z, "A", edns=opt(options=struct.pack(">HH", 10, 8) + b"\x01" * 8)),
        "edns-nonroot-owner": query("www." + z, "A", edns=b"\x03abc\0" + opt()[1:]),
        "chaos-id": query("id.server.", "TXT", qclass=3),
        "chaos-version": query("version.bind.", "TXT", qclass=3),
        "class-any": query("www." + z, "A", qclass=255),
        "class-hs": query("www." + z, "A", qclass=4),
        "opcode-notify": query(z, "SOA", opcode=4),
        "opcode-update": query(z, "SOA", opcode=5),
        "opcode-status": query(z, "SOA", opcode=2),
        "qdcount-0": query(z, "SOA", counts=(0, 0, 0, 0))[:12],
        "qdcount-2": query(z, "SOA", counts=(2, 0, 0, 0)) + name("www." + z) + b"\0\1\0\1",
        "ancount-1": query(z, "SOA", counts=(1, 1, 0, 0)),
        "two-opt": query(z, "SOA", counts=(1, 0, 0, 2)) + opt() + opt(),
        "response-qr": struct.pack(">HHHHHH", 7, 0x8000, 1, 0, 0, 0) + name(z) + b"\0\6\0\1",
        "short-header": b"\x12\x34\x01\x00\x00",
        "truncated-question": query("www." + z, "A")[:20],
        "compressed-qname": struct.pack(">HHHHHH", 9, 0x100, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1",
        "label-64": query("www." + z, "A")[:12] + b"\x40" + b"a" * 64 + b"\0\0\1\0\1",
        "long-name": query(".".join(["abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"] * 4) + ".", "A"),
    }
    for label, wire in seeds.items():
        with open(os.path.join(folder, label), "wb") as out:
            out.write(wire)
    print(f"{len(seeds)} seeds in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
