#!/usr/bin/env python3
"""The one filter between nodeprep's --json stdout and tests/golden/*.json.

  normalise.py --tmp DIR --top DIR FILE...      rewrites each FILE in place

It changes only what legitimately differs from run to run or from machine to
machine, each rule named in tests/golden/README.md, and otherwise keeps every
byte (key order, spacing, escapes): it works on the text, never re-serialises
the JSON, and never drops an object or a key. A value it replaces becomes a
string placeholder "@NAME@", so the file stays JSON.
"""
import argparse
import re

ap = argparse.ArgumentParser()
ap.add_argument("--work", required=True, help="this pass's work dir (the --root copies, the input files)")
ap.add_argument("--tmp", required=True, help="the test's temp dir")
ap.add_argument("--top", required=True, help="the repository (fixtures and profiles live there)")
ap.add_argument("files", nargs="*")
a = ap.parse_args()

NUM = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"


def value_of(key, name):
    """"key":NUMBER -> "key":"@name@" (a number that is a clock or a host figure)."""
    return (re.compile(r'"%s":%s(?=[,}\]])' % (re.escape(key), NUM)), '"%s":"@%s@"' % (key, name))


RULES = [
    # 1. Paths: this pass's work dir, the test's temp dir, the checkout.
    (re.compile(re.escape(a.work.rstrip("/"))), "@WORK@"),
    (re.compile(re.escape(a.tmp.rstrip("/"))), "@TMP@"),
    (re.compile(re.escape(a.top.rstrip("/"))), "@TOP@"),
    # 2. Clocks: serve's collection time (Unix seconds), bootstrap's start and
    #    end (ISO 8601 UTC), and every measured duration.
    value_of("time", "TIME"),
    (re.compile(r'"(started_at|finished_at)":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"'), r'"\1":"@TIME@"'),
    value_of("duration_ms", "DURATION"),
    value_of("canary_seconds", "DURATION"),
    (re.compile(r"canary %s ms" % NUM), "canary @DURATION@ ms"),
    #    The gateway's certificate is made by the test with -days 90: its end
    #    and what is left of it follow the clock (its serial is fixed).
    value_of("not_after", "TIME"),
    value_of("certificate_not_after", "TIME"),
    value_of("days_left", "DAYS"),
    value_of("certificate_days_left", "DAYS"),
    (re.compile(r"\b[0-9]+ days left"), "@DAYS@ days left"),
    # 3. The host's file system: under --root, serve's data-disk check still
    #    asks statvfs about the disk the fixture copy lives on.
    (re.compile(r"%s [KMGTPE]?i?B free of %s [KMGTPE]?i?B \(%s%%\)" % (NUM, NUM, NUM)), "@HOST-FREE@"),
]
# Inside serve's "data_disk" figures (a flat object) only.
DATA_DISK = re.compile(r'"data_disk":\{[^{}]*\}')
HOST_FIGURES = [value_of(k, "HOST") for k in ("size_bytes", "available_bytes", "files_available")]


def host_figures(m):
    text = m.group(0)
    for pattern, repl in HOST_FIGURES:
        text = pattern.sub(repl, text)
    return text


for path in a.files:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    text = DATA_DISK.sub(host_figures, text)
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
