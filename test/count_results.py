#!/usr/bin/env python3
"""Counts doctest test cases across a meson test run.

Reads meson's testlog.json, prints one line per suite on stderr and, last on
stdout, "PASSED FAILED". A suite that crashed or timed out before doctest
printed its summary counts as one failure, so a crash never reads as green.
A failed suite also prints the end of its output on stderr: CI keeps only
what ./dev test prints, and a failure must say which case and why.
"""
import json
import re
import sys

SUMMARY = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
FAILURE_LINES = 60  # enough for a few of doctest's reports: case, file:line, values


def print_failure(label: str, entry: dict) -> None:
    output = ((entry.get("stdout") or "") + (entry.get("stderr") or "")).splitlines()
    # From doctest's first failure report when there is one, else the end.
    first = next((i for i, line in enumerate(output) if line.startswith("TEST CASE:")), None)
    shown = output[max(first - 2, 0):][:FAILURE_LINES] if first is not None else output[-FAILURE_LINES:]
    print(f"{label}: --- {entry['name']} ---", file=sys.stderr)
    for line in shown:
        print(f"{label}: | {line}", file=sys.stderr)


def main(log_path: str, label: str) -> int:
    passed = failed = 0
    try:
        with open(log_path, encoding="utf-8") as log:
            entries = [json.loads(line) for line in log if line.strip()]
    except OSError as error:
        print(f"{label}: no test log ({error})", file=sys.stderr)
        print("0 1")
        return 0
    for entry in entries:
        name, result = entry["name"], entry["result"]
        found = SUMMARY.findall(entry.get("stdout", "") or "")
        suite_passed = sum(int(p) for _, p, _ in found)
        suite_failed = sum(int(f) for _, _, f in found)
        if result != "OK" and suite_failed == 0:
            suite_failed = 1  # crashed, timed out or failed outside doctest's count
        passed += suite_passed
        failed += suite_failed
        print(f"{label}: {name}: {result} ({suite_passed} passed, {suite_failed} failed)", file=sys.stderr)
        if suite_failed:
            print_failure(label, entry)
    print(f"{passed} {failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
