"""Fleet benchmark (see fleet.py): requests to an azdns control API with the
bearer token, and the figures read from it (status JSON, /metrics)."""
import http.client
import json


def control_request(port, token, method, path, body=None, timeout=5.0):
    """(HTTP status, body text) of one request to 127.0.0.1:port; (None, why) when it fails."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": "Bearer " + token}
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else body
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)
    finally:
        conn.close()


def status_json(port, token):
    """GET /v1/status as a dict, or None."""
    code, text = control_request(port, token, "GET", "/v1/status")
    if code != 200:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def own_votes(status, name, addresses):
    """{address: vote of vantage point `name`} for `addresses`, from a status JSON's fleet object."""
    out = {}
    for e in (status or {}).get("fleet", {}).get("endpoints", []):
        if e.get("address") in addresses:
            out[e["address"]] = e.get("votes", {}).get(name)
    return out


def metric_sum(text, family):
    """The sum of every series of `family` in a Prometheus text page; None when it has none."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name == family:
            total += float(line.rsplit(" ", 1)[1])
            seen = True
    return total if seen else None
