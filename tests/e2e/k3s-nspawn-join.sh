#!/usr/bin/env bash
# Server + agent join between two booted Debian 12 containers on a private
# bridge this test creates, in K3s's real shapes: node-token is a symlink to
# server/token (K10<sha256 of the CA>::server:<secret>); nodeprep checks
# /cacerts against the token's hash before it writes the agent's config (a
# token naming another CA: exit 1, both hashes, nothing written); the agent
# gets /v1-k3s/client-kubelet.crt with its node password and registers its
# Node; it reaches Ready as the server sees it.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-node.sh"
nspawn_require

V=v1.31.4+k3s1
nspawn_workdir k3s-join
# A bridge and a subnet of our own (RFC 1918), named per run.
nspawn_test_bridge npk 213
k3s_release_dir "$work/rel" "$V" 4

k3s_node_start np-srv "$V" "$work/rel" --bridge "$br" --ip "$net.2/24"
srv_mirror=$NODE_MIRROR
k3s_node_start np-agent "$V" "$work/rel" --bridge "$br" --ip "$net.3/24"
agent_mirror=$NODE_MIRROR

nspawn_exec np-srv nodeprep --json k3s install --version "$V" --mirror "$srv_mirror/releases" \
        --node-ip "$net.2" --tls-san "$net.2" --timeout 90 >"$work/srv" 2>"$work/srv.err" ||
        { cat "$work/srv" "$work/srv.err"; fail "server install"; }
jq -e .ready "$work/srv" >/dev/null || fail "server not ready"

# The join token travels as a file, mode 0600, never on a command line.
token=$(nspawn_root np-srv)/var/lib/rancher/k3s/server/node-token
[ -L "$token" ] && [ "$(readlink "$token")" = /var/lib/rancher/k3s/server/token ] ||
        fail "node-token is not K3s's symlink to server/token"
# The link is absolute inside the container: read its target there.
token=$(nspawn_root np-srv)/var/lib/rancher/k3s/server/token
[ "$(stat -c %a "$token")" = 600 ] || fail "server/token mode"
grep -Eq '^K10[0-9a-f]{64}::server:' "$token" || fail "token shape"
ca_hash=$(sha256sum "$(nspawn_root np-srv)/var/lib/rancher/k3s/server/tls/server-ca.crt" | cut -c1-64)
grep -q "^K10$ca_hash::" "$token" || fail "the token's hash is not the CA's"
A=$(nspawn_root np-agent)

# A token that names another CA: refused before anything is written.
sed -E "s/^K10[0-9a-f]{64}::/K10$(printf '0%.0s' {1..64})::/" "$token" >"$A/root/wrong-token"
chmod 600 "$A/root/wrong-token"
set +e
nspawn_exec np-agent nodeprep --json k3s install --role agent --version "$V" --mirror "$agent_mirror/releases" \
        --server "https://$net.2:6443" --token-file /root/wrong-token --timeout 30 >"$work/wrong" 2>"$work/wrong.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "wrong CA: exit $rc"
grep -q "has sha256 $ca_hash, the token names 0\{64\}" "$work/wrong.err" || fail "wrong CA message: $(cat "$work/wrong.err")"
for f in etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml etc/systemd/system/k3s-agent.service usr/local/bin/k3s; do
        [ ! -e "$A/$f" ] || fail "wrong CA: $f written"
done
echo "ok   a token naming another CA: exit 1, both hashes shown, nothing written"

install -m 0600 "$token" "$A/root/join-token"

nspawn_exec np-agent nodeprep --json k3s install --role agent --version "$V" --mirror "$agent_mirror/releases" \
        --server "https://$net.2:6443" --token-file /root/join-token --node-ip "$net.3" --timeout 90 \
        >"$work/agent" 2>"$work/agent.err" || { cat "$work/agent" "$work/agent.err"; fail "agent install"; }
jq -e '.ready and .role == "agent"' "$work/agent" >/dev/null || fail "agent not ready"
for s in unit-active kubelet-healthz node-ready; do
        jq -e --arg s "$s" '[.steps[] | select(.name == $s and .status == "ok")] | length == 1' "$work/agent" \
                >/dev/null || fail "agent rung $s: $(jq -c .steps "$work/agent")"
done
nr=$(jq -r '.steps[] | select(.name == "node-ready") | .detail' "$work/agent")
grep -q "np-agent Ready=True" <<<"$nr" || fail "agent not Ready as the server sees it: $nr"
jq -e '.steps[] | select(.name == "ca-check") | .status == "ok"' "$work/agent" >/dev/null || fail "no CA check"
# The agent's side of the handshake, as K3s leaves it.
[ "$(stat -c %a "$A/etc/rancher/node/password")" = 600 ] || fail "node password"
grep -q "BEGIN CERTIFICATE" "$A/var/lib/rancher/k3s/agent/client-kubelet.crt" &&
        grep -q "PRIVATE KEY" "$A/var/lib/rancher/k3s/agent/client-kubelet.key" || fail "client-kubelet pair"
cmp -s "$A/var/lib/rancher/k3s/agent/server-ca.crt" "$(nspawn_root np-srv)/var/lib/rancher/k3s/server/tls/server-ca.crt" ||
        fail "agent server-ca.crt is not the server's CA"
secret=$(cut -d: -f4 <"$token")
if grep -rqF "$secret" "$work/agent" "$work/agent.err"; then fail "token printed"; fi
nspawn_exec np-agent sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done' >"$work/cmdlines"
grep -qF "$secret" "$work/cmdlines" && fail "token on a command line"
[ "$(nspawn_exec np-agent systemctl is-active k3s-agent.service)" = active ] || fail "k3s-agent not active"
nspawn_exec np-agent systemd-analyze verify /etc/systemd/system/k3s-agent.service || fail "verify agent unit"
echo "k3s join: agent Ready on $net.3 via server $net.2"
