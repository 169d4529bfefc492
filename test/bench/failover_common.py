"""Shared by the failover benchmark's modules (see failover.py): the addresses
and zone it uses, logging, and picking free ports."""
import socket
import sys

ADDR_A = "127.0.0.21"
ADDR_B = "127.0.0.22"
ORIGIN = "failover.test."
NAME = "www." + ORIGIN
ZONE_TTL = 300


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port(addr="127.0.0.1"):
    """A port free for both UDP and TCP on addr."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((addr, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")
