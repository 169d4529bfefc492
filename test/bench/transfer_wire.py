"""Transfer benchmark (see transfer.py): an AXFR/IXFR client over one TCP
connection, by hand, fast enough not to be what is measured.

An AXFR is read at the speed of the socket: each message is framed and its
header counted (ANCOUNT); only a message that ends with the bytes that end
the zone's SOA (serial .. minimum) is walked record by record, to see whether
that SOA closes the transfer. An IXFR is walked record by record, since its
deletions and additions are what is reported. The client's own CPU time is
measured (time.thread_time) so a table can show it was not the bottleneck."""
import socket
import struct
import time

from failover_dns import encode_name, skip_name

T_SOA, T_AXFR, T_IXFR = 6, 252, 251
RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 9: "NOTAUTH"}


class TransferError(Exception):
    pass


class Transfer:
    """What one AXFR or IXFR brought: messages, bytes (with the 2-byte TCP
    length prefixes), records (answer RRs), the serial of the first SOA, the
    form ("axfr", "incremental", "axfr-style" for an IXFR answered with the
    whole zone, "up-to-date"), IXFR deletions/additions, wall and client CPU
    time."""

    def __init__(self):
        self.messages = self.bytes = self.records = 0
        self.serial = None
        self.form = None
        self.deleted = self.added = 0
        self.wall = self.client_cpu = 0.0


def query(origin, qtype, ident, serial=None):
    """An AXFR query, or an IXFR query with the client's SOA (serial) in the authority section."""
    ns = 1 if qtype == T_IXFR else 0
    msg = struct.pack(">HHHHHH", ident, 0, 1, 0, ns, 0) + encode_name(origin) + struct.pack(">HH", qtype, 1)
    if ns:
        # Owner: a pointer to the question's name (offset 12); MNAME and RNAME the root.
        rdata = b"\0\0" + struct.pack(">IIIII", serial, 0, 0, 0, 0)
        msg += struct.pack(">HHHIH", 0xC00C, T_SOA, 1, 0, len(rdata)) + rdata
    return struct.pack(">H", len(msg)) + msg


def records_of(body):
    """(type, rdata start, rdata end) of each answer RR of a message."""
    _, _, qd, an = struct.unpack_from(">HHHH", body)
    off = 12
    out = []
    try:
        for _ in range(qd):
            off = skip_name(body, off) + 4
        for _ in range(an):
            off = skip_name(body, off)
            rtype, _cls, _ttl, rdlen = struct.unpack_from(">HHIH", body, off)
            off += 10
            out.append((rtype, off, off + rdlen))
            off += rdlen
    except (IndexError, struct.error):
        off = len(body) + 1
    if off > len(body):
        raise TransferError("a message ends inside a record")
    return out


def soa_serial(body, rdata_end):
    return struct.unpack_from(">I", body, rdata_end - 20)[0]


class _Ixfr:
    """The IXFR state machine (RFC 1995 section 4): after the first SOA (the
    new serial N), a second SOA makes the answer incremental: SOAs then
    alternate between the head of a deletion (an older serial) and the head
    of an addition; a deletion head with serial N closes the transfer. A
    second record that is not a SOA makes it AXFR-style, closed by the next SOA."""

    def __init__(self, result, asked):
        self.result, self.asked = result, asked
        self.seen = 0          # records so far
        self.heads = 0         # SOAs after the first
        self.done = False

    def feed(self, body, records):
        r = self.result
        for rtype, _start, end in records:
            self.seen += 1
            if self.seen == 1:
                if rtype != T_SOA:
                    raise TransferError("the first record is not the SOA")
                r.serial = soa_serial(body, end)
                continue
            if self.seen == 2:
                r.form = "incremental" if rtype == T_SOA else "axfr-style"
            if r.form == "axfr-style":
                if rtype == T_SOA:
                    self.done = True
                continue
            if rtype == T_SOA:
                self.heads += 1
                if self.heads % 2 == 1 and soa_serial(body, end) == r.serial:
                    self.done = True
            elif self.heads % 2 == 1:
                r.deleted += 1
            else:
                r.added += 1
        # Only the SOA, not newer than the client's: nothing to send (RFC 1995 section 2).
        if self.seen == 1 and not _newer(r.serial, self.asked):
            r.form, self.done = "up-to-date", True


