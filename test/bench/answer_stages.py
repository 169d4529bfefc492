#!/usr/bin/env python3
"""Instructions per query of each stage of the answer path, by callgrind.

    answer_stages.py ANSWER_COST ZONE_FILE QUERY_FILE

Runs ANSWER_COST (test/bench/answer_cost) under valgrind's callgrind twice,
over 1 and over 11 rounds of the query mix, and prints each stage's
instructions per query: (count over 11 rounds - count over 1) / (10 x
queries), so loading the zone and the queries cancels out. Instruction
counts are the same run after run, whatever else the machine is doing.
Stages are functions, so build without LTO (which inlines them into the
engine) for the breakdown; the total holds either way. See
docs/benchmarks.md, "Where the time goes".
"""
import re
import subprocess
import sys
import tempfile

# Inclusive cost of each stage: the function and what it calls.
STAGES = [
    ("whole answer (AnswerEngine::answer)", "azdns::AnswerEngine::answer"),
    ("  read the query (read_query)", "azdns::read_query"),
    ("  find the zone (ZoneSet::find)", "azdns::ZoneSet::find"),
    ("  plan the answer (solve_internet)", "azdns::solve_internet"),
    ("    of which zone lookup (Zone::lookup)", "azdns::Zone::lookup"),
    ("  write the question (MessageWriter::write_question)", "azdns::MessageWriter::write_question"),
    ("  write the records (MessageWriter::emit_rrset)", "azdns::MessageWriter::emit_rrset"),
    ("    of which name compression (MessageWriter::plan_owner)", "azdns::MessageWriter::plan_owner"),
]


def inclusive_costs(binary, zone, queries, rounds, out_dir):
    out = f"{out_dir}/callgrind.{rounds}"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, zone, queries,
                    str(rounds)], check=True, capture_output=True, timeout=1800)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                          check=True, capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(\S.*)", line)
        if not m:
            continue
        count, where = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in where:
            costs["total"] = count
            continue
        name = re.sub(r"\(.*", "", where.split(":", 1)[1] if ":" in where else where).strip()
        costs[name] = costs.get(name, 0) + count
    return costs


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    binary, zone, queries = sys.argv[1:]
    count = sum(1 for line in open(queries) if line.split())
    with tempfile.TemporaryDirectory() as work:
        one = inclusive_costs(binary, zone, queries, 1, work)
        eleven = inclusive_costs(binary, zone, queries, 11, work)
    per_query = {name: (eleven.get(name, 0) - one.get(name, 0)) / (10 * count) for name in eleven}
    print(f"instructions per query ({count} queries, 10 rounds)")
    print(f"{per_query['total']:8.0f}  the whole program")
    for label, name in STAGES:
        value = per_query.get(name)
        print(f"{value:8.0f}  {label}" if value else f"{'-':>8}  {label} (inlined or not called)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
