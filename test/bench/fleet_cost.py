"""Fleet benchmark, part "cost" (see fleet.py): what the exchange costs one
azdns (ns1) that probes 10,000 endpoints and has five peers.

- The endpoints are 127.16.0.0/16 addresses (any 127.x.y.z is local), split
  over two AZs, all on one TCP port: ONE listener bound to 0.0.0.0:PORT
  accepts every probe's connection and closes it. A `tcp` check every 10 s,
  so about 1,000 probes a second.
- The five peers are SyntheticPeer (fleet_peers.py): each serves the
  exchange and sends its own reports to ns1.
- Baseline: ns1 with `[fleet]` and no peers, for `seconds`. Then ns1 with
  the five peers: "steady" (heartbeats only), "churn" (each peer flips
  one endpoint a second and sends it as a delta, as azdns does) and
  "churn_whole" (the same flips sent as whole reports, as azdns did before
  deltas), `seconds` each.
- Per window: ns1's CPU (utime+stime of /proc/PID/stat, all its threads),
  the bytes of report bodies ns1 sent (its /metrics
  azdns_fleet_report_bytes_sent_total, and what the peers received) and
  received (what the peers sent), and the probes ns1 made (connections the
  listener accepted)."""
import os
import socket
import threading
import time

from failover import wait_ready
from failover_common import ORIGIN, free_port, log
from failover_dns import Resolver
from failover_servers import Server, write, zone_soa_ns
from fleet_control import control_request, metric_sum
from fleet_peers import SyntheticPeer

ENDPOINTS = 10_000
PER_NAME = 100          # A records per name: 100 names, one [[service]] each
PEERS = 5
CHECK = "tcp"
TOKEN = "fleet-bench-token"
HEARTBEAT = 5.0 / 4     # stale_after (default 5 s) / 4, as azdns's sender
BYTES_SENT = "azdns_fleet_report_bytes_sent_total"


def endpoint_address(k):
    """Even k in AZ a (127.16.0.0/17), odd k in AZ b (127.16.128.0/17)."""
    half, idx = k % 2, k // 2
    return f"127.16.{half * 128 + idx // 250}.{idx % 250 + 1}"


class TcpSink:
    """One listener on 0.0.0.0:PORT that accepts and closes every connection: every 127.x.y.z:PORT is up."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(4096)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                c, peer = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            c.close()

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def ns1_config(dns_port, control_port, sink_port, token_file, peers):
    names = ENDPOINTS // PER_NAME
    services = "".join(f'[[service]]\nname = "h{n}.{ORIGIN}"\ncheck = "{CHECK}"\n\n' for n in range(names))
    fleet_peers = "".join(f'[[fleet.peer]]\nname = "{p.name}"\nurl = "http://127.0.0.1:{p.port}"\n\n' for p in peers)
    return f"""[server]
listen = ["127.0.0.1:{dns_port}"]
workers = 1
state_dir = "state"

[control]
listen = "127.0.0.1:{control_port}"
token_file = "{token_file}"

[[zone]]
origin = "{ORIGIN}"
file = "zone"

[[az]]
name = "az-a"
prefixes = ["127.16.0.0/17"]

[[az]]
name = "az-b"
prefixes = ["127.16.128.0/17"]

[[check]]
name = "{CHECK}"
type = "tcp"
port = {sink_port}
interval = "10s"

{services}[fleet]
name = "ns1"

{fleet_peers}"""


def ns1_zone():
    return zone_soa_ns() + "".join(f"h{k // PER_NAME} 300 IN A {endpoint_address(k)}\n" for k in range(ENDPOINTS))


def cpu_seconds(pid):
    """utime + stime of the process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bytes_sent_metric(control_port):
    code, text = control_request(control_port, TOKEN, "GET", "/metrics")
    return metric_sum(text, BYTES_SENT) if code == 200 else None


