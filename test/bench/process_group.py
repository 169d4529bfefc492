"""Stopping a benchmarked server: each is started in a session of its own
(start_new_session=True), so its process group holds it and its children,
and nothing that this benchmark did not start is signalled."""
import os
import signal
import subprocess


def stop_process_group(proc, grace=10):
    """SIGTERM to `proc`'s group, SIGKILL after `grace` seconds; waits for `proc`."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue
