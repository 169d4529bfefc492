#!/usr/bin/env python3
"""The layers hold: a wrong-way include fails to build.

Each folder of lib/, server/ and probes/ is one meson library that exports
only its own folder as include directory (docs/architecture.md, "Layers").
For each layer this test takes the -I flags its library is compiled with
(from compile_commands.json, for a source file of that library) and runs the
preprocessor on one-line translation units:
  - a header of a layer above (or beside, without a declared edge) must fail
    with "No such file or directory": the wrong-way include does not build;
  - a header of the layer itself and of a declared dependency must be found,
    so that the test fails both ways (flags read wrongly would pass the first
    half on their own).
Preprocessing is the step of the build that resolves includes, and keeps the
whole test at about a second.

  layers_test.py SOURCE_ROOT BUILD_ROOT [COMPILER...]

COMPILER defaults to the compiler of the compile command (meson passes
meson.get_compiler('cpp').cmd_array()). Prints one line per check and a
doctest-style summary that test/count_results.py counts.
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile

# layer -> (headers it must not see, headers it must see). The second list
# names the layer's own header and those of its declared dependencies
# (meson.build of the folder).
LAYERS = {
    "lib/base": (["dns_name.hpp", "config.hpp", "zone.hpp"],
                 ["diagnostics.hpp", "ip_prefix.hpp"]),
    "lib/dns": (["zone.hpp", "config.hpp", "health_view.hpp", "answer_engine.hpp", "zone_file.hpp"],
                ["dns_name.hpp", "diagnostics.hpp"]),
    "lib/config": (["zone.hpp", "zone_file.hpp", "health_state.hpp", "answer_engine.hpp"],
                   ["config.hpp", "dns_name.hpp", "ip_prefix.hpp"]),
    "lib/zonefile": (["zone.hpp", "config.hpp", "zone_load.hpp", "health_view.hpp"],
                     ["zone_file.hpp", "zone_record.hpp", "dns_name.hpp"]),
    "lib/zone": (["zone_file.hpp", "config.hpp", "zone_load.hpp", "health_view.hpp", "answer_engine.hpp"],
                 ["zone.hpp", "zone_record.hpp", "dns_name.hpp"]),
    "lib/load": (["health_view.hpp", "answer_engine.hpp", "zone_reloader.hpp"],
                 ["zone_load.hpp", "zone_file.hpp", "zone.hpp", "config.hpp"]),
    "lib/health": (["answer_engine.hpp", "serving_snapshot.hpp", "zone_file.hpp", "zone_load.hpp",
                    "probe_runner.hpp", "transfer_records.hpp"],
                   ["health_view.hpp", "zone.hpp", "config.hpp"]),
    "lib/transfer": (["answer_engine.hpp", "serving_snapshot.hpp", "zone_file.hpp", "zone_load.hpp",
                      "probe_runner.hpp", "worker.hpp"],
                     ["transfer_records.hpp", "served_serials.hpp", "health_view.hpp", "zone.hpp", "config.hpp", "dns_name.hpp"]),
    "lib/answer": (["zone_reloader.hpp", "health_monitor.hpp", "zone_load.hpp", "zone_file.hpp",
                    "probe_runner.hpp", "worker.hpp"],
                   ["answer_engine.hpp", "health_view.hpp", "zone_set.hpp", "query_reader.hpp"]),
    "probes": (["zone_reloader.hpp", "answer_engine.hpp", "worker.hpp", "control_server.hpp"],
               ["probe_runner.hpp", "health_state.hpp", "config.hpp"]),
    "server/http": (["worker.hpp", "health_monitor.hpp", "config.hpp", "log.hpp", "commands.hpp", "notify_sender.hpp"],
                    ["http_client.hpp", "public_key_pin.hpp", "ip_prefix.hpp"]),
    "server/log": (["worker.hpp", "health_monitor.hpp", "answer_engine.hpp", "config.hpp", "notify_sender.hpp"],
                   ["log.hpp"]),
    "server/dns": (["health_monitor.hpp", "zone_reloader.hpp", "control_server.hpp", "probe_runner.hpp",
                    "commands.hpp", "notify_sender.hpp"],
                   ["worker.hpp", "answer_engine.hpp", "serving_snapshot.hpp", "config.hpp", "log.hpp"]),
    "server/runtime": (["control_server.hpp", "live_control_backend.hpp", "commands.hpp", "fleet_link.hpp",
                        "http_client.hpp", "notify_sender.hpp"],
                       ["health_monitor.hpp", "zone_load.hpp", "probe_runner.hpp", "serving_snapshot.hpp",
                        "log.hpp"]),
    "server/fleet": (["commands.hpp", "control_server.hpp", "live_control_backend.hpp", "notify_sender.hpp"],
                     ["fleet_link.hpp", "health_monitor.hpp", "http_client.hpp", "fleet_report.hpp"]),
    "server/control": (["commands.hpp", "fleet_link.hpp"],
                       ["control_server.hpp", "health_monitor.hpp", "worker.hpp", "query_counters.hpp",
                        "transfer_service.hpp"]),
    "server/transfer": (["commands.hpp", "control_server.hpp", "fleet_link.hpp", "live_control_backend.hpp"],
                        ["notify_sender.hpp", "notify_message.hpp", "log.hpp", "dns_name.hpp", "socket_address.hpp"]),
    "server/cli": ([],
                   ["commands.hpp", "control_server.hpp", "fleet_link.hpp", "notify_sender.hpp", "health_monitor.hpp",
                    "worker.hpp"]),
}

SOURCE_DIRS = ("lib", "server", "probes")


def headers_in_tree(source_root):
    found = set()
    for top in SOURCE_DIRS:
        for folder, _, files in os.walk(os.path.join(source_root, top)):
            found.update(f for f in files if f.endswith(".hpp"))
    return found


def flags_of(entry):
    """The compiler (from the command) and the flags that decide what an include finds."""
    words = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    first_flag = next(i for i, w in enumerate(words) if w.startswith("-"))
    compiler, kept, i = words[:first_flag], [], first_flag
    while i < len(words):
        word = words[i]
        if word in ("-I", "-isystem", "-iquote", "-include"):
            kept += [word, words[i + 1]]
            i += 2
            continue
        if word.startswith(("-I", "-isystem", "-iquote", "-D", "-U", "-std=")) or word == "-pthread":
            kept.append(word)
        i += 1
    if compiler and os.path.basename(compiler[0]) == "ccache":
        compiler = compiler[1:]
    return compiler, kept


# The library of each folder is its one static library, except server/cli,
# whose sources make the azdns executable.
EXECUTABLE_SOURCE = {"server/cli": "command_serve.cpp"}


def library_entry(commands, source_root, layer):
    """A compile command of a source file of the layer's own library."""
    for entry in commands:
        path = os.path.relpath(os.path.normpath(os.path.join(entry["directory"], entry["file"])), source_root)
        folder, name = os.path.split(path.replace(os.sep, "/"))
        if folder != layer or not name.endswith(".cpp"):
            continue
        if layer in EXECUTABLE_SOURCE:
            if name == EXECUTABLE_SOURCE[layer]:
                return entry
        elif ".a.p/" in entry.get("output", entry.get("command", "")):
            return entry
    return None


