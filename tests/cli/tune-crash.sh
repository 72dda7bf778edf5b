#!/usr/bin/env bash
# kill -9 at every write, fsync and rename of an apply (strace injects SIGKILL
# at the Nth call), then rollback must restore the exact originals and leave
# none of nodeprep's files behind. Runs on a fixture tree (--root), so global
# keys are covered without touching this machine.
source "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace missing (scripts/install-deps.sh installs it)"
ORIG=$FIXTURES/tune/debian12
sysctl_sum() { (cd "$1/proc/sys" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
want=$(sysctl_sum "$ORIG")
kills=0

for call in write fsync renameat2 rename renameat; do
        for n in $(seq 1 80); do
                R=$TMP/crash-$call-$n
                cp -a "$ORIG" "$R"
                set +e
                # In the background: the shell reports no "Killed" line for it.
                # LeakSanitizer cannot run under ptrace: off for the traced run.
                ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                strace -f -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$n \
                        "$NODEPREP" --root "$R" apply serverless >/dev/null 2>&1 &
                wait $!
                rc=$?
                set -e
                if [ $rc -ne 137 ]; then  # ran to completion: no more points
                        [ $rc -eq 0 ] || fail "apply traced for $call #$n exited $rc"
                        rm -rf "$R"
                        break
                fi
                kills=$((kills + 1))
                run 0 np --root "$R" rollback
                eq "$(sysctl_sum "$R")" "$want" "originals after kill at $call #$n"
                left=$(cd "$R" && find etc var -name '*nodeprep*' -type f)
                eq "$left" "" "files left after kill at $call #$n and rollback"
                rm -rf "$R"
        done
done
[ $kills -ge 20 ] || fail "only $kills kill points exercised"
echo "$kills kill points"
done_ok
