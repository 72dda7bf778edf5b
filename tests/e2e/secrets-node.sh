#!/usr/bin/env bash
# The journal part of "no secret anywhere": in a booted Debian 12 container
# with the .deb installed, `nodeprep bootstrap` runs as a systemd unit (its
# stdout and stderr go to the journal) with a --report-url carrying a user,
# a password and a query token and a datastore endpoint with a password
# (--datastore-endpoint-file). Afterwards none of them is in the journal or
# in any world-readable file of the node. (argv is checked mid-run by
# tests/e2e/secrets.sh, which can watch /proc/PID/cmdline.)
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
bn_require
V=v1.31.4+k3s1
nspawn_workdir np-secrets-node
N=$(bn_name sn)
k3s_release_dir "$work/rel" "$V" 2
bn_node_start $N "$V" "$work/rel" || fail "container"
on() { nspawn_exec $N "$@"; }
on apt-get install -y -q /srv/nodeprep-apt/$(basename "$BN_DEB") >"$work/apt" 2>&1 || { cat "$work/apt"; fail "apt install"; }
R=$(nspawn_root $N)

REPORT_PASS=hunter2-node-report-pass
QUERY_TOKEN=node-query-token-77c1
DB_PASS=node-db-password-5e2b
printf 'postgres://k3s:%s@db.internal:5432/k3s\n' "$DB_PASS" | on install -m 0600 /dev/stdin /root/datastore
report="http://prov:$REPORT_PASS@127.0.0.1:$BN_SINK_PORT/report?token=$QUERY_TOKEN"
since=$(on date '+%Y-%m-%d %H:%M:%S')
set +e
# --description: systemd would log the command line (ours, with the URL) as
# the unit's name; what is checked is what nodeprep itself says and writes.
on systemd-run --unit=nodeprep-secrets-test --description="nodeprep bootstrap (secrets test)" --wait --collect -p StandardOutput=journal -p StandardError=journal \
        nodeprep bootstrap --profile container --version "$V" --mirror "$BN_MIRROR_URL" --no-service --timeout 60 \
        --allow-netns --ignore-preflight overlay,default-route,kmsg,kernel-config \
        --report-url "$report" --datastore-endpoint-file /root/datastore >"$work/run" 2>&1
set -e
# The K3s stand-in's own log and state file (tests/e2e/k3s/standin.py) are
# the test's, not nodeprep's: left out.
on journalctl -q --since "$since" -o cat >"$work/journal.all" 2>&1 || fail "journalctl in the container"
grep -v '^standin: ' "$work/journal.all" >"$work/journal" || true
grep -q "bootstrap" "$work/journal" || fail "the bootstrap's output is not in the journal: $(tail -5 "$work/journal")"
ls "$R"/var/tmp/reports/*.json >/dev/null 2>&1 || fail "no report reached the sink"
grep -q "$DB_PASS" "$R/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml" 2>/dev/null ||
        fail "the endpoint did not reach K3s's config; the run: $(tail -n 15 "$work/journal")"

leaks=0
for s in "$REPORT_PASS" "$QUERY_TOKEN" "$DB_PASS"; do
        if grep -q -- "$s" "$work/journal"; then
                echo "LEAK: $s in the journal:"; grep -- "$s" "$work/journal" | cut -c1-300; leaks=$((leaks + 1))
        fi
        hits=$(cd "$R" && find . -xdev -type f -perm -004 ! -path './proc/*' ! -path './sys/*' \
                ! -path ./var/lib/rancher/k3s/standin-config.json -size -20M \
                -exec grep -l -F -- "$s" {} + 2>/dev/null || true)
        if [ -n "$hits" ]; then echo "LEAK: $s in world-readable $hits"; leaks=$((leaks + 1)); fi
done
[ "$leaks" -eq 0 ] || fail "$leaks leak(s)"
echo "ok   journal ($(wc -l <"$work/journal") lines) and every world-readable file of the node: no report password," \
        "query token or datastore password"
