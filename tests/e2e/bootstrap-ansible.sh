#!/usr/bin/env bash
# The Ansible collection against the real agent in booted Debian 12
# containers. (1) Inside one container, `ansible-playbook -i localhost, -c
# local`: check mode changes nothing and shows a diff; the first run reports
# changed, the second changed=0; a bad profile fails with msg, rc and stderr.
# (2) A fleet: two containers on a private bridge this test creates; the
# shipped playbooks/fleet.yml makes one a server (cluster-init) and joins the
# other as an agent with the token read from the server; both Ready (K3s
# stand-in). Ansible runs on this machine with its modules executed inside
# the containers (local connection, pipelining, a python3 that nsenters).
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
bn_require ansible-playbook
V=v1.31.4+k3s1
nspawn_workdir np-boot-ans
export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
        ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_HOME=$work/ansible-home
k3s_release_dir "$work/rel" "$V" 4

# A bridge and a subnet of our own (RFC 1918), named per run.
nspawn_test_bridge npa 214 || fail "bridge"
SRV=$(bn_name as) AGT=$(bn_name ag)
bn_node_start $SRV "$V" "$work/rel" --bridge "$br" --ip "$net.2/24" || fail "start server"
bn_node_start $AGT "$V" "$work/rel" --bridge "$br" --ip "$net.3/24" || fail "start agent"
for n in $SRV $AGT; do
        nspawn_exec $n apt-get install -y -q "/srv/nodeprep-apt/$(basename "$BN_DEB")" >"$work/apt" 2>&1 ||
                { cat "$work/apt"; fail "apt install on $n"; }
done

# 1. Inside the server container, against localhost.
R=$(nspawn_root $SRV)
mkdir -p "$R/root/ac/ansible_collections/nodeprep"
cp -a "$NODEPREP_TOP/packaging/ansible" "$R/root/ac/ansible_collections/nodeprep/node"
cp "$BN_DIR/ansible-site.yml" "$R/root/site.yml"
play() {
        nspawn_exec $SRV env ANSIBLE_COLLECTIONS_PATH=/root/ac ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false \
                ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_STDOUT_CALLBACK=default \
                ansible-playbook -i localhost, -c local /root/site.yml "$@"
}
before=$(nspawn_exec $SRV sysctl -n net.core.somaxconn)
play --check --diff >"$work/check" 2>&1 || { cat "$work/check"; fail "check mode"; }
grep -q "changed=1" "$work/check" || { cat "$work/check"; fail "check mode reports no change"; }
grep -q "^+net.core.somaxconn = 32768" "$work/check" || { cat "$work/check"; fail "no diff"; }
grep -q "^-net.core.somaxconn = $before" "$work/check" || { cat "$work/check"; fail "diff lacks the live value"; }
[ "$(nspawn_exec $SRV sysctl -n net.core.somaxconn)" = "$before" ] || fail "check mode changed a value"
[ ! -e "$R/etc/sysctl.d/99-zz-nodeprep.conf" ] || fail "check mode wrote the drop-in"
echo "ok   check mode: changed=1 with a diff (-$before +32768), nothing written"
play >"$work/run1" 2>&1 || { cat "$work/run1"; fail "first run"; }
grep -q "changed=1" "$work/run1" || { cat "$work/run1"; fail "first run not changed"; }
[ "$(nspawn_exec $SRV sysctl -n net.core.somaxconn)" = 32768 ] || fail "not applied"
play >"$work/run2" 2>&1 || { cat "$work/run2"; fail "second run"; }
grep -q "changed=0" "$work/run2" || { cat "$work/run2"; fail "second run not idempotent"; }
echo "ok   first run changed=1, second changed=0; nodeprep_facts gathered"
if play -e profile=no-such-profile >"$work/bad" 2>&1; then fail "bad profile succeeded"; fi
grep -q '"msg": "nodeprep apply failed: profile .no-such-profile. not found' "$work/bad" &&
        grep -q '"rc": 2' "$work/bad" && grep -q '"stderr": "nodeprep: apply: profile' "$work/bad" ||
        { cat "$work/bad"; fail "bad profile: msg, rc, stderr"; }
echo "ok   bad profile: failed with msg, rc 2 and stderr"

# 2. The fleet playbook from this machine, modules run inside the containers.
mkdir -p "$work/ac/ansible_collections/nodeprep"
cp -a "$NODEPREP_TOP/packaging/ansible" "$work/ac/ansible_collections/nodeprep/node"
for n in $SRV $AGT; do
        leader=$(nspawn_leader $n)
        printf '#!/bin/sh\nexec nsenter -t %s -m -u -i -n -p -C -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /usr/bin/python3 "$@"\n' \
                "$leader" >"$work/py-$n"
        chmod +x "$work/py-$n"
done
cat >"$work/inventory.ini" <<INV
[k3s_servers]
$SRV ansible_python_interpreter=$work/py-$SRV k3s_node_ip=$net.2 k3s_tls_san='["$net.2"]'
[k3s_agents]
$AGT ansible_python_interpreter=$work/py-$AGT k3s_node_ip=$net.3
[all:vars]
ansible_connection=local
ansible_pipelining=true
ansible_become=false
k3s_api_address=$net.2
k3s_version=$V
k3s_mirror=$BN_MIRROR_URL
k3s_timeout=90
nodeprep_profile=container
nodeprep_allow_netns=true
INV
ANSIBLE_COLLECTIONS_PATH=$work/ac ansible-playbook -i "$work/inventory.ini" "$NODEPREP_TOP/packaging/ansible/playbooks/fleet.yml" \
        >"$work/fleet" 2>&1 || { cat "$work/fleet"; fail "fleet playbook"; }
grep -q "$SRV .*failed=0" "$work/fleet" && grep -q "$AGT .*failed=0" "$work/fleet" || { cat "$work/fleet"; fail "recap"; }
[ "$(nspawn_exec $SRV systemctl is-active k3s.service)" = active ] || fail "server k3s not active"
[ "$(nspawn_exec $AGT systemctl is-active k3s-agent.service)" = active ] || fail "agent not active"
nspawn_exec $AGT nodeprep --json k3s status >"$work/agst" 2>/dev/null || fail "agent not ready"
grep -q "$AGT Ready=True" <<<"$(jq -r '.steps[] | select(.name == "node-ready") | .detail' "$work/agst")" ||
        fail "agent not Ready as the server sees it: $(cat "$work/agst")"
secret=$(cut -d: -f4 <"$(nspawn_root $SRV)/var/lib/rancher/k3s/server/token")  # node-token: a link to it, absolute inside the node
grep -qF "$secret" "$work/fleet" && fail "token in the playbook output"
nspawn_exec $AGT sh -c 'ls /tmp/nodeprep-token-* 2>/dev/null' && fail "token file left behind"
ANSIBLE_COLLECTIONS_PATH=$work/ac ansible-playbook -i "$work/inventory.ini" "$NODEPREP_TOP/packaging/ansible/playbooks/fleet.yml" \
        >"$work/fleet2" 2>&1 || { cat "$work/fleet2"; fail "fleet rerun"; }
grep -q "$SRV .*changed=0" "$work/fleet2" && grep -q "$AGT .*changed=0" "$work/fleet2" ||
        { grep -A3 RECAP "$work/fleet2"; fail "fleet rerun changed something"; }
echo "ok   fleet: server (cluster-init) on $net.2, agent joined on $net.3 with the server's token, both Ready; rerun changed=0"
