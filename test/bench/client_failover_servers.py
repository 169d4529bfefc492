"""Client-side failover benchmark (see client_failover.py): azdns at a
ttl setting and unbound, a plain caching resolver in front of it, each
configured in a folder of its own and run as a failover_servers.Server."""
import os

from failover_common import ADDR_A, ADDR_B, NAME, ORIGIN, ZONE_TTL, free_port
from failover_servers import Server, write, zone_soa_ns

UNBOUND = "/usr/sbin/unbound"

# The two settings compared; "auto" is the default plus ttl.healthy = "auto".
TTL_MAX = 10
TTL_DEGRADED = 5
SETTINGS = ("default", "auto")


def config_azdns(folder, port, ep_port, setting, args):
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    write(os.path.join(folder, "failover.test.zone"),
          zone_soa_ns() + f"www {ZONE_TTL} IN A {ADDR_A}\nwww {ZONE_TTL} IN A {ADDR_B}\n")
    healthy = 'healthy = "auto"\n' if setting == "auto" else ""
    write(os.path.join(folder, "azdns.toml"), f"""[server]
listen = ["127.0.0.1:{port}"]
workers = 1
state_dir = "state"

[control]
listen = "127.0.0.1:{free_port()}"

[[zone]]
origin = "{ORIGIN}"
file = "failover.test.zone"

[ttl]
max = {TTL_MAX}
degraded = {TTL_DEGRADED}
{healthy}
[[az]]
name = "az-a"
prefixes = ["{ADDR_A}/32"]
restore_after = "{args.restore_after}"

[[az]]
name = "az-b"
prefixes = ["{ADDR_B}/32"]
restore_after = "{args.restore_after}"

[[check]]
name = "hc"
type = "http"
port = {ep_port}
path = "/healthz"
expect_status = [200]
interval = "{args.interval}"
timeout = "{args.timeout}"
rise = {args.rise}
fall = {args.fall}

[[service]]
name = "{NAME}"
check = "hc"
policy = "all"
""")
    settings = (f"ttl.max={TTL_MAX} degraded={TTL_DEGRADED}{' healthy=auto' if setting == 'auto' else ''}; "
                f"http interval={args.interval} timeout={args.timeout} rise={args.rise} fall={args.fall} "
                f"restore_after={args.restore_after}")
    return Server(f"azdns-{setting}", [args.azdns, "serve", "-c", os.path.join(folder, "azdns.toml")], folder,
                  port, settings, None)


def config_unbound(folder, port, azdns_port):
    """unbound in the foreground resolving failover.test. from azdns only, as a plain cache: no
    validation, prefetch or stale answers, and TTLs kept as azdns gave them."""
    os.makedirs(folder, exist_ok=True)
    conf = os.path.join(folder, "unbound.conf")
    write(conf, f"""server:
  interface: 127.0.0.1
  port: {port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{folder}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  do-ip6: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  qname-minimisation: no
  prefetch: no
  serve-expired: no
  cache-min-ttl: 0
  cache-max-ttl: 86400
  # test. is special-use (RFC 6761): unbound answers it itself by default.
  local-zone: "test." nodefault
stub-zone:
  name: "{ORIGIN}"
  stub-addr: 127.0.0.1@{azdns_port}
remote-control:
  control-enable: no
""")
    return Server("unbound", [UNBOUND, "-d", "-c", conf], folder, port, "unbound plain cache", None)
