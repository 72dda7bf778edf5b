# shellcheck shell=bash
# The one test harness: sourced (never run) by tests/cli/lib.sh, every
# tests/e2e/lib/*.sh and the e2e scripts that use no other library.
# Sourcing it twice is harmless.
#   fail MSG...        "FAIL: MSG" on stderr ("FAIL: $FAIL_CONTEXT: MSG" when that
#                      is set), then fail_hook (if the script defines one: its
#                      diagnostics, e.g. a journal tail), exit 1
#   ok [MSG...]        count a check; with MSG also print "ok   MSG"
#   skip REASON...     exit 77 with the reason on the last line of output
#   need TOOL...       skip unless every TOOL is on PATH
#   eq GOT WANT [WHAT] / contains TEXT PART / lacks TEXT PART
#   done_ok            "N checks passed", exit 0
# A test exits 0 (pass), 77 (skip) or anything else (fail): tests/run-all.sh.
checks=${checks:-0}

fail() {
        echo "FAIL: ${FAIL_CONTEXT:+$FAIL_CONTEXT: }$*" >&2
        if declare -F fail_hook >/dev/null; then
                fail_hook >&2 || true
        fi
        exit 1
}
ok() {
        checks=$((checks + 1))
        [ $# -eq 0 ] || echo "ok   $*"
}
skip() { echo "$*"; exit 77; }
need() {
        local t
        for t in "$@"; do
                command -v "$t" >/dev/null || skip "$t missing (scripts/install-deps.sh)"
        done
}
eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; ok; }
contains() { case "$1" in *"$2"*) ok ;; *) fail "expected '$2' in: ${1:0:800}" ;; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect '$2' in: ${1:0:800}" ;; *) ok ;; esac; }
done_ok() { echo "$checks checks passed"; exit 0; }
