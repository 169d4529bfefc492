"""Failover benchmark (see failover.py): DNS over UDP, by hand: an A query
for the test name and the addresses and TTL of its answer."""
import random
import socket
import struct
import time

from failover_common import NAME


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def skip_name(buf, off):
    while True:
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


class Answer:
    __slots__ = ("rcode", "addrs", "ttl")

    def __init__(self, rcode, addrs, ttl):
        self.rcode, self.addrs, self.ttl = rcode, addrs, ttl


class Resolver:
    def __init__(self, port, timeout=0.2, recursion_desired=False):
        # RD set for a caching resolver: without it, unbound answers from its cache only.
        self.flags = 0x0100 if recursion_desired else 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout
        self.qid = random.randrange(65536)

    def close(self):
        self.sock.close()

    def query(self, name=NAME, qtype=1):
        """Answer (rcode, A addresses, smallest A TTL) or None on timeout."""
        self.qid = (self.qid + 1) & 0xFFFF
        qid = self.qid
        msg = struct.pack(">HHHHHH", qid, self.flags, 1, 0, 0, 0) + encode_name(name) + struct.pack(">HH", qtype, 1)
        try:
            self.sock.send(msg)
        except OSError:
            time.sleep(self.timeout)
            return None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                buf = self.sock.recv(4096)
            except (socket.timeout, ConnectionRefusedError):
                if time.monotonic() >= deadline:
                    return None
                continue
            except OSError:
                return None
            if len(buf) < 12:
                continue
            rid, flags, qd, an, _ns, _ar = struct.unpack_from(">HHHHHH", buf)
            if rid != qid or not flags & 0x8000:
                continue  # a late answer to an earlier query
            try:
                off = 12
                for _ in range(qd):
                    off = skip_name(buf, off) + 4
                addrs, ttls = [], []
                for _ in range(an):
                    off = skip_name(buf, off)
                    rtype, _cls, ttl, rdlen = struct.unpack_from(">HHIH", buf, off)
                    off += 10
                    if rtype == 1 and rdlen == 4:
                        addrs.append(socket.inet_ntoa(buf[off:off + 4]))
                        ttls.append(ttl)
                    off += rdlen
            except (IndexError, struct.error):
                continue
            return Answer(flags & 0xF, sorted(addrs), min(ttls) if ttls else None)