class Ns1:
    def __init__(self, binary, folder, sink, peers):
        os.makedirs(os.path.join(folder, "state"), exist_ok=True)
        self.dns_port, self.control_port = free_port(), free_port()
        token_file = os.path.join(folder, "token")
        write(token_file, TOKEN + "\n")
        write(os.path.join(folder, "zone"), ns1_zone())
        write(os.path.join(folder, "azdns.toml"),
              ns1_config(self.dns_port, self.control_port, sink.port, token_file, peers))
        self.server = Server("ns1", [binary, "serve", "-c", os.path.join(folder, "azdns.toml")], folder,
                             self.dns_port, "", 10.0)

    def start(self):
        """None, or why ns1 is not serving."""
        self.server.start()
        res = Resolver(self.dns_port, timeout=0.5)
        try:
            if not wait_ready(self.server, res, 60):
                return "ns1 did not start: " + self.server.tail(8).strip().replace("\n", " | ")
        finally:
            res.close()
        return None


def window(ns1, sink, peers, seconds):
    """The figures of one measuring window of `seconds`, or {"error": ...}."""
    # Scraping /metrics (tens of thousands of series at this size) costs ns1
    # CPU: the scrapes stay outside the window, before it and after it.
    def sample():
        return {"cpu": cpu_seconds(ns1.server.proc.pid), "t": time.monotonic(), "probes": sink.accepted,
                "peers": [p.counters() for p in peers]}
    metric_a = bytes_sent_metric(ns1.control_port)
    a = sample()
    for p in peers:
        p.take_slowest()
    end = a["t"] + seconds
    while time.monotonic() < end:
        if not ns1.server.alive():
            return {"error": "ns1 exited: " + ns1.server.tail(5).strip().replace("\n", " | ")}
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
    b = sample()
    metric_b = bytes_sent_metric(ns1.control_port)
    dt = b["t"] - a["t"]
    slowest = [p.take_slowest() for p in peers]

    def peer_delta(key):
        return sum(pb[key] - pa[key] for pa, pb in zip(a["peers"], b["peers"]))
    return {"seconds": dt, "cpu": (b["cpu"] - a["cpu"]) / dt, "probes": (b["probes"] - a["probes"]) / dt,
            "metric_sent": None if metric_a is None or metric_b is None else (metric_b - metric_a) / dt,
            "peers_received": peer_delta("received") / dt, "peers_sent": peer_delta("sent") / dt,
            "full_sent": peer_delta("sent_full") / dt, "heartbeats_sent": peer_delta("sent_heartbeats") / dt,
            "full_received": peer_delta("received_full") / dt,
            "heartbeats_received": peer_delta("received_heartbeats") / dt,
            "slowest_full": max((f for f, _ in slowest), default=0.0),
            "slowest_heartbeat": max((h for _, h in slowest), default=0.0)}


def run_cost(binary, work, seconds, settle):
    """{"baseline": window, "steady": window, "churn": window, ...} or with "error"."""
    result = {"seconds": seconds}
    sink = TcpSink()
    try:
        log("cost: baseline (ns1 without peers)")
        ns1 = Ns1(binary, os.path.join(work, "cost-baseline"), sink, [])
        try:
            why = ns1.start()
            if why:
                result["error"] = why
                return result
            time.sleep(settle)
            result["baseline"] = window(ns1, sink, [], seconds)
        finally:
            ns1.server.stop()

        log("cost: ns1 with five synthetic peers")
        addresses = [endpoint_address(k) for k in range(ENDPOINTS)]
        peers = [SyntheticPeer(i, f"ns{i + 2}", TOKEN, addresses, CHECK, HEARTBEAT) for i in range(PEERS)]
        ns1 = Ns1(binary, os.path.join(work, "cost-fleet"), sink, peers)
        try:
            why = ns1.start()
            if why:
                result["error"] = why
                return result
            t_peers = time.monotonic()
            for p in peers:
                p.start(ns1.control_port)
            end = t_peers + 60
            while not all(p.in_sync() for p in peers) and time.monotonic() < end:
                time.sleep(0.1)
            if not all(p.in_sync() for p in peers):
                result["error"] = ("ns1 and the peers never held each other's reports within 60 s: "
                                   + "; ".join(f"{p.name} {p.send_errors[-1:]}" for p in peers))
                return result
            result["sync_seconds"] = time.monotonic() - t_peers
            time.sleep(settle)
            log("cost: steady")
            result["steady"] = window(ns1, sink, peers, seconds)
            for p in peers:
                p.churn = True
            time.sleep(2)  # the first flips, before the window
            log("cost: churn (deltas)")
            result["churn"] = window(ns1, sink, peers, seconds)
            for p in peers:
                p.whole_churn = True
            time.sleep(2)
            log("cost: churn (whole reports)")
            result["churn_whole"] = window(ns1, sink, peers, seconds)
            for p in peers:
                p.churn = p.whole_churn = False
            result["full_report_ns1"] = max(p.largest_received for p in peers)
            result["full_report_peer"] = max(p.largest_sent for p in peers)
            result["send_errors"] = sum(len(p.send_errors) for p in peers)
            if ns1.server.alive():
                refused = [t for _, t in ns1.server.lines if "report" in t and ("ignored" in t or "decode" in t)]
                result["refused_lines"] = refused[:5]
        finally:
            for p in peers:  # first, so that none posts to an instance going away
                p.stop()
            ns1.server.stop()
    finally:
        sink.stop()
    return result


