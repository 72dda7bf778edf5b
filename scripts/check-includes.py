#!/usr/bin/env python3
"""The include order of agent/ (.clang-format encodes the same with
IncludeBlocks: Regroup), checked in `make analyze`:

    #include "NAME.h"          a NAME.c's own header first, alone (or the
                                 module header it implements, when it stands
                                 first before a blank line: profile-parse.c's
                                 "profile.h")

    #include <errno.h>         system headers, sorted, one block
    #include <sys/stat.h>

    #include "../basic/log.h"  project headers, sorted (byte order: "../"
    #include "blob.h"           before the directory's own), one block

The rule applies to each run of #include lines that only blank lines
separate; any other line (#define, #if, a comment, code) ends the run, so an
include that must follow a macro or sits under #if stays where it is.
Duplicates in a run are dropped.

    scripts/check-includes.py [--fix] [FILE...]   (default: agent/**/*.[ch])

Without --fix: prints FILE:LINE for every run out of order, exit 1 if any.
With --fix: rewrites those runs in place; running it again changes nothing.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^#include\s*([<"])([^>"]+)[>"]')


def own_header(path):
    base = os.path.basename(path)
    return base[:-2] + '.h' if base.endswith('.c') else None


def runs(lines):
    """(start, end) of each run: include lines and the blank lines between them."""
    i, n = 0, len(lines)
    while i < n:
        if not INCLUDE.match(lines[i]):
            i += 1
            continue
        start = end = i
        j = i + 1
        while j < n and (INCLUDE.match(lines[j]) or not lines[j].strip()):
            if INCLUDE.match(lines[j]):
                end = j
            j += 1
        yield start, end + 1
        i = end + 1


def canonical(block, own):
    """The run as the rule wants it: a list of lines."""
    first, system, local = [], [], []
    for line in block:
        m = INCLUDE.match(line)
        if not m:
            continue
        kind, name = m.groups()
        line = line.rstrip('\n')
        if kind == '"' and name == own:
            if line not in first:
                first.append(line)
        elif kind == '<':
            system.append((name, line))
        else:
            local.append((name, line))
    out = []
    for group in (first, [l for _, l in sorted(set(system))], [l for _, l in sorted(set(local))]):
        # a name included twice with different trailing comments stays twice: rare, visible
        if group:
            if out:
                out.append('')
            out.extend(group)
    return [l + '\n' for l in out]


def main_header(path, lines, first_run):
    """NAME.h for NAME.c; else the file's first include when it is a project
    header standing alone before a blank line (profile-parse.c's profile.h)."""
    own = own_header(path)
    if own is None:
        return None
    start, end = first_run
    m = INCLUDE.match(lines[start])
    if m and m.group(1) == '"' and start + 1 < end and not lines[start + 1].strip():
        return m.group(2)
    return own


def process(path, fix):
    with open(path, encoding='utf-8') as f:
        lines = f.readlines()
    all_runs = list(runs(lines))
    own = main_header(path, lines, all_runs[0]) if all_runs else None
    bad, out, last = [], [], 0
    for start, end in all_runs:
        want = canonical(lines[start:end], own)
        out.extend(lines[last:start])
        if lines[start:end] != want:
            bad.append(start + 1)
            out.extend(want)
        else:
            out.extend(lines[start:end])
        last = end
    out.extend(lines[last:])
    if bad and fix:
        with open(path, 'w', encoding='utf-8') as f:
            f.writelines(out)
    return bad


def main(argv):
    fix = '--fix' in argv
    files = [a for a in argv if a != '--fix']
    if not files:
        top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
        for d, _, names in sorted(os.walk(os.path.join(top, 'agent'))):
            files += [os.path.relpath(os.path.join(d, n)) for n in sorted(names) if n.endswith(('.c', '.h'))]
    n_bad = 0
    for path in files:
        for line in process(path, fix):
            n_bad += 1
            print('%s:%d: %s' % (path, line, 'include order fixed' if fix else
                                 'includes out of order (own header; <system> sorted; "local" sorted; '
                                 'a blank line between: scripts/check-includes.py --fix)'))
    if n_bad and not fix:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
