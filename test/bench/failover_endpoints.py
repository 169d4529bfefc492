"""Failover benchmark (see failover.py): the health endpoints, "AZ a" and
"AZ b", that the nameservers check, served here over HTTP or bare TCP. The
fleet benchmark (fleet.py) uses them too, and cuts sources off."""
import socket
import struct
import threading

from failover_common import ADDR_A, ADDR_B


def free_endpoint_port(addresses=(ADDR_A, ADDR_B)):
    """A TCP port free on every one of `addresses`."""
    for _ in range(100):
        s = socket.socket()
        s.bind((addresses[0], 0))
        port = s.getsockname()[1]
        others = []
        try:
            for addr in addresses[1:]:
                o = socket.socket()
                others.append(o)
                o.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            for o in others:
                o.close()
            s.close()
    raise RuntimeError("no free endpoint port")


def close_with_reset(c):
    """Closes `c` with an RST: the client's connect or read fails at once."""
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


# --- health endpoints ---------------------------------------------------------

class Endpoint:
    """HTTP 200 "ok" on /healthz (404 elsewhere), or a bare TCP accept.

    stop() closes the listening socket and every open connection: from then
    on connects are refused. start() listens again on the same address.
    Connections from a source address in `cut_off` are reset as soon as they
    are accepted (a broken path from that vantage point only)."""

    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.lock = threading.Lock()
        self.lsock = None
        self.conns = set()
        self.thread = None
        self.hits = 0
        self.cut_off = frozenset()  # replaced whole, so the accept thread reads it without the lock

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.addr, self.port))
        s.listen(128)
        with self.lock:
            self.lsock = s
        self.thread = threading.Thread(target=self._accept, args=(s,), daemon=True)
        self.thread.start()

    def stop(self):
        with self.lock:
            s, self.lsock = self.lsock, None
            conns = list(self.conns)
            self.conns.clear()
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes accept(); the socket stops listening
            except OSError:
                pass
            s.close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        if self.thread is not None:
            self.thread.join(2)
            self.thread = None

    @property
    def running(self):
        return self.lsock is not None

    def _accept(self, s):
        while True:
            try:
                c, peer = s.accept()
            except OSError:
                return
            if peer[0] in self.cut_off:
                close_with_reset(c)
                continue
            with self.lock:
                if self.lsock is not s:
                    c.close()
                    return
                self.conns.add(c)
                self.hits += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            c.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 16384:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            if b"\r\n\r\n" in data:
                parts = data.split(b" ", 2)
                path = parts[1] if len(parts) > 1 else b""
                if path.split(b"?")[0] == b"/healthz":
                    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                            b"Connection: close\r\n\r\nok")
                else:
                    resp = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                c.sendall(resp)
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(c)
            try:
                c.close()
            except OSError:
                pass
