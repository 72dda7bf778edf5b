#!/usr/bin/env bash
# nodeprep k3s install/status/uninstall under a real systemd: a Debian 12
# container (debootstrap, cached) booted with systemd-nspawn on a private
# network; systemd starts the stand-in over D-Bus, the ladder reaches Ready
# against real-sized Node objects (32 KB, 1 MiB) under an operator's
# node-name, after the stand-in's start delays; uninstall removes what a
# stopped K3s leaves (shim trees, mounts, links, netns, iptables chains).
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
# iptables in the container: K3s's KUBE-/CNI-/FLANNEL- chains are made and removed.
NSPAWN_PACKAGES=${NSPAWN_PACKAGES:-iptables}
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-node.sh"
nspawn_require

V=v1.31.4+k3s1
nspawn_workdir k3s-nspawn
fail_hook() { nspawn_exec np-k3s journalctl --no-pager -n 30 -u k3s.service 2>/dev/null || true; }
k3s_release_dir "$work/rel" "$V" 8
name=np-k3s
k3s_node_start "$name" "$V" "$work/rel"
root=$(nspawn_root "$name")
nx() { nspawn_exec "$name" "$@"; }

# The operator names the node; the stand-in takes its time like a real K3s.
mkdir -p "$root/etc/rancher/k3s/config.yaml.d"
printf 'node-name: NP-Operator-Node\n' >"$root/etc/rancher/k3s/config.yaml.d/10-operator.yaml"
tune() { printf '{"api_delay": 3, "node_ready_delay": 4, "traefik_delay": 3, "node_bytes": %s}\n' "$1" \
        >"$root/etc/rancher/k3s/standin.json"; }
tune 32768
rung_detail() { jq -r --arg n "$1" '[.steps[] | select(.name == $n) | .detail] | last' "$2"; }

# 0. Traefik on first (servicelb off): the stand-in stages its manifest.
nx nodeprep --json k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --disable servicelb \
        --timeout 90 >"$work/out0" 2>"$work/err0" || { cat "$work/out0" "$work/err0"; fail "install with traefik"; }
[ -e "$root/var/lib/rancher/k3s/server/manifests/traefik.yaml" ] || fail "traefik not staged"
echo "ok   traefik on: $(rung_detail node-ready "$work/out0")"

# 1. Install: started by systemd over D-Bus, Ready; traefik now disabled is
#    removed by the deploy loop seconds after the API is up, not at start.
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
jq -e '.mode == "server" and .config.disable == ["traefik"] and .config["write-kubeconfig-mode"] == "0600"
        and .node_name == "np-operator-node"' "$rec" >/dev/null || fail "stand-in config: $(cat "$rec")"
grep -Eq "^node np-operator-node Ready=True \(3[0-9]{4} bytes\)$" <<<"$(rung_detail node-ready "$work/out")" ||
        fail "node rung: $(rung_detail node-ready "$work/out")"
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

# 2b. Right after a restart the node is there but Ready=False (the CNI is
#     not up yet); later Ready. Then a 1 MiB Node object.
tune 1048576
nx systemctl restart k3s.service
set +e
nx nodeprep --json k3s status >"$work/st" 2>/dev/null
rc=$?
set -e
[ $rc -eq 3 ] || fail "status right after restart: exit $rc"
grep -q "^node np-operator-node Ready=False" <<<"$(rung_detail node-ready "$work/st")" ||
        fail "no Ready=False phase: $(jq -c .steps "$work/st")"
nx nodeprep --json k3s status --wait 60 >"$work/st" || fail "status --wait: $(jq -c .steps "$work/st")"
grep -Eq "^node np-operator-node Ready=True \(10[0-9]{5} bytes\)$" <<<"$(rung_detail node-ready "$work/st")" ||
        fail "1 MiB node: $(rung_detail node-ready "$work/st")"
echo "ok   Ready=False after restart, then Ready on a $(rung_detail node-ready "$work/st" | grep -o '[0-9]* bytes') Node"
tune 32768

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

