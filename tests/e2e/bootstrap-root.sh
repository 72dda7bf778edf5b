#!/usr/bin/env bash
# nodeprep bootstrap on a --root fixture tree (no systemd, no containers):
# exit codes of the contract, one line per stage, the result file and its
# shape, --report-url POSTing the result to a loopback sink (success and
# failure), resume messages, and the usage errors that touch nothing.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
for t in python3 jq curl; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/np-boot-root.XXXXXX)
sink_pid=
trap 'k3s_mirror_stop; [ -n "$sink_pid" ] && kill $sink_pid 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
k3s_release_dir "$work/rel" "$V" 2
k3s_mirror_start "$work/rel" "$V"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$NODEPREP_TOP/tests/e2e/bootstrap/report-sink.py" "$port" "$work/reports" &
sink_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
R=$work/root
cp -a "$NODEPREP_TOP/tests/fixtures/tune/debian12/." "$R/"
np() { "$NODEPREP" --root "$R" --profile-path "$NODEPREP_TOP/profiles" "$@"; }
result=$R/var/lib/nodeprep/bootstrap.json

# Usage errors: exit 2, nothing written.
set +e
np bootstrap --no-such-flag >/dev/null 2>&1; rc1=$?
np bootstrap --role master >/dev/null 2>&1; rc2=$?
np bootstrap extra-arg >/dev/null 2>&1; rc3=$?
# K3s's options are checked by k3s install's own parser, before any stage.
np bootstrap --symlink sometimes >/dev/null 2>&1; rc4=$?
np bootstrap --role agent --version "$V" 2>"$work/err" >/dev/null; rc5=$?
set -e
[ "$rc1$rc2$rc3$rc4$rc5" = 22222 ] || fail "usage errors exit $rc1 $rc2 $rc3 $rc4 $rc5, expected 2 2 2 2 2"
[ ! -e "$result" ] || fail "a usage error wrote a result"
grep -q "^nodeprep: bootstrap: an agent needs --server URL" "$work/err" || fail "agent without server: $(cat "$work/err")"
[ ! -e "$R/etc/sysctl.d/99-zz-nodeprep.conf" ] || fail "a K3s usage error applied the profile"
grep -qi "stages: preflight" <<<"$(np bootstrap --help)" || fail "--help"

# The fixture lacks what K3s needs: preflight fails (exit 3), names the checks, reports.
set +e
out=$(np bootstrap --report-url "http://127.0.0.1:$port/r" 2>"$work/err"); rc=$?
set -e
[ $rc -eq 3 ] || fail "preflight: exit $rc, expected 3"
grep -q "^bootstrap: preflight failed" <<<"$out" || fail "no preflight line: $out"
grep -q "bootstrap failed at stage 'preflight'" "$work/err" && grep -q "what to do: " "$work/err" ||
        fail "stderr: $(cat "$work/err")"
jq -e '(.ok | not) and .exit_code == 3 and .failed_stage == "preflight"
        and ([.stages[] | .status] == ["failed","not-run","not-run","not-run","not-run"])' "$result" >/dev/null ||
        fail "result: $(cat "$result")"
jq -e '.failed_stage == "preflight"' "$work/reports/0.json" >/dev/null || fail "failure not reported"
echo "ok   preflight failure: exit 3, stage named, result written and POSTed"

# Accept the fixture's failures by name: profile applied, K3s files written,
# then exit 4 (no systemd here), naming the k3s stage.
failing=$(jq -r '[.stages[0].result.checks[] | select(.status == "fail") | .name] | join(",")' "$result")
set +e
out=$(np bootstrap --ignore-preflight "$failing" --version "$V" --mirror "$MIRROR_URL" 2>"$work/err"); rc=$?
set -e
[ $rc -eq 4 ] || fail "k3s without systemd: exit $rc, expected 4: $(cat "$work/err")"
grep -q "resuming: the previous run failed at stage 'preflight'" <<<"$out" || fail "no resume line: $out"
[ "$(echo "$out" | grep -c '^bootstrap: ')" -eq 5 ] || fail "expected 5 lines: $out"
jq -e '.exit_code == 4 and .failed_stage == "k3s" and .changed
        and ([.stages[] | .name + ":" + .status] == ["preflight:ok","profile:changed","k3s:failed","ready:not-run","service:not-run"])' \
        "$result" >/dev/null || fail "result: $(jq -c '[.stages[] | {name,status,detail}]' "$result")"
[ -x "$R/usr/local/bin/k3s" ] || fail "k3s not written under the root"
grep -q "net.core.somaxconn = 32768" "$R/etc/sysctl.d/99-zz-nodeprep.conf" || fail "profile not persisted"
echo "ok   no systemd: profile applied, K3s written, exit 4 at stage k3s"

# Again: the profile is done; K3s still cannot start here.
set +e
out=$(np bootstrap --ignore-preflight "$failing" --version "$V" --mirror "$MIRROR_URL" 2>/dev/null); rc=$?
set -e
[ $rc -eq 4 ] || fail "rerun exit $rc"
grep -q "^bootstrap: profile   done" <<<"$out" || fail "profile not skipped: $out"

# A bad profile: exit 2 at the profile stage.
set +e
np bootstrap --ignore-preflight "$failing" --profile no-such-profile >/dev/null 2>"$work/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad profile exit $rc"
jq -e '.failed_stage == "profile" and .exit_code == 2' "$result" >/dev/null || fail "bad profile result"

# --json: exactly one object on stdout, progress on stderr.
set +e
np --json bootstrap --ignore-preflight "$failing" --no-profile --version "$V" --mirror "$MIRROR_URL" \
        >"$work/json" 2>"$work/jerr"; rc=$?
set -e
[ $rc -eq 4 ] || fail "--json exit $rc"
[ "$(wc -l <"$work/json")" -eq 1 ] && jq -e '.stages[1].status == "skipped" and .exit_code == 4' "$work/json" >/dev/null ||
        fail "--json stdout: $(cat "$work/json")"
grep -q "^bootstrap: preflight" "$work/jerr" || fail "--json: progress not on stderr"

# The report URL policy: plain http only to loopback (or --allow-http).
set +e
np bootstrap --ignore-preflight "$failing" --no-profile --report-url http://192.0.2.1/x --version "$V" \
        --mirror "$MIRROR_URL" >/dev/null 2>"$work/err"
set -e
grep -q "report not sent: http://192.0.2.1/x: only https" "$work/err" || fail "non-loopback http report: $(cat "$work/err")"
echo "ok   rerun skips the profile; bad profile exit 2; --json one object; report URL policy"
