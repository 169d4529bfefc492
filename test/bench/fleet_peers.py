"""Fleet benchmark, exchange cost (see fleet_cost.py): a synthetic peer of
azdns. It serves `POST /v1/fleet/state` as a peer does (docs/fleet.md, "The
exchange document"): it checks the token, keeps the generation and sequence
of the last whole report it got and answers with them. And it sends its own
reports to the instance under test as azdns's sender does: a whole report
of every endpoint (all up) at the start, a heartbeat every `heartbeat`
seconds without change (the whole report instead when the last reply named
another one), and, while churning, one endpoint flipped every second, sent
as a delta ("base": the sequence the instance holds) or, with `whole_churn`,
as the whole report. Counts the bytes of every body both ways."""
import http.client
import http.server
import json
import threading
import time

from failover_common import log


def endpoint_entry(address, check, status):
    return (f'{{"address":"{address}","check":"{check}","status":"{status}",'
            f'"since_age_ms":60000,"probed_age_ms":500,"last_error":""}}')


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        peer = self.server.peer
        length = int(self.headers.get("Content-Length") or 0)
        if self.path != "/v1/fleet/state" or self.headers.get("Authorization") != "Bearer " + peer.token:
            self._reply(401 if self.path == "/v1/fleet/state" else 404, b'{"error":"no"}')
            return
        body = self.rfile.read(length)
        try:
            doc = json.loads(body)
            key = (int(doc["generation"]), int(doc["sequence"]))
        except (ValueError, KeyError, TypeError):
            self._reply(400, b'{"error":"does not decode"}')
            return
        with peer.lock:
            peer.received_bytes += len(body)
            if doc.get("full"):
                peer.held = key
                peer.received_full += 1
                peer.largest_received = max(peer.largest_received, len(body))
            else:
                peer.received_heartbeats += 1
            held = peer.held or (0, 0)
        reply = json.dumps({"name": peer.name, "have": {"generation": held[0], "sequence": held[1]}})
        self._reply(200, reply.encode())

    def _reply(self, code, data):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class SyntheticPeer:
    """start(target_port) after the instance under test listens; stop() always."""

    def __init__(self, index, name, token, endpoints, check, heartbeat):
        self.index, self.name, self.token = index, name, token
        self.check, self.heartbeat = check, heartbeat
        self.addresses = list(endpoints)
        self.entries = [endpoint_entry(a, check, "up") for a in self.addresses]
        self.down = None            # the index of the endpoint this peer sees down, while churning
        self.flips = 0
        self.generation = int(time.time() * 1000) + index
        self.sequence = 1
        self.lock = threading.Lock()
        self.held = None            # (generation, sequence) of the instance's last whole report
        self.received_bytes = self.received_full = self.received_heartbeats = self.largest_received = 0
        self.sent_bytes = self.sent_full = self.sent_heartbeats = self.largest_sent = 0
        self.slowest_full = self.slowest_heartbeat = 0.0  # seconds from connecting to the reply; take_slowest()
        self.send_errors = []
        self.instance_holds = None  # what the instance said it holds of this peer
        self.churn = False
        self.whole_churn = False    # churn with whole reports, as azdns sent before deltas
        self.last_flipped = 0
        self.stopping = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.peer = self
        self.port = self.httpd.server_address[1]
        self.threads = []

    def start(self, target_port):
        self.target_port = target_port
        self.threads = [threading.Thread(target=self.httpd.serve_forever, daemon=True),
                        threading.Thread(target=self._send_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        if self.threads:  # shutdown() waits for serve_forever(), so only once it ran
            self.httpd.shutdown()
        self.httpd.server_close()
        for t in self.threads:
            t.join(10)

    def counters(self):
        with self.lock:
            return {"received": self.received_bytes, "sent": self.sent_bytes, "sent_full": self.sent_full,
                    "sent_heartbeats": self.sent_heartbeats, "received_full": self.received_full,
                    "received_heartbeats": self.received_heartbeats}

    def take_slowest(self):
        """(slowest whole report, slowest heartbeat) in seconds since the last call."""
        with self.lock:
            out = (self.slowest_full, self.slowest_heartbeat)
            self.slowest_full = self.slowest_heartbeat = 0.0
            return out

    def in_sync(self):
        """True once each side holds the other's latest whole report."""
        with self.lock:
            return self.held is not None and self.instance_holds == (self.generation, self.sequence)

    def _document(self, full, base=None):
        """A heartbeat, the whole report, or (`base`) a delta holding only the endpoint that last flipped."""
        head = (f'{{"azdns_fleet":1,"name":"{self.name}","generation":{self.generation},'
                f'"sequence":{self.sequence},"impaired":false,"full":{"true" if full else "false"}')
        if not full:
            return head + "}"
        if base is not None:
            return head + f',"base":{base},"endpoints":[' + self.entries[self.last_flipped] + '],"fences":[]}'
        return head + ',"endpoints":[' + ",".join(self.entries) + '],"fences":[]}'

    def _flip(self):
        """One endpoint changes in this peer's view: the one it saw down comes back, or a new one goes down."""
        if self.down is not None:
            self.entries[self.down] = endpoint_entry(self.addresses[self.down], self.check, "up")
            self.last_flipped, self.down = self.down, None
        else:
            self.down = (self.index * 997 + self.flips * 7919) % len(self.addresses)
            self.entries[self.down] = endpoint_entry(self.addresses[self.down], self.check, "down")
            self.last_flipped = self.down
        self.flips += 1
        self.sequence += 1

    def _post(self, full, base=None):
        body = self._document(full, base).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=10)
        t0 = time.monotonic()
        try:
            conn.request("POST", "/v1/fleet/state", body=body,
                         headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
            resp = conn.getresponse()
            text = resp.read()
            if resp.status != 200:
                raise OSError(f"HTTP {resp.status}: {text[:200]!r}")
            have = json.loads(text)["have"]
            took = time.monotonic() - t0
            with self.lock:
                self.sent_bytes += len(body)
                if full:
                    self.sent_full += 1
                    self.largest_sent = max(self.largest_sent, len(body))
                    self.slowest_full = max(self.slowest_full, took)
                else:
                    self.sent_heartbeats += 1
                    self.slowest_heartbeat = max(self.slowest_heartbeat, took)
                self.instance_holds = (int(have["generation"]), int(have["sequence"]))
        except (OSError, http.client.HTTPException, ValueError, KeyError) as e:
            with self.lock:
                self.instance_holds = None
                if len(self.send_errors) < 20:
                    self.send_errors.append(str(e))
            log(f"  {self.name}: report not taken: {e}")
        finally:
            conn.close()

    def _send_loop(self):
        self._post(True)
        last_sent = time.monotonic()
        next_flip = None
        while not self.stopping.wait(0.01):
            now = time.monotonic()
            if self.churn:
                next_flip = next_flip or now
                if now >= next_flip:
                    held_before = self.sequence
                    self._flip()
                    # As azdns does: a delta when the instance holds the report before this flip.
                    delta = not self.whole_churn and self.instance_holds == (self.generation, held_before)
                    self._post(True, held_before if delta else None)
                    last_sent, next_flip = time.monotonic(), next_flip + 1.0
                    continue
            else:
                next_flip = None
            if now - last_sent >= self.heartbeat:
                # As azdns does: a heartbeat, or the whole report when the last reply named another one.
                self._post(self.instance_holds != (self.generation, self.sequence))
                last_sent = time.monotonic()
