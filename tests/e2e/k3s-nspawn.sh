#!/usr/bin/env bash
# nodeprep k3s install/status/uninstall under a real systemd: a Debian 12
# container (debootstrap, cached) booted with systemd-nspawn on a private
# network; systemd starts the stand-in over D-Bus, the ladder reaches Ready.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-node.sh"
nspawn_require

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/k3s-nspawn.XXXXXX)
nspawn_on_exit rm -rf "$work"
fail() {
        echo "FAIL: $*"
        nspawn_exec np-k3s journalctl --no-pager -n 30 -u k3s.service 2>/dev/null || true
        exit 1
}
k3s_release_dir "$work/rel" "$V" 8
name=np-k3s
k3s_node_start "$name" "$V" "$work/rel"
root=$(nspawn_root "$name")
nx() { nspawn_exec "$name" "$@"; }

# 1. Install: started by systemd over D-Bus, Ready.
set +e
nx nodeprep --json k3s install --channel stable --channel-url "$NODE_MIRROR/channels" \
        --mirror "$NODE_MIRROR/releases" --timeout 90 >"$work/out" 2>"$work/err"
rc=$?
set -e
[ $rc -eq 0 ] || { cat "$work/out" "$work/err"; fail "install exit $rc"; }
jq -e '.changed and .ready and .started and .version == "'"$V"'"' "$work/out" >/dev/null || fail "json $(cat "$work/out")"
for s in unit-active ping readyz node-ready traefik-absent; do
        jq -e --arg s "$s" '[.steps[] | select(.name == $s and .status == "ok")] | length == 1' "$work/out" >/dev/null ||
                fail "rung $s not ok: $(jq -c .steps "$work/out")"
done
[ "$(nx systemctl is-active k3s.service)" = active ] || fail "unit not active"
[ "$(nx systemctl is-enabled k3s.service)" = enabled ] || fail "unit not enabled"
rec=$root/var/lib/rancher/k3s/standin-config.json
jq -e '.mode == "server" and .config.disable == ["traefik"] and .config["write-kubeconfig-mode"] == "0600"' \
        "$rec" >/dev/null || fail "stand-in config: $(cat "$rec")"
# The unit asks for the profile's nofile (the process gets at most the
# container's hard limit, which the host sets).
[ "$(nx systemctl show -P LimitNOFILE k3s.service)" = 1048576 ] || fail "LimitNOFILE"

[ ! -e "$root/var/lib/rancher/k3s/server/manifests/traefik.yaml" ] || fail "traefik manifest"
[ "$(stat -c %a "$root/etc/rancher/k3s/k3s.yaml")" = 600 ] || fail "kubeconfig mode"
nx systemd-analyze verify /etc/systemd/system/k3s.service >"$work/verify" 2>&1 || { cat "$work/verify"; fail "systemd-analyze verify"; }
echo "ok   install: Ready; $(jq -r '.steps[] | select(.name=="start") | .detail' "$work/out")"

# 2. Status: ready, exit 0.
nx nodeprep --json k3s status >"$work/st" || fail "status exit $?"
jq -e '.ready and .role == "server"' "$work/st" >/dev/null || fail "status json"

# 3. Again, nothing changed: no restart (same MainPID).
pid=$(nx systemctl show -P MainPID k3s.service)
nx nodeprep --json k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --timeout 60 >"$work/out2" 2>&1 ||
        fail "rerun: $(cat "$work/out2")"
jq -e '.changed == false and .ready' "$work/out2" >/dev/null || fail "rerun json $(cat "$work/out2")"
[ "$(nx systemctl show -P MainPID k3s.service)" = "$pid" ] || fail "restarted without a change"
echo "ok   rerun: unchanged, not restarted"

# 4. A K3s that never becomes ready: our deadline, with state and journal.
touch "$root/etc/rancher/k3s/standin-fail"
set +e
nx nodeprep k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --force --timeout 10 >"$work/o3" 2>"$work/e3"
rc=$?
set -e
[ $rc -eq 1 ] || fail "failing start: exit $rc"
grep -q "ActiveState=" "$work/e3" && grep -q "NRestarts=" "$work/e3" || fail "no unit state: $(cat "$work/e3")"
grep -q "failing on purpose" "$work/e3" || fail "no journal lines: $(cat "$work/e3")"
echo "ok   failing start reported: $(grep -m1 -o 'ActiveState=[^;]*' "$work/e3")"
rm "$root/etc/rancher/k3s/standin-fail"

# 4b. A K3s that hangs before READY=1 (TimeoutStartSec=0): our deadline ends the wait.
touch "$root/etc/rancher/k3s/standin-hang"
t0=$SECONDS
set +e
nx nodeprep k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --force --timeout 5 >"$work/o4" 2>"$work/e4"
rc=$?
set -e
[ $rc -eq 1 ] || fail "hanging start: exit $rc"
[ $((SECONDS - t0)) -lt 30 ] || fail "deadline not kept ($((SECONDS - t0))s)"
grep -q "no READY=1 before the deadline" "$work/e4" && grep -q "SubState=start" "$work/e4" ||
        fail "hang not reported: $(cat "$work/e4")"
grep -q "never ready on purpose" "$work/e4" || fail "no journal lines for the hang"
echo "ok   hanging start stopped at our deadline after $((SECONDS - t0))s"
rm "$root/etc/rancher/k3s/standin-hang"
nx nodeprep k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --force --timeout 60 >/dev/null 2>&1 ||
        fail "recovery install"

# 5. Uninstall --purge: unit gone, files gone, data gone.
nx nodeprep --json k3s uninstall --purge >"$work/un" 2>&1 || fail "uninstall: $(cat "$work/un")"
[ "$(nx systemctl is-active k3s.service || true)" != active ] || fail "still active"
for f in usr/local/bin/k3s usr/local/bin/kubectl etc/systemd/system/k3s.service var/lib/rancher/k3s \
        etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml var/lib/nodeprep/k3s-install.json; do
        [ ! -e "$root/$f" ] || fail "$f left after uninstall"
done
set +e
nx nodeprep k3s status >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || fail "status after uninstall: exit $rc"
echo "k3s nspawn: all checks passed"
