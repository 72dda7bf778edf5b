#!/usr/bin/env bash
# The nodeprep_gateway Ansible module against a --root fixture (the agent is
# wrapped to add --root): check mode changes nothing and reports the files,
# diff mode, apply, idempotence, verify, and remove.
source "$(dirname "$0")/lib.sh"
command -v ansible-playbook >/dev/null || skip "ansible-playbook not installed (scripts/install-deps.sh)"
R=$TMP/root
mkdir -p "$R/usr/sbin" "$R/usr/bin" "$R/etc/nginx/conf.d" "$R/etc/nginx/sites-available" "$R/etc/nginx/sites-enabled" \
        "$R/var/lib" "$TMP/ac/ansible_collections/nodeprep"
touch "$R/usr/sbin/nginx" "$R/usr/bin/certbot"
ln -s "$NODEPREP_TOP/packaging/ansible" "$TMP/ac/ansible_collections/nodeprep/node"
printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$NODEPREP" "$R" >"$TMP/np"
chmod +x "$TMP/np"
before=$(tree_sum "$R")
G="domain: fn.example.com, tls: none, function_timeout: 2m, rate: 20/s, burst: 5, nodeprep_path: $TMP/np"
cat >"$TMP/play.yml" <<PLAY
- hosts: localhost
  gather_facts: false
  tasks:
    - nodeprep.node.nodeprep_gateway: {$G}
      check_mode: true
      diff: true
      register: plan
    - assert:
        that:
          - plan.changed
          - plan.files | map(attribute='action') | unique == ['create']
          - "'limit_req zone=nodeprep_fn burst=5 nodelay;' in plan.diff.after"
    - nodeprep.node.nodeprep_gateway: {$G}
      register: apply
    - assert: {that: [apply.changed, apply.timeouts.nginx == 135, apply.timeouts.gateway_read_write == 125]}
    - nodeprep.node.nodeprep_gateway: {$G}
      register: again
    - assert: {that: [not again.changed]}
    - nodeprep.node.nodeprep_gateway: {$G, state: verified}
    - nodeprep.node.nodeprep_gateway: {$G, burst: 9, state: verified}
      register: drift
      ignore_errors: true
    - assert: {that: [drift.failed, "'differs from what these options render' in drift.msg"]}
    - nodeprep.node.nodeprep_gateway: {domain: fn.example.com, nodeprep_path: $TMP/np, state: absent}
      register: removed
    - assert: {that: [removed.changed]}
PLAY
run 0 env ANSIBLE_COLLECTIONS_PATH="$TMP/ac" ANSIBLE_HOME="$TMP/ah" ANSIBLE_LOCALHOST_WARNING=false \
        ANSIBLE_INVENTORY_UNPARSED_WARNING=false ansible-playbook -i localhost, -c local "$TMP/play.yml"
contains "$out" "failed=0"
[ ! -e "$R/etc/nginx/sites-available/nodeprep-gateway.conf" ] || fail "absent left the site"; ok
done_ok
