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

run_one() {  # name, command...
        local name=$1; shift
        local log="$logdir/$(echo "$name" | tr '/ ' '__').log"
        local start=$SECONDS rc
        "$@" >"$log" 2>&1 </dev/null
        rc=$?
        local took=$((SECONDS - start))
        if [ $rc -eq 0 ]; then
                pass=$((pass + 1)); echo "PASS  $name (${took}s)"
        elif [ $rc -eq 77 ]; then
                skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$log")"
        else
                fail=$((fail + 1)); failed+=("$name"); echo "FAIL  $name (exit $rc, ${took}s)"
                sed 's/^/      | /' "$log" | tail -n 40
        fi
}

for phase in "${phases[@]}"; do
        case "$phase" in
        unit)
                for t in "$BUILD"/tests/test-*; do
                        [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
                done ;;
        cli)
                for t in tests/cli/*.sh; do
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

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "logs: $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
