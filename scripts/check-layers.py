#!/usr/bin/env python3
"""The include graph of agent/ against its tiers (agent/README.md, "Layers").

Every `#include "..."` of agent/**/*.[ch] is resolved to the file it names;
an include may go to the same directory or to a directory of a lower rank,
nothing else. So basic/ uses libc only, shared/ and kube/ are the
library-backed helpers any domain may use, a domain never includes another
domain, and only cmd/ and main.c sit above the health server.

    scripts/check-layers.py [AGENT_DIR]     check (default: the checkout's agent/)
    scripts/check-layers.py --self-test     prove it catches planted violations

Exit 0 clean, 1 with one line per violation ("file:line: ..."), 2 on misuse.
Runs in `make analyze` and as tests/cli/layers.sh in `make check`.
"""
import os
import re
import shutil
import sys
import tempfile

# Directory (or file) under agent/ -> rank. Within rank 1, kube/ (the
# Kubernetes client) is built on shared/'s libcurl and libcrypto wrappers, so
# it sits just above it; shared/ never includes kube/.
RANKS = {
    "basic": 0,
    "shared": 1,
    "kube": 1.5,
    "tune": 2, "probe": 2, "k3s": 2, "openfaas": 2, "gateway": 2, "bootstrap": 2,
    "verdict": 3,
    "health": 4,
    "cmd": 5,
    "main.c": 6,
}

# Known violations that other work in flight removes: (including file, included
# file) -> who removes it. An entry that no longer occurs is an error too, so
# this list only ever shrinks; it is empty once issue 12 is merged.
PENDING = {
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def unit_of(rel):
    """The tier unit of a path relative to agent/: its top directory, or main.c."""
    return rel.split("/", 1)[0]


def sources(agent):
    for dirpath, dirnames, filenames in os.walk(agent):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(dirpath, f), agent)


def check(agent, pending=PENDING):
    problems, seen = [], set()
    for rel in sources(agent):
        src = unit_of(rel)
        if src not in RANKS:
            problems.append(f"agent/{rel}: '{src}' has no rank in scripts/check-layers.py (add it to RANKS "
                            "and to agent/README.md's tier table)")
            continue
        with open(os.path.join(agent, rel), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(rel), m.group(1)))
                where = f"agent/{rel}:{lineno}"
                if target.startswith("..") or os.path.isabs(target):
                    problems.append(f'{where}: "{m.group(1)}" leaves agent/')
                    continue
                if not os.path.isfile(os.path.join(agent, target)):
                    problems.append(f'{where}: "{m.group(1)}" names no file (agent/{target})')
                    continue
                dst = unit_of(target)
                if dst == src or (dst in RANKS and RANKS[dst] < RANKS[src]):
                    continue
                if (rel, target) in pending:
                    seen.add((rel, target))
                    continue
                why = "same rank" if RANKS.get(dst) == RANKS[src] else "higher rank"
                problems.append(f"{where}: {src}/ (rank {RANKS[src]}) includes {target} "
                                f"({dst}/, {why} {RANKS.get(dst, '?')}): includes go to the same directory "
                                "or a lower rank only")
    for (rel, target), who in sorted(pending.items()):
        if (rel, target) not in seen:
            problems.append(f"scripts/check-layers.py: PENDING entry agent/{rel} -> {target} no longer occurs "
                            f"(removed by: {who}); delete it")
    return problems


def self_test():
    """Plant one violation of each kind in a copy of agent/ and expect each to be reported."""
    here = os.path.dirname(os.path.abspath(__file__))
    agent = os.path.join(here, "..", "agent")
    plants = [
        ("probe/kernel.c", '#include "../tune/keys.h"\n', "probe/ (rank 2) includes tune/keys.h"),
        ("basic/parse.c", '#include "../shared/dl-curl.h"\n', "basic/ (rank 0) includes shared/dl-curl.h"),
        ("shared/json-file.c", '#include "../kube/kube.h"\n', "shared/ (rank 1) includes kube/kube.h"),
        ("verdict/checklist.c", '#include "../health/server.h"\n', "higher rank"),
        ("tune/keys.c", '#include "../nowhere/x.h"\n', "names no file"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path, line, expect in plants:
            copy = os.path.join(tmp, "agent")
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(agent, copy)
            with open(os.path.join(copy, path), "a") as fh:
                fh.write(line)
            problems = check(copy)
            hit = [p for p in problems if f"agent/{path}:" in p and expect in p]
            if not hit:
                print(f"self-test: planted {line.strip()} in {path}, not reported; got: {problems}")
                failures += 1
        # A stale PENDING entry is reported.
        copy = os.path.join(tmp, "agent")
        if not any("no longer occurs" in p for p in check(copy, {("basic/parse.c", "tune/keys.h"): "test"})):
            print("self-test: a stale PENDING entry was not reported")
            failures += 1
        # A directory without a rank is reported.
        os.makedirs(os.path.join(copy, "newdomain"), exist_ok=True)
        with open(os.path.join(copy, "newdomain", "x.c"), "w") as fh:
            fh.write('#include "../basic/log.h"\n')
        if not any("'newdomain' has no rank" in p for p in check(copy)):
            print("self-test: a directory without a rank was not reported")
            failures += 1
    print("self-test: " + ("FAILED" if failures else "every planted violation reported"))
    return 1 if failures else 0


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        return self_test()
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    agent = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent")
    problems = check(agent)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} problem(s); the tiers are in agent/README.md")
        return 1
    n = sum(1 for _ in sources(agent))
    print(f"check-layers: {n} files, every include to the same directory or a lower rank"
          f" ({len(PENDING)} pending: {', '.join(a + ' -> ' + b for a, b in sorted(PENDING))})"
          if PENDING else f"check-layers: {n} files, every include to the same directory or a lower rank")
    return 0


if __name__ == "__main__":
    sys.exit(main())
