#!/usr/bin/env bash
# Server + agent join between two booted Debian 12 containers on a private
# bridge this test creates: the agent's token comes from the server's
# node-token through a 0600 file, and the agent reaches Ready as the server
# sees it.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-node.sh"
nspawn_require

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/k3s-join.XXXXXX)
nspawn_on_exit rm -rf "$work"
fail() { echo "FAIL: $*"; exit 1; }
# A bridge and a subnet of our own (RFC 1918), named per run.
br=npk$$
br=${br:0:15}
net=10.213.$(( $$ % 200 + 20 ))
nspawn_bridge_create "$br" "$net.1/24"
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
[ "$(stat -c %a "$token")" = 600 ] || fail "node-token mode"
install -m 0600 "$token" "$(nspawn_root np-agent)/root/join-token"

nspawn_exec np-agent nodeprep --json k3s install --role agent --version "$V" --mirror "$agent_mirror/releases" \
        --server "https://$net.2:6443" --token-file /root/join-token --node-ip "$net.3" --timeout 90 \
        >"$work/agent" 2>"$work/agent.err" || { cat "$work/agent" "$work/agent.err"; fail "agent install"; }
jq -e '.ready and .role == "agent"' "$work/agent" >/dev/null || fail "agent not ready"
for s in unit-active kubelet-healthz node-ready; do
        jq -e --arg s "$s" '[.steps[] | select(.name == $s and .status == "ok")] | length == 1' "$work/agent" \
                >/dev/null || fail "agent rung $s: $(jq -c .steps "$work/agent")"
done
grep -q "np-agent Ready=True" <<<"$(jq -r '.steps[] | select(.name == "node-ready") | .detail' "$work/agent")" ||
        fail "agent not Ready as the server sees it"
secret=$(cut -d: -f4 <"$token")
if grep -rqF "$secret" "$work/agent" "$work/agent.err"; then fail "token printed"; fi
nspawn_exec np-agent sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done' >"$work/cmdlines"
grep -qF "$secret" "$work/cmdlines" && fail "token on a command line"
[ "$(nspawn_exec np-agent systemctl is-active k3s-agent.service)" = active ] || fail "k3s-agent not active"
nspawn_exec np-agent systemd-analyze verify /etc/systemd/system/k3s-agent.service || fail "verify agent unit"
echo "k3s join: agent Ready on $net.3 via server $net.2"
