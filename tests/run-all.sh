#!/usr/bin/env bash
# Runs nodeprep's test phases and prints one closing line:
#   "N passed, N failed, N skipped"
# Phases: unit (cmocka binaries), cli (tests/cli/*.sh on fixture trees),
# e2e (tests/e2e/*.sh: live namespaces, booted containers), replay (fuzz
# corpora), asan (make asan), analyze (make analyze). No argument: all.
# A test script exits 0 (pass), 77 (skip, with the reason on its last line
# of output) or anything else (fail).
set -u
umask 022       # files the tests write (profiles among them) are not group-writable
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export BUILD=${BUILD:-build}
export NODEPREP=${NODEPREP:-$top/$BUILD/nodeprep}
export NODEPREP_TOP=$top
phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(unit cli e2e replay asan analyze)

pass=0 fail=0 skip=0
failed=()
logdir=$(mktemp -d /tmp/nodeprep-test.XXXXXX)

# NODEPREP_TEST_JOBS > 1 runs the unit, CLI and replay tests that many at a
# time (`make check` does, for the edit-test loop); results still print in
# order. `make test` keeps 1: the e2e and sanitizer phases own the machine.
jobs_max=${NODEPREP_TEST_JOBS:-1}
case "$jobs_max" in ''|*[!0-9]*|0) echo "NODEPREP_TEST_JOBS: '$jobs_max' is not a positive integer" >&2; exit 2 ;; esac
queued=()       # result-file stems, in the order the tests started

run_test() {  # STEM, command...: the test's output to STEM.log, "rc took" to STEM.rc
        local stem=$1; shift
        local start=$SECONDS rc
        "$@" >"$stem.log" 2>&1 </dev/null
        rc=$?
        echo "$rc $((SECONDS - start))" >"$stem.rc.tmp" && mv "$stem.rc.tmp" "$stem.rc"
}

report() {  # STEM NAME
        local stem=$1 name=$2 rc took
        read -r rc took <"$stem.rc"
        if [ "$rc" -eq 0 ]; then
                pass=$((pass + 1)); echo "PASS  $name (${took}s)"
        elif [ "$rc" -eq 77 ]; then
                skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$stem.log")"
        else
                fail=$((fail + 1)); failed+=("$name"); echo "FAIL  $name (exit $rc, ${took}s)"
                sed 's/^/      | /' "$stem.log" | tail -n 40
        fi
}

flush() {  # report the finished tests at the head of the queue; --all waits for every one
        while [ ${#queued[@]} -gt 0 ]; do
                local stem=${queued[0]}
                if [ ! -e "$stem.rc" ]; then
                        [ "${1:-}" = --all ] || return 0
                        if [ -z "$(jobs -rp)" ]; then    # died before writing its status
                                echo "1 0" >"$stem.rc"
                        else
                                wait -n 2>/dev/null || true
                        fi
                        continue
                fi
                report "$stem" "$(cat "$stem.name")"
                queued=("${queued[@]:1}")
        done
}

run_one() {  # name, command...
        local name=$1; shift
        local stem="$logdir/$(echo "$name" | tr '/ ' '__')"
        if [ "$jobs_max" -le 1 ] || [ "${parallel:-0}" != 1 ]; then
                run_test "$stem" "$@"
                report "$stem" "$name"
                return
        fi
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
                wait -n 2>/dev/null || true
                flush
        done
        echo "$name" >"$stem.name"
        queued+=("$stem")
        run_test "$stem" "$@" &
        flush
}

for phase in "${phases[@]}"; do
        case "$phase" in unit|cli|replay) parallel=1 ;; *) parallel=0; flush --all ;; esac
        case "$phase" in
        unit)
                for t in "$BUILD"/tests/test-*; do
                        [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
                done ;;
        cli)
                # The long ones first, so that in parallel they overlap the rest.
                for t in tests/cli/serve-fixture.sh tests/cli/race.sh tests/cli/verdict-agree.sh tests/cli/check-capture.sh tests/cli/*.sh; do
                        case " ${started_cli:-} " in *" $t "*) continue ;; esac
                        started_cli="${started_cli:-} $t"
                        [ "$(basename "$t")" = lib.sh ] && continue  # sourced by the tests
                        [ -f "$t" ] && run_one "cli/$(basename "$t" .sh)" bash "$t"
                done ;;
        e2e)
                for t in tests/e2e/*.sh; do
                        [ -f "$t" ] && run_one "e2e/$(basename "$t" .sh)" bash "$t"
                done ;;
        replay)
                for t in "$BUILD"/tests/replay-fuzz-*; do
                        [ -x "$t" ] || continue
                        name=$(basename "$t"); corpus=tests/fuzz/corpus/${name#replay-fuzz-}
                        run_one "replay/${name#replay-}" "$t" "$corpus"
                done ;;
        asan)
                run_one "asan (unit+cli+replay under ASan/UBSan)" make --no-print-directory asan ;;
        analyze)
                run_one "analyze (gcc -fanalyzer + cppcheck)" make --no-print-directory analyze ;;
        *)
                echo "unknown phase $phase" >&2; exit 2 ;;
        esac
done
flush --all

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "logs: $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
