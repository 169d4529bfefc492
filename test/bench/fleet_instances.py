"""Fleet benchmark (see fleet.py): three azdns instances on this machine, a
fleet as docs/fleet.md deploys one. Each probes from its own source address
(127.0.2.N, `[probes] source`), lists the other two as peers by their
control URLs and shares one token file; the script serves AZ a's and AZ b's
health endpoints and can cut one instance's path to AZ a."""
import os
import time

from failover import wait_ready
from failover_common import NAME, ORIGIN, free_port
from failover_dns import Resolver
from failover_endpoints import Endpoint, free_endpoint_port
from failover_servers import Server, parse_ms, write, zone_soa_ns

AZ_A = ("127.0.0.51", "127.0.0.52")
AZ_B = ("127.0.0.53", "127.0.0.54")
TOKEN = "fleet-bench-token"
COUNT = 3


def name_of(i):
    return f"ns{i + 1}"


def source_of(i):
    return f"127.0.2.{i + 1}"


def lacks_az_a(answer):
    return answer is not None and not any(a in answer.addrs for a in AZ_A)


def has_all(answer):
    return answer is not None and answer.rcode == 0 and set(answer.addrs) == set(AZ_A + AZ_B)


def az_table(name, addresses, restore_after):
    prefixes = ", ".join(f'"{a}/32"' for a in addresses)
    return f'[[az]]\nname = "{name}"\nprefixes = [{prefixes}]\nrestore_after = "{restore_after}"\n\n'


class Fleet:
    """Three instances and four endpoints; start() then stop() (always, in a finally)."""

    def __init__(self, binary, work, args):
        self.binary, self.work, self.args = binary, work, args
        self.interval = parse_ms(args.interval) / 1000
        self.ep_port = free_endpoint_port(AZ_A + AZ_B)
        self.endpoints = {a: Endpoint(a, self.ep_port) for a in AZ_A + AZ_B}
        self.dns_ports = [free_port() for _ in range(COUNT)]
        self.control_ports = [free_port() for _ in range(COUNT)]
        self.servers = []
        self.resolvers = []
        self.token_file = os.path.join(work, "token")

    def settings(self):
        a = self.args
        return (f"http check interval={a.interval} timeout={a.timeout} rise={a.rise} fall={a.fall}, "
                f"restore_after={a.restore_after}, stale_after={a.stale_after}, 3 instances, quorum 2")

    def config(self, i):
        a = self.args
        azs = az_table("az-a", AZ_A, a.restore_after) + az_table("az-b", AZ_B, a.restore_after)
        peers = "".join(f'[[fleet.peer]]\nname = "{name_of(j)}"\nurl = "http://127.0.0.1:{self.control_ports[j]}"\n\n'
                        for j in range(COUNT) if j != i)
        return f"""[server]
listen = ["127.0.0.1:{self.dns_ports[i]}"]
workers = 1
state_dir = "state"

[control]
listen = "127.0.0.1:{self.control_ports[i]}"
token_file = "{self.token_file}"

[[zone]]
origin = "{ORIGIN}"
file = "zone"

[ttl]
max = 60
degraded = 20
all_down = 10

{azs}[[check]]
name = "web"
type = "http"
port = {self.ep_port}
path = "/healthz"
interval = "{a.interval}"
timeout = "{a.timeout}"
rise = {a.rise}
fall = {a.fall}

[[service]]
name = "{NAME}"
check = "web"

[probes]
source = ["{source_of(i)}"]

[fleet]
name = "{name_of(i)}"
stale_after = "{a.stale_after}"

{peers}"""

    def start(self):
        """Starts everything; None, or why the fleet is not ready."""
        for ep in self.endpoints.values():
            ep.start()
        write(self.token_file, TOKEN + "\n")
        zone = zone_soa_ns() + "".join(f"www 300 IN A {a}\n" for a in AZ_A + AZ_B)
        for i in range(COUNT):
            folder = os.path.join(self.work, name_of(i))
            os.makedirs(os.path.join(folder, "state"), exist_ok=True)
            write(os.path.join(folder, "zone"), zone)
            write(os.path.join(folder, "azdns.toml"), self.config(i))
            server = Server(name_of(i), [self.binary, "serve", "-c", os.path.join(folder, "azdns.toml")], folder,
                            self.dns_ports[i], self.settings(), self.interval)
            server.start()
            self.servers.append(server)
            self.resolvers.append(Resolver(self.dns_ports[i], timeout=0.2))
        for i, server in enumerate(self.servers):
            if not wait_ready(server, self.resolvers[i], 20):
                return f"{name_of(i)} did not start: " + server.tail(8).strip().replace("\n", " | ")
        if not self.wait_all(has_all, 10):
            return "the three never all answered with all four addresses"
        return None

    def stop(self):
        for r in self.resolvers:
            r.close()
        for s in self.servers:
            s.stop()
        for ep in self.endpoints.values():
            ep.stop()

    def query(self, i):
        return self.resolvers[i].query()

    def wait_all(self, pred, deadline, step=0.01):
        """True once every instance's answer satisfies pred (each checked until it does), within deadline s."""
        end = time.monotonic() + deadline
        pending = set(range(COUNT))
        while pending and time.monotonic() < end:
            for i in list(pending):
                if pred(self.query(i)):
                    pending.discard(i)
            if pending:
                time.sleep(step)
        return not pending

    def dead(self):
        """The names of instances that exited."""
        return [name_of(i) for i, s in enumerate(self.servers) if not s.alive()]

    def cut_off(self, i):
        """Instance i's path to AZ a breaks: its connections are reset; the others still reach AZ a."""
        for a in AZ_A:
            self.endpoints[a].cut_off = frozenset({source_of(i)})

    def mend(self):
        for a in AZ_A:
            self.endpoints[a].cut_off = frozenset()

    def stop_az_a(self):
        for a in AZ_A:
            self.endpoints[a].stop()

    def start_az_a(self):
        for a in AZ_A:
            self.endpoints[a].start()
