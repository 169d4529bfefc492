"""Transfer benchmark (see transfer.py): azdns as a primary whose zone's
addresses belong to three AZs, with health endpoints served here.

The zone is make_zone.py's with --azs 3: every host has one A in each of
az-a, az-b, az-c (10.0.0.0/12, 10.16.0.0/12, 10.32.0.0/12). Four services,
svc0..svc3, have one probed address per AZ, 127.0.3.(16k + j + 1), answered
by an HTTP endpoint (failover_endpoints.py): one endpoint down leaves its AZ
3/4 up, above fence_below, so it removes one address, not the AZ. The zone
goes out to 127.0.0.0/8 in the "filtered" view, optionally under TSIG
(key "xfr", hmac-sha256), with NOTIFY to the given targets."""
import base64
import os
import subprocess
import sys
import time

from failover_common import free_port
from failover_dns import Resolver
from failover_endpoints import Endpoint, free_endpoint_port
from failover_servers import Server, write
from fleet_control import control_request
from transfer_wire import udp_soa_serial

ORIGIN = "bench.example."
AZS = ("az-a", "az-b", "az-c")
SERVICES = 4
TOKEN = "transfer-bench-token"
HERE = os.path.dirname(os.path.abspath(__file__))


def service_address(k, j):
    return f"127.0.3.{16 * k + j + 1}"


def host_addresses(i):
    """{AZ: address} of host i (make_zone.py with --azs)."""
    return {az: f"10.{16 * k + ((i >> 16) & 255)}.{(i >> 8) & 255}.{i & 255}" for k, az in enumerate(AZS)}


def new_tsig_secret():
    return base64.b64encode(os.urandom(32)).decode()


class AzPrimary:
    """azdns serving the AZ zone; start() then stop() (always, in a finally)."""

    def __init__(self, binary, folder, names, notify=(), tsig_secret=None):
        self.binary, self.folder, self.names = binary, folder, names
        self.notify, self.tsig_secret = list(notify), tsig_secret
        self.port, self.control_port = free_port(), free_port()
        addresses = [service_address(k, j) for k in range(len(AZS)) for j in range(SERVICES)]
        self.ep_port = free_endpoint_port(addresses)
        self.endpoints = {a: Endpoint(a, self.ep_port) for a in addresses}
        self.server = None
        self.resolver = None

    def config(self):
        key = ""
        rule_key = ""
        if self.tsig_secret:
            write(os.path.join(self.folder, "xfr.key"), self.tsig_secret + "\n")
            key = '[[key]]\nname = "xfr"\nalgorithm = "hmac-sha256"\nsecret_file = "xfr.key"\n\n'
            rule_key = 'key = "xfr"\n'
        notify = ", ".join(f'"{n}"' for n in self.notify)
        azs = "".join(f'[[az]]\nname = "{az}"\nprefixes = ["10.{16 * k}.0.0/12", "127.0.3.{16 * k}/28"]\n\n'
                      for k, az in enumerate(AZS))
        services = "".join(f'[[service]]\nname = "svc{j}.{ORIGIN}"\ncheck = "web"\n\n' for j in range(SERVICES))
        return f"""[server]
listen = ["127.0.0.1:{self.port}"]
workers = 1
state_dir = "state"

[control]
listen = "127.0.0.1:{self.control_port}"
token_file = "token"

{key}{azs}[[check]]
name = "web"
type = "http"
port = {self.ep_port}
path = "/healthz"
interval = "500ms"
timeout = "250ms"
rise = 1
fall = 1

{services}[[zone]]
origin = "{ORIGIN}"
file = "bench.zone"
notify = [{notify}]

[[zone.allow_transfer]]
prefixes = ["127.0.0.0/8"]
{rule_key}view = "filtered"
"""

    def write_files(self):
        os.makedirs(os.path.join(self.folder, "state"), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "make_zone.py"), self.folder, str(self.names),
                        "--azs", str(len(AZS))], check=True, stdout=subprocess.DEVNULL, timeout=900)
        with open(os.path.join(self.folder, "bench.zone"), "a") as zone:
            for j in range(SERVICES):
                for k in range(len(AZS)):
                    zone.write(f"svc{j} IN A {service_address(k, j)}\n")
        write(os.path.join(self.folder, "token"), TOKEN + "\n")
        write(os.path.join(self.folder, "azdns.toml"), self.config())

    def start(self, deadline):
        """Starts the endpoints and azdns; None, or why azdns is not serving every address."""
        self.write_files()
        for ep in self.endpoints.values():
            ep.start()
        self.server = Server("azdns", [self.binary, "serve", "-c", os.path.join(self.folder, "azdns.toml")],
                             self.folder, self.port, "", 0)
        self.server.start()
        self.resolver = Resolver(self.port, timeout=0.2)
        end = time.monotonic() + deadline
        while time.monotonic() < end and self.server.alive():
            if all(self.serves_all(j) for j in range(SERVICES)):
                return None
            time.sleep(0.05)
        why = "exited" if not self.server.alive() else f"did not answer every service address within {deadline:.0f} s"
        return f"azdns {why}: " + self.server.tail(8).strip().replace("\n", " | ")

    def serves_all(self, j):
        answer = self.resolver.query(f"svc{j}.{ORIGIN}")
        return answer is not None and len(answer.addrs) == len(AZS)

    def stop(self):
        if self.resolver is not None:
            self.resolver.close()
        if self.server is not None:
            self.server.stop()
        for ep in self.endpoints.values():
            ep.stop()

    def serial(self, deadline=5.0):
        """The SOA serial, asked until answered; None if it is not within `deadline` s."""
        return self.wait_serial_after(None, deadline)

    def wait_serial_after(self, old, deadline):
        """The SOA serial once it is no longer `old`, or None after `deadline` s."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            serial = udp_soa_serial(self.port, ORIGIN)
            if serial is not None and serial != old:
                return serial
            time.sleep(0.01)
        return None

    def fence(self, az, on=True):
        """POST (or DELETE) /v1/azs/AZ/fence; None, or why it failed."""
        code, text = control_request(self.control_port, TOKEN, "POST" if on else "DELETE", f"/v1/azs/{az}/fence",
                                     '{"reason": "transfer benchmark"}' if on else None)
        return None if code == 200 else f"{'fence' if on else 'unfence'} {az}: {code} {text.strip()[:200]}"
