#!/usr/bin/env bash
# The shipped cloud-init user-data, run for real at boot (NoCloud seed) in
# booted Debian 12 containers with a real systemd: apt installs the .deb just
# built, runcmd runs `nodeprep bootstrap` against the loopback mirror serving
# the K3s stand-in. Then: cloud-init says done, the profile is live, K3s and
# nodeprep.service are active, /readyz is 200, the report was POSTed, a second
# bootstrap changes nothing, and after a reboot the sysctl.d drop-in still
# wins (`nodeprep verify` exits 0). A second container's mirror fails the
# download: bootstrap exits non-zero naming the k3s stage, cloud-init says
# error, and a re-run once the fault is gone completes.
# The containers' /proc/sys is writable only for their own network namespace:
# the host's kernel settings are compared before and after.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
bn_require dpkg-buildpackage

V=v1.31.4+k3s1
HOST_KEYS="net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.ip_forward net.ipv4.tcp_syncookies kernel.panic vm.overcommit_memory fs.file-max"
host_before=$(sysctl -n $HOST_KEYS | tr '\n' ' ')
nspawn_workdir np-boot-ci
OK=$(bn_name ci) FAULT=$(bn_name cf)
bn_fail_log 25 OK FAULT
on() { local n=$1; shift; nspawn_exec "$n" "$@"; }
readyz() { on "$1" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9470/readyz || true; }

k3s_release_dir "$work/rel" "$V" 8
bn_node_start $OK "$V" "$work/rel" || fail "start $OK"
bn_node_start $FAULT "$V" "$work/rel" --fault 404 || fail "start $FAULT"

# The user-data: the shipped file, pointed at this test's repository and mirror.
python3 "$BN_DIR/user-data-for-test.py" "$NODEPREP_TOP/packaging/cloud-init/user-data.yaml" "$V" \
        "$BN_MIRROR_URL" "$BN_SINK_URL" >"$work/user-data"
cp "$work/user-data" "$(nspawn_root $OK)/root/user-data"
on $OK cloud-init schema --config-file /root/user-data >/dev/null || fail "test user-data not valid"
# The bootstrap argv of the user-data, for re-runs by hand.
mapfile -t BOOT < <(python3 -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["runcmd"][-1]))' \
        "$work/user-data")
[ "${BOOT[0]} ${BOOT[1]}" = "nodeprep bootstrap" ] || fail "argv ${BOOT[*]}"

bn_seed $OK "$work/user-data"
bn_seed $FAULT "$work/user-data"
t0=$SECONDS
bn_reboot $OK || fail "reboot $OK"
bn_reboot $FAULT || fail "reboot $FAULT"
st=$(bn_wait_cloud_init $OK)
[ "$st" = done ] || { on $OK cloud-init status --long || true; fail "cloud-init status on $OK: $st"; }
echo "ok   cloud-init: status done after $((SECONDS - t0))s (packages, write_files deferred, runcmd bootstrap)"

# 1. The result, the node, the report.
R=$(nspawn_root $OK)
jq -e '.ok and .exit_code == 0 and .changed and .failed_stage == null
        and ([.stages[].name] == ["preflight","profile","k3s","ready","service","report"])
        and ([.stages[] | select(.status == "failed")] | length == 0)' "$R/var/lib/nodeprep/bootstrap.json" >/dev/null ||
        fail "bootstrap.json: $(jq -c '[.stages[] | {name,status,detail}]' "$R/var/lib/nodeprep/bootstrap.json")"
