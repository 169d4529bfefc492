"""Transfer benchmark (see transfer.py): the answering benchmark's servers
(bench.py: azdns, Knot, NSD, each pinned to core 1) with AXFR allowed to
127.0.0.0/8, and the memory a transfer costs a server (/proc)."""
import re

from bench import CONFIGS, tree


def allow_axfr_azdns(text, view):
    # The [[zone]] table is the last one bench.py writes: the rule lands in it.
    return text + f'\n[[zone.allow_transfer]]\nprefixes = ["127.0.0.0/8"]\nview = "{view}"\n'


def allow_axfr_knot(text, _view):
    acl = "acl:\n  - id: axfr_to_loopback\n    address: 127.0.0.0/8\n    action: transfer\n"
    text, n = re.subn(r"^zone:$", acl + "zone:", text, count=1, flags=re.M)
    if n != 1:
        raise RuntimeError("bench.py's knot.conf has no zone section")
    return text + "    acl: axfr_to_loopback\n"


def allow_axfr_nsd(text, _view):
    return text + "    provide-xfr: 127.0.0.0/8 NOKEY\n"


ALLOW = {"azdns": (allow_axfr_azdns, "azdns.toml"), "knot": (allow_axfr_knot, "knot.conf"),
         "nsd": (allow_axfr_nsd, "nsd.conf")}


def transfer_server(name, work, zone, port, binary, view):
    """bench.py's server `name` for `zone`, its config opened to AXFR from loopback; not started."""
    server = CONFIGS[name](work, zone, port, binary)
    patch, file_name = ALLOW[name]
    path = f"{server.cwd}/{file_name}"
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(patch(text, view))
    return server


def _status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss(pid):
    """Resets VmHWM of every process of the tree to its VmRSS (clear_refs 5); {pid: VmRSS KiB} before."""
    before = {}
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            continue
        rss = _status_kib(p, "VmRSS")
        if rss is not None:
            before[p] = rss
    return before


def peak_rss_since(before):
    """(largest VmHWM of one process, largest VmHWM - VmRSS at the reset), KiB, over the processes of `before`."""
    peak = growth = 0
    for p, rss in before.items():
        hwm = _status_kib(p, "VmHWM")
        if hwm is not None:
            peak, growth = max(peak, hwm), max(growth, hwm - rss)
    return peak, growth
