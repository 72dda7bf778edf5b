#!/usr/bin/env bash
# The agent-join variant of the cloud-init user-data, for real: two booted
# Debian 12 containers on a private bridge this test creates. The server
# runs packaging/cloud-init/user-data.yaml at boot; its node-token goes into
# packaging/cloud-init/user-data-agent.yaml (a 0600 file, --token-file), and
# the agent's cloud-init bootstraps it into the cluster: Ready as the server
# sees it, the token on no command line and in no log or result.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
bn_require
V=v1.31.4+k3s1
nspawn_workdir np-boot-join
SRV=$(bn_name js) AGT=$(bn_name ja)
bn_fail_log 20 SRV AGT
nspawn_test_bridge npj 215 || fail "bridge"
k3s_release_dir "$work/rel" "$V" 4
bn_node_start $SRV "$V" "$work/rel" --bridge "$br" --ip "$net.2/24" || fail "start server"
bn_node_start $AGT "$V" "$work/rel" --bridge "$br" --ip "$net.3/24" || fail "start agent"
ud() { python3 "$BN_DIR/user-data-for-test.py" "$@"; }

# The server: the shipped user-data, with its bridge address.
ud "$NODEPREP_TOP/packaging/cloud-init/user-data.yaml" "$V" "$BN_MIRROR_URL" "$BN_SINK_URL" \
        --node-ip "$net.2" --tls-san "$net.2" >"$work/srv.yaml"
bn_seed $SRV "$work/srv.yaml"
bn_reboot $SRV || fail "reboot server"
st=$(bn_wait_cloud_init $SRV)
[ "$st" = done ] || fail "server cloud-init: $st"
echo "ok   server: cloud-init done, K3s server bootstrapped on $net.2"

# The agent: the shipped agent user-data with the server's token.
token=$(nspawn_root $SRV)/var/lib/rancher/k3s/server/token  # node-token links here (absolute inside the node)
install -m 0600 "$token" "$work/token"
ud "$NODEPREP_TOP/packaging/cloud-init/user-data-agent.yaml" "$V" "$BN_MIRROR_URL" "$BN_SINK_URL" \
        --server "https://$net.2:6443" --token-file "$work/token" --node-ip "$net.3" >"$work/agt.yaml"
bn_seed $AGT "$work/agt.yaml"
bn_reboot $AGT || fail "reboot agent"
st=$(bn_wait_cloud_init $AGT)
[ "$st" = done ] || fail "agent cloud-init: $st"
A=$(nspawn_root $AGT)
jq -e '.ok and .role == "agent" and ([.stages[] | select(.name == "k3s") | .status] == ["changed"])' \
        "$A/var/lib/nodeprep/bootstrap.json" >/dev/null || fail "agent result: $(cat "$A/var/lib/nodeprep/bootstrap.json")"
[ "$(nspawn_exec $AGT systemctl is-active k3s-agent.service)" = active ] || fail "k3s-agent not active"
nspawn_exec $AGT nodeprep --json k3s status >"$work/st" 2>/dev/null || fail "agent not ready: $(cat "$work/st")"
grep -q "$AGT Ready=True" <<<"$(jq -r '.steps[] | select(.name == "node-ready") | .detail' "$work/st")" ||
        fail "agent not Ready as the server sees it: $(cat "$work/st")"
[ "$(stat -c %a "$A/etc/nodeprep/k3s-token")" = 600 ] || fail "token file mode"
secret=$(cut -d: -f4 <"$work/token")
for f in var/lib/nodeprep/bootstrap.json var/log/cloud-init-output.log var/tmp/reports; do
        grep -rqF "$secret" "$A/$f" && fail "token in $f"
done
nspawn_exec $AGT sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done' >"$work/cmdlines"
grep -qF "$secret" "$work/cmdlines" && fail "token on a command line"
echo "ok   agent: user-data-agent.yaml at boot joined $net.2; Ready as the server sees it; token only in 0600 files"