def preprocess(compiler, flags, directory, header, scratch):
    source = os.path.join(scratch, header.replace(".", "_") + ".cpp")
    with open(source, "w", encoding="utf-8") as unit:
        unit.write(f'#include "{header}"\n')
    run = subprocess.run(compiler + flags + ["-E", "-x", "c++", source, "-o", os.devnull],
                         cwd=directory, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    source_root, build_root, given_compiler = argv[1], argv[2], argv[3:]
    # ccache only runs the compiler for -E: leave it out.
    if given_compiler and os.path.basename(given_compiler[0]) == "ccache":
        given_compiler = given_compiler[1:]
    with open(os.path.join(build_root, "compile_commands.json"), encoding="utf-8") as f:
        commands = json.load(f)
    known_headers = headers_in_tree(source_root)

    checks, problems = [], []
    for layer, (hidden, visible) in LAYERS.items():
        entry = library_entry(commands, source_root, layer)
        if entry is None:
            problems.append(f"{layer}: no compile command for a source file of its library")
            continue
        compiler, flags = flags_of(entry)
        for header in hidden + visible:
            if header not in known_headers:
                # A renamed header would make its check pass for the wrong reason.
                problems.append(f"{layer}: {header} is not in the tree any more: update {__file__}")
        for header in hidden:
            checks.append((layer, header, False, given_compiler or compiler, flags, entry["directory"]))
        for header in visible:
            checks.append((layer, header, True, given_compiler or compiler, flags, entry["directory"]))

    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="azdns-layers.") as scratch:
        def run_check(check):
            layer, header, should_see, compiler, flags, directory = check
            folder = os.path.join(scratch, layer.replace("/", "_"))
            os.makedirs(folder, exist_ok=True)
            return check, preprocess(compiler, flags, directory, header, folder)

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(run_check, checks))

    for (layer, header, should_see, _, _, _), (status, stderr) in results:
        if should_see:
            ok = status == 0
            what = f"{layer} sees {header} (own layer or declared dependency)"
        else:
            ok = status != 0 and "No such file or directory" in stderr and header in stderr
            what = f"{layer} cannot include {header}"
        print(("ok: " if ok else "FAIL: ") + what)
        if not ok:
            detail = stderr.strip().splitlines()[:3] or ["(the include was found)"]
            for line in detail:
                print("      " + line)
        passed, failed = passed + ok, failed + (not ok)
    for problem in problems:
        print("FAIL: " + problem)
    failed += len(problems)

    print(f"{len(LAYERS)} layers, {passed + failed} checks: {passed} passed, {failed} failed")
    # One test case for test/count_results.py, like test/package.
    print(f"[doctest] test cases: 1 | {int(failed == 0)} passed | {int(failed != 0)} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