def _newer(a, b):
    """RFC 1982: serial a is newer than b."""
    return a != b and ((a - b) & 0xFFFFFFFF) < 0x80000000


def transfer(port, origin, qtype=T_AXFR, serial=None, timeout=30.0, limit=900.0, host="127.0.0.1"):
    """One AXFR (or IXFR from `serial`) of `origin` from host:port; a Transfer, or TransferError saying
    why not (refused, closed early, no end within `limit` s, a read waiting more than `timeout` s)."""
    result = Transfer()
    ident = 0x5A5A
    wall0, cpu0 = time.monotonic(), time.thread_time()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.sendall(query(origin, qtype, ident, serial))
        stream = sock.makefile("rb", buffering=1 << 20)
        ixfr = _Ixfr(result, serial) if qtype == T_IXFR else None
        tail = None            # AXFR: the SOA's last 20 bytes, once the first message is in
        end = wall0 + limit
        while True:
            if time.monotonic() > end:
                raise TransferError(f"no end of the transfer within {limit:.0f} s "
                                    f"({result.messages} messages, {result.records} records so far)")
            try:
                head = stream.read(2)
                body = stream.read(struct.unpack(">H", head)[0]) if len(head) == 2 else b""
            except socket.timeout:
                raise TransferError(f"nothing from the server for {timeout:.0f} s "
                                    f"after {result.messages} messages") from None
            if len(body) < 12:
                raise TransferError(f"the server closed the connection after {result.messages} messages"
                                    + ("" if result.messages else " (no answer at all)"))
            rid, flags, _qd, an = struct.unpack_from(">HHHH", body)
            if rid != ident:
                raise TransferError(f"a message with ID {rid}, not {ident}")
            if flags & 0xF:
                raise TransferError(f"the server answered {RCODES.get(flags & 0xF, flags & 0xF)}"
                                    f" after {result.messages} messages")
            result.messages += 1
            result.bytes += 2 + len(body)
            result.records += an
            if ixfr is not None:
                ixfr.feed(body, records_of(body))
                if ixfr.done:
                    break
                continue
            if tail is None:
                records = records_of(body)
                if not records or records[0][0] != T_SOA:
                    raise TransferError("the first record is not the SOA")
                result.serial = soa_serial(body, records[0][2])
                tail = body[records[0][2] - 20:records[0][2]]
                if len(records) > 1 and records[-1][0] == T_SOA:
                    break
                continue
            if body.endswith(tail):
                last = records_of(body)[-1:]
                if last and last[0][0] == T_SOA:
                    break
        if qtype == T_AXFR:
            result.form = "axfr"
    result.wall = time.monotonic() - wall0
    result.client_cpu = time.thread_time() - cpu0
    return result


def udp_soa_serial(port, origin, timeout=0.2, host="127.0.0.1"):
    """The serial in a UDP SOA answer for `origin`, or None (no answer, not NOERROR, no SOA)."""
    ident = int(time.monotonic_ns() & 0xFFFF)
    msg = struct.pack(">HHHHHH", ident, 0, 1, 0, 0, 0) + encode_name(origin) + struct.pack(">HH", T_SOA, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, (host, port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                body, _ = s.recvfrom(65535)
                if len(body) < 12 or struct.unpack_from(">H", body)[0] != ident:
                    continue
                flags = struct.unpack_from(">H", body, 2)[0]
                if flags & 0xF:
                    return None
                for rtype, _start, end in records_of(body):
                    if rtype == T_SOA:
                        return soa_serial(body, end)
                return None
        except (OSError, struct.error, IndexError):
            return None
    return None