[ "$(grep -c "^bootstrap: " "$R/var/log/cloud-init-output.log")" = 7 ] || fail "not one line per stage"
[ "$(on $OK sysctl -n net.core.somaxconn)" = 32768 ] || fail "somaxconn not live"
[ "$(on $OK sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "ip_forward not live"
for u in k3s.service nodeprep.service; do
        [ "$(on $OK systemctl is-active $u)" = active ] || fail "$u not active"
        [ "$(on $OK systemctl is-enabled $u)" = enabled ] || fail "$u not enabled"
done
code=$(readyz $OK)
[ "$code" = 200 ] || { on $OK curl -s 'http://127.0.0.1:9470/readyz?verbose' || true; fail "/readyz $code"; }
# The process that parses HTTP (the listener on 9470) runs without root and
# with no capabilities under the shipped unit (agent/health/privsep.h).
lpid=$(on $OK ss -Hltnp 'sport = :9470' | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
[ -n "$lpid" ] || fail "no listener on 9470"
luid=$(on $OK awk '/^Uid:/ {print $2}' "/proc/$lpid/status")
lcap=$(on $OK awk '/^CapEff:/ {print $2}' "/proc/$lpid/status")
[ "$luid" != 0 ] && [ "$lcap" = 0000000000000000 ] || fail "listener pid $lpid: uid $luid, CapEff $lcap"
mpid=$(on $OK systemctl show -P MainPID nodeprep.service)
[ "$mpid" != "$lpid" ] || fail "the listener is the main (root) process"
echo "ok   listener pid $lpid: uid $luid, CapEff $lcap (main pid $mpid collects as root)"
rep=$(ls "$R"/var/tmp/reports/*.json 2>/dev/null | tail -n1)
[ -n "$rep" ] && jq -e '.ok and .exit_code == 0' "$rep" >/dev/null || fail "no report POSTed"
grep -q "K10\|s3cr3t" "$R/var/lib/nodeprep/bootstrap.json" && fail "a token in bootstrap.json"
echo "ok   bootstrap: 6 stages, profile live, k3s + nodeprep.service active, /readyz 200, report POSTed"

# 2. Again: nothing to do, and it says so.
out=$(on $OK "${BOOT[@]}" 2>&1) || fail "second bootstrap exit $?: $out"
jq -e '.ok and (.changed | not)
        and ([.stages[] | select(.name != "preflight" and .name != "ready" and .name != "report")
                | .status] | all(. == "done"))' "$R/var/lib/nodeprep/bootstrap.json" >/dev/null ||
        fail "second run changed something: $(jq -c '[.stages[] | {name,status}]' "$R/var/lib/nodeprep/bootstrap.json")"
grep -q "bootstrap: done, no change" <<<"$out" || fail "second run output: $out"
echo "ok   second bootstrap: no change ($(echo "$out" | grep -c 'done ') stages already done)"

# 3. Reboot: the drop-in wins at boot, everything comes back.
bn_reboot $OK || fail "reboot"
on $OK nodeprep verify >"$work/verify" 2>&1 || { cat "$work/verify"; fail "verify after reboot"; }
[ "$(on $OK sysctl -n net.core.somaxconn)" = 32768 ] || fail "somaxconn after reboot"
on $OK nodeprep k3s status --wait 60 >/dev/null 2>&1 || fail "k3s not ready after reboot"
for ((i = 0; i < 40; i++)); do [ "$(readyz $OK)" = 200 ] && break; sleep 0.5; done
[ "$(readyz $OK)" = 200 ] || fail "/readyz after reboot: $(readyz $OK)"
echo "ok   reboot: verify exit 0 (99-zz-nodeprep.conf applied at boot), K3s ready, /readyz 200"

# 4. The failing mirror: non-zero, the stage named, cloud-init error; a re-run completes.
st=$(bn_wait_cloud_init $FAULT)
[ "$st" = error ] || fail "cloud-init status on $FAULT: $st"
F=$(nspawn_root $FAULT)
jq -e '(.ok | not) and .exit_code == 1 and .failed_stage == "k3s" and (.hint | length) > 0
        and ([.stages[] | select(.name == "ready" or .name == "service") | .status] == ["not-run","not-run"])' \
        "$F/var/lib/nodeprep/bootstrap.json" >/dev/null || fail "failed result: $(cat "$F/var/lib/nodeprep/bootstrap.json")"
grep -q "bootstrap failed at stage 'k3s'" "$F/var/log/cloud-init-output.log" || fail "stage not named in the log"
rep=$(ls "$F"/var/tmp/reports/*.json 2>/dev/null | tail -n1)
[ -n "$rep" ] && jq -e '(.ok | not) and .failed_stage == "k3s"' "$rep" >/dev/null || fail "failure not reported"
echo "ok   mirror fault: cloud-init error, bootstrap exit 1 at stage k3s ($(jq -r .error "$F/var/lib/nodeprep/bootstrap.json" | cut -c1-80))"
on $FAULT curl -sf "http://127.0.0.1:$BN_MIRROR_PORT/_control/fault/none" >/dev/null || fail "clear fault"
out=$(on $FAULT "${BOOT[@]}" 2>&1) || fail "re-run after the fault exit $?: $out"
grep -q "resuming: the previous run failed at stage 'k3s'" <<<"$out" || fail "no resume message: $out"
grep -q "bootstrap: profile   done" <<<"$out" || fail "profile not skipped: $out"
jq -e '.ok and .exit_code == 0' "$F/var/lib/nodeprep/bootstrap.json" >/dev/null || fail "re-run result"
[ "$(on $FAULT systemctl is-active k3s.service)" = active ] || fail "k3s after re-run"
echo "ok   re-run after the fault: resumed, completed"

host_after=$(sysctl -n $HOST_KEYS | tr '\n' ' ')
[ "$host_before" = "$host_after" ] || fail "host kernel settings changed: $host_before -> $host_after"
echo "ok   host kernel settings unchanged"