def fmt_bytes(v):
    return "-" if v is None else f"{v / 1000:,.1f} kB/s" if v >= 1000 else f"{v:,.0f} B/s"


def report_cost(r):
    lines = [f"cost: ns1 probes {ENDPOINTS:,} endpoints (tcp, interval 10s), {PEERS} synthetic peers, "
             f"stale_after 5s (heartbeat every {HEARTBEAT:.2f} s); {r['seconds']:.0f} s per window"]
    if r.get("error") and "churn" not in r:
        return lines + [f"cost not measured: {r['error']}"]
    base = r["baseline"]
    if "error" in base:
        return lines + [f"baseline: {base['error']}"]
    lines.append(f"{'window':<11} {'probes/s':>9} {'ns1 sent (metric)':>18} {'ns1 sent (peers saw)':>21} "
                 f"{'ns1 received':>13} {'CPU % core':>11} {'CPU ms/s':>9} {'over baseline':>22}")
    for phase in ("baseline", "steady", "churn", "churn_whole"):
        w = r.get(phase)
        if w is None:
            continue
        if "error" in w:
            lines.append(f"{phase:<11} {w['error']}")
            continue
        extra = w["cpu"] - base["cpu"]
        over = "-" if phase == "baseline" else f"{extra * 100:+.2f} % / {extra * 1000:+.1f} ms/s"
        lines.append(f"{phase:<11} {w['probes']:>9,.0f} {fmt_bytes(w['metric_sent']):>18} "
                     f"{fmt_bytes(w['peers_received']):>21} {fmt_bytes(w['peers_sent']):>13} "
                     f"{w['cpu'] * 100:>10.2f}% {w['cpu'] * 1000:>9.1f} {over:>22}")
    for phase in ("steady", "churn", "churn_whole"):
        w = r.get(phase)
        if w and "error" not in w:
            lines.append(f"{phase}: ns1 sent {w['full_received']:.2f} whole reports/s and "
                         f"{w['heartbeats_received']:.2f} heartbeats/s (all peers); received "
                         f"{w['full_sent']:.2f} whole reports/s and {w['heartbeats_sent']:.2f} heartbeats/s; "
                         f"slowest POST to ns1: whole report {w['slowest_full'] * 1000:.0f} ms, "
                         f"heartbeat {w['slowest_heartbeat'] * 1000:.0f} ms")
    if "full_report_ns1" in r:
        lines.append(f"one whole report: ns1's {r['full_report_ns1']:,} bytes, a peer's {r['full_report_peer']:,} "
                     f"bytes ({ENDPOINTS:,} endpoints); reports not taken: {r['send_errors']}; at the start, "
                     f"ns1 and the five peers held each other's whole reports after {r['sync_seconds']:.1f} s")
    if r.get("refused_lines"):
        lines.append("ns1 refused reports: " + " | ".join(r["refused_lines"]))
    if r.get("error"):
        lines.append(f"stopped early: {r['error']}")
    return lines