# 5. What a stopped K3s leaves: KillMode=process keeps the shim trees, and
#    their mounts, links, netns and chains stay.
inside() { nx sh -c 'for c in /proc/[0-9]*/cmdline; do tr "\0" " " <"$c" 2>/dev/null; echo; done
        cat /proc/self/mountinfo; ip -o link show; ls /run/netns 2>/dev/null; iptables -S; iptables -t nat -S'; }
leftovers() {  # prints what of K3s is still there
        local s
        s=$(inside)
        grep -q "k3s/data/[^/ ]*/bin/containerd-shim" <<<"$s" && echo shim
        grep -q " /run/k3s/" <<<"$s" && echo mount-run-k3s
        grep -q " /var/lib/kubelet/pods/" <<<"$s" && echo mount-kubelet
        grep -Eq "^[0-9]+: (cni0|flannel\.1)[:@]" <<<"$s" && echo link
        grep -q "^cni-" <<<"$s" && echo netns
        grep -q "KUBE-\|CNI-\|FLANNEL" <<<"$s" && echo chain
        true
}
[ "$(leftovers | tr '\n' ' ')" = "shim mount-run-k3s mount-kubelet link netns chain " ] ||
        fail "the stand-in made no real leftovers: $(leftovers | tr '\n' ' ')"
nx systemctl stop k3s.service
grep -q shim <<<"$(leftovers)" || fail "the shim did not outlive the stop (KillMode=process)"
nx /usr/local/bin/k3s-killall.sh >"$work/ka" 2>&1 || fail "k3s-killall.sh: $(cat "$work/ka")"
[ -z "$(leftovers)" ] || fail "k3s-killall.sh left: $(leftovers | tr '\n' ' ')"
echo "ok   stop left shim, mounts, links, netns, chains; k3s-killall.sh removed them"

# 5b. One leftover made unremovable on purpose: exit 1, named; the scripts stay.
nx systemctl start k3s.service
nx nodeprep k3s status --wait 60 >/dev/null 2>&1 || fail "restart for uninstall"
nx mkdir -p /run/k3s/held
nx mount -t tmpfs -o size=1m tmpfs /run/k3s/held
nx systemd-run --quiet --unit=np-holder -p WorkingDirectory=/run/k3s/held sleep 600
set +e
nx nodeprep --json k3s uninstall --purge >"$work/un" 2>"$work/un.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "uninstall with a busy mount: exit $rc"
grep -q "could not remove: .*/run/k3s/held" "$work/un.err" || fail "not named: $(cat "$work/un.err")"
[ -x "$root/usr/local/bin/k3s-uninstall.sh" ] || fail "k3s-uninstall.sh removed after a failure"
echo "ok   busy mount: exit 1, $(grep -o 'could not remove: [^(]*' "$work/un.err")"
nx systemctl stop np-holder.service

# 5c. k3s-uninstall.sh again: everything gone, exit 0.
nx /usr/local/bin/k3s-uninstall.sh >"$work/un2" 2>&1 || fail "k3s-uninstall.sh: $(cat "$work/un2")"
[ -z "$(leftovers)" ] || fail "uninstall left: $(leftovers | tr '\n' ' ')"
[ "$(nx systemctl is-active k3s.service || true)" != active ] || fail "still active"
for f in usr/local/bin/k3s usr/local/bin/kubectl etc/systemd/system/k3s.service var/lib/rancher/k3s \
        etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml var/lib/nodeprep/k3s-install.json \
        usr/local/bin/k3s-killall.sh usr/local/bin/k3s-uninstall.sh var/lib/kubelet run/k3s; do
        [ ! -e "$root/$f" ] || fail "$f left after uninstall"
done
echo "ok   k3s-uninstall.sh: no K3s process, mount, link, netns or chain left; exit 0"
rc=0
nx nodeprep k3s status >/dev/null 2>&1 || rc=$?
[ $rc -eq 3 ] || fail "status after uninstall: exit $rc"
echo "k3s nspawn: all checks passed"
