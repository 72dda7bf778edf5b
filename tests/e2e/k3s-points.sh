#!/usr/bin/env bash
# Issue 9, points 2 and 4-11, on --root trees against the loopback mirror
# (cheap: no containers). Each check prints "ok   point N: ...".
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
need python3 jq

V=v1.31.4+k3s1
k3s_mirror_setup k3s-points "$V" 8
mode() { stat -c %a "$1"; }
fast=(--retries 1 --backoff-ms 50 --low-speed-time 3 --connect-timeout 2)
echo "K10$(printf "cd%.0s" {1..32})::server:p0int-secret" >"$work/token"

# install ROOT ARGS...: exit code in $rc, JSON in $work/out, stderr in $work/err
install() {
        local root=$1; shift
        mkdir -p "$root"
        set +e
        "$NODEPREP" --root "$root" --json k3s install --version "$V" --mirror "$MIRROR_URL" "${fast[@]}" "$@" \
                >"$work/out" 2>"$work/err"
        rc=$?
        set -e
}
step_detail() { jq -r --arg n "$1" '[.steps[] | select(.name == $n) | .detail] | join(" | ")' "$work/out"; }

# Point 4: a command already on PATH is not shadowed; --symlink skip|force.
R=$work/p4
mkdir -p "$R/usr/bin"
printf '#!/bin/sh\necho containerd ctr\n' >"$R/usr/bin/ctr"
chmod 755 "$R/usr/bin/ctr"
PATH=/usr/bin:/bin install "$R" --no-start
[ $rc -eq 0 ] || { cat "$work/err"; fail "point 4: exit $rc"; }
[ ! -e "$R/usr/local/bin/ctr" ] || fail "point 4: ctr link shadows /usr/bin/ctr"
[ "$(readlink "$R/usr/local/bin/kubectl")" = k3s ] || fail "point 4: kubectl not linked"
grep -q "ctr is on PATH at /usr/bin/ctr" <<<"$(step_detail link)" || fail "point 4: no reason: $(step_detail link)"
PATH=/usr/bin:/bin install "$R" --no-start --symlink force
[ "$(readlink "$R/usr/local/bin/ctr")" = k3s ] || fail "point 4: --symlink force did not link ctr"
install "$work/p4b" --no-start --symlink skip
for l in kubectl crictl ctr; do [ ! -e "$work/p4b/usr/local/bin/$l" ] || fail "point 4: --symlink skip made $l"; done
echo "ok   point 4: ctr on PATH kept, --symlink force links it, skip makes none"

# Point 5: --no-start enables (for the next boot); --no-enable does neither.
R=$work/p5
install "$R" --no-start
[ $rc -eq 0 ] || fail "point 5: --no-start exit $rc"
wants=$R/etc/systemd/system/multi-user.target.wants/k3s.service
[ "$(readlink "$wants")" = /etc/systemd/system/k3s.service ] || fail "point 5: --no-start left the unit disabled"
install "$work/p5b" --no-enable
[ $rc -eq 0 ] || fail "point 5: --no-enable exit $rc"
[ ! -e "$work/p5b/etc/systemd/system/multi-user.target.wants/k3s.service" ] || fail "point 5: --no-enable enabled"
jq -e '.steps[] | select(.name == "start") | .detail | test("no-enable")' "$work/out" >/dev/null ||
        fail "point 5: start step"
install "$work/p5c" --no-start --no-enable
[ $rc -eq 2 ] || fail "point 5: --no-start --no-enable exit $rc"
"$NODEPREP" --root "$R" k3s uninstall >/dev/null 2>&1 || fail "point 5: uninstall"
[ ! -L "$wants" ] || fail "point 5: uninstall kept the wants link"
echo "ok   point 5: --no-start enables, --no-enable neither, uninstall removes the link"

# Point 6: the operator's list keeps its items, their scalar keeps its value.
R=$work/p6
mkdir -p "$R/etc/rancher/k3s"
printf 'disable: [servicelb]\nwrite-kubeconfig-mode: "0644"\ntls-san:\n  - op.example\n' >"$R/etc/rancher/k3s/config.yaml"
install "$R" --no-start --tls-san node.example
[ $rc -eq 0 ] || { cat "$work/err"; fail "point 6: exit $rc"; }
c=$R/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
grep -qx "disable+: \[traefik\]" "$c" && grep -qx "tls-san+: \[node.example\]" "$c" || fail "point 6: lists: $(cat "$c")"
grep -q "write-kubeconfig-mode" "$c" && fail "point 6: kubeconfig mode overridden: $(cat "$c")"
grep -q 'kept write-kubeconfig-mode=0644 from /etc/rancher/k3s/config.yaml:2' <<<"$(step_detail config)" ||
        fail "point 6: difference not reported: $(step_detail config)"
# What K3s makes of both files (the stand-in's copy of parser.go's rules).
merged=$(K3S_CONFIG_FILE=$R/etc/rancher/k3s/config.yaml python3 -B -c '
import json, sys
sys.path.insert(0, sys.argv[1])
import standin
print(json.dumps(standin.merged_config([])[0], sort_keys=True))' "$NODEPREP_TOP/tests/e2e/k3s")
jq -e '.disable == ["servicelb", "traefik"] and .["write-kubeconfig-mode"] == "0644" and
        .["tls-san"] == ["op.example", "node.example"]' <<<"$merged" >/dev/null || fail "point 6: merged $merged"
# A broken operator file: exit 2, named with its line, nothing written.
printf 'disable: [servicelb\n' >"$R/etc/rancher/k3s/config.yaml.d/10-op.yaml"
cp "$c" "$work/c6"
install "$R" --no-start --tls-san other.example
[ $rc -eq 2 ] || fail "point 6: broken operator config: exit $rc"
grep -q "config.yaml.d/10-op.yaml:" "$work/err" || fail "point 6: $(cat "$work/err")"
cmp -s "$c" "$work/c6" || fail "point 6: drop-in rewritten after an error"
echo "ok   point 6: disable=[servicelb,traefik], mode 0644 kept and reported, broken file named"

# Point 8b: an operator's credential is reported as kept, never shown.
R=$work/p8b
mkdir -p "$R/etc/rancher/k3s"
printf 'token: "op-s3cret-token"\ndatastore-endpoint: "postgres://k3s:op-dbpw@db/k3s"\n' >"$R/etc/rancher/k3s/config.yaml"
install "$R" --no-start --token-file "$work/token" --datastore-endpoint 'postgres://k3s:cli-dbpw@db/k3s'
[ $rc -eq 0 ] || { cat "$work/err"; fail "point 8b: exit $rc"; }
detail=$(step_detail config)
grep -q 'kept token=(secret) from /etc/rancher/k3s/config.yaml:1' <<<"$detail" &&
        grep -q 'kept datastore-endpoint=(secret) from /etc/rancher/k3s/config.yaml:2' <<<"$detail" ||
        fail "point 8b: kept credentials not reported: $detail"
for s in op-s3cret-token op-dbpw cli-dbpw; do
        grep -q -- "$s" "$work/out" "$work/err" && fail "point 8b: $s shown: $detail"
done
echo "ok   point 8b: the operator's token and datastore endpoint kept, reported without their values"

# Point 7: K3S_* and CONTAINERD_* reach the unit's env file; K3S_TOKEN the token file.
R=$work/p7
K3S_URL=https://10.0.0.1:6443 K3S_TOKEN=env-t0ken K3S_NODE_NAME=worker-7 CONTAINERD_LOG_LEVEL=debug \
        install "$R" --role agent
[ $rc -eq 4 ] || { cat "$work/err"; fail "point 7: exit $rc"; }
envf=$R/etc/systemd/system/k3s-agent.service.env
for l in 'K3S_URL="https://10.0.0.1:6443"' 'K3S_NODE_NAME="worker-7"' 'CONTAINERD_LOG_LEVEL="debug"'; do
        grep -qxF "$l" "$envf" || fail "point 7: $l not in $(cat "$envf")"
done
grep -q env-t0ken "$envf" && fail "point 7: the token is in the env file"
[ "$(mode "$envf")" = 600 ] || fail "point 7: env mode"
grep -qx env-t0ken "$R/etc/rancher/k3s/nodeprep-token" && [ "$(mode "$R/etc/rancher/k3s/nodeprep-token")" = 600 ] ||
        fail "point 7: K3S_TOKEN not the token file"
grep -qx 'server: "https://10.0.0.1:6443"' "$R/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml" ||
        fail "point 7: K3S_URL not the server"
grep -q env-t0ken "$work/out" "$work/err" && fail "point 7: token printed"
# Point 2 with it: K3S_NODE_NAME in the env file is the name the ladder asks for.
"$NODEPREP" --root "$R" --json k3s status >"$work/st" 2>/dev/null || true
grep -q "node name: worker-7" <<<"$(jq -r '.steps[].detail' "$work/st")" || fail "point 2: $(cat "$work/st")"
echo "ok   point 7: K3S_URL, K3S_NODE_NAME, CONTAINERD_LOG_LEVEL carried (0600), K3S_TOKEN -> token file"

# Point 2: node-name from config.yaml.d (later wins), lower-cased, with-node-id.
mkdir -p "$R/etc/rancher/k3s/config.yaml.d" "$R/etc/rancher/node"
printf 'node-name: Edge-Node\n' >"$R/etc/rancher/k3s/config.yaml.d/80-op.yaml"
printf 'with-node-id: true\n' >"$R/etc/rancher/k3s/config.yaml.d/90-op.yaml"
echo 0a1b2c3d >"$R/etc/rancher/node/id"
"$NODEPREP" --root "$R" --json k3s status >"$work/st" 2>/dev/null || true
grep -q "node name: edge-node-0a1b2c3d" <<<"$(jq -r '.steps[].detail' "$work/st")" || fail "point 2: $(cat "$work/st")"
echo "ok   point 2: node-name from config.yaml.d, lower-cased, -<id> with with-node-id"

# Point 9: the kubelet healthz address the agent is configured with.
printf 'node-ip: fd00::7\n' >"$R/etc/rancher/k3s/config.yaml.d/85-op.yaml"
"$NODEPREP" --root "$R" --json k3s status >"$work/st" 2>/dev/null || true
grep -q 'kubelet healthz: http://\[::1\]:10248/healthz' <<<"$(jq -r '.steps[].detail' "$work/st")" ||
        fail "point 9: $(cat "$work/st")"
printf 'kubelet-arg+: [healthz-bind-address=127.0.0.9, healthz-port=10999]\n' \
        >"$R/etc/rancher/k3s/config.yaml.d/86-op.yaml"
"$NODEPREP" --root "$R" --json k3s status >"$work/st" 2>/dev/null || true
grep -q 'kubelet healthz: http://127.0.0.9:10999/healthz' <<<"$(jq -r '.steps[].detail' "$work/st")" ||
        fail "point 9: kubelet-arg: $(cat "$work/st")"
echo "ok   point 9: IPv6-only agent asks [::1]:10248, kubelet-arg healthz-bind-address/port honoured"

# Point 8: no hash of a secret in the world-readable manifest.
R=$work/p8
install "$R" --token-file "$work/token" --datastore-endpoint 'postgres://k3s:dbpw@db/k3s'
[ $rc -eq 4 ] || fail "point 8: exit $rc"
man=$R/var/lib/nodeprep/k3s-install.json sec=$R/var/lib/nodeprep/k3s-install.secrets.json
[ "$(mode "$man")" = 644 ] && [ "$(mode "$sec")" = 600 ] || fail "point 8: modes $(mode "$man") $(mode "$sec")"
for f in etc/rancher/k3s/nodeprep-token etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml etc/systemd/system/k3s.service.env; do
        h=$(sha256sum "$R/$f" | cut -c1-64)
        grep -q "$h" "$man" && fail "point 8: sha256 of /$f in the readable manifest"
        grep -q "$h" "$sec" || fail "point 8: /$f not in the 0600 secrets file"
        jq -e --arg p "/$f" '.files[$p] == "secret"' "$man" >/dev/null || fail "point 8: /$f not marked"
done
# Edits of a secret file are still detected.
echo "# operator" >>"$R/etc/systemd/system/k3s.service.env"
"$NODEPREP" --root "$R" k3s uninstall >/dev/null 2>&1 || fail "point 8: uninstall"
[ -e "$R/etc/systemd/system/k3s.service.env" ] && [ ! -e "$R/etc/rancher/k3s/nodeprep-token" ] && [ ! -e "$sec" ] ||
        fail "point 8: uninstall of secret files"
echo "ok   point 8: token, config and env hashes only in the 0600 secrets file; edits still kept"

# Point 10: caps, deadline, free space, leftovers.
R=$work/p10
mkdir -p "$R/usr/local/bin"
k3s_mirror_fault huge
t0=$SECONDS
install "$R"
[ $rc -eq 1 ] && grep -q "declares 10737418240 bytes, over the 512 MiB cap" "$work/err" ||
        fail "point 10: huge: rc $rc $(cat "$work/err")"
[ -z "$(ls -A "$R/usr/local/bin")" ] || fail "point 10: huge left $(ls -A "$R/usr/local/bin")"
k3s_mirror_fault drip
t0=$SECONDS
install "$R" --download-timeout 4
[ $rc -eq 1 ] && grep -q "deadline" "$work/err" || fail "point 10: drip: rc $rc $(cat "$work/err")"
[ $((SECONDS - t0)) -lt 40 ] || fail "point 10: drip took $((SECONDS - t0))s"
[ -z "$(ls -A "$R/usr/local/bin")" ] || fail "point 10: drip left $(ls -A "$R/usr/local/bin")"
k3s_mirror_fault none
if unshare -m true 2>/dev/null; then
        # A filesystem with less room than the binary and the reserve.
        mkdir -p "$work/p10s/usr/local/bin"
        set +e
        unshare -m sh -c 'mount -t tmpfs -o size=20m tmpfs "$1/usr/local/bin" && shift && exec "$@"' sh \
                "$work/p10s" "$NODEPREP" --root "$work/p10s" k3s install --version "$V" --mirror "$MIRROR_URL" \
                "${fast[@]}" >/dev/null 2>"$work/err"
        rc=$?
        set -e
        [ $rc -eq 1 ] && grep -q "do not fit: 20 MiB free" "$work/err" || fail "point 10: space: rc $rc $(cat "$work/err")"
        echo "ok   point 10: no room -> refused before writing: $(grep "^nodeprep:" "$work/err")"
else
        echo "note point 10: no mount namespace here; free-space check not exercised"
fi
printf 'partial' >"$R/usr/local/bin/.k3s.a1B2c3"
install "$R" --no-start
[ $rc -eq 0 ] && [ ! -e "$R/usr/local/bin/.k3s.a1B2c3" ] || fail "point 10: reinstall kept the leftover"
grep -q ".k3s.a1B2c3 removed" <<<"$(step_detail leftover)" || fail "point 10: leftover not reported"
printf 'partial' >"$R/usr/local/bin/.k3s.Zz9Yy8"
"$NODEPREP" --root "$R" k3s uninstall --purge >/dev/null 2>&1 || fail "point 10: purge"
[ ! -e "$R/usr/local/bin/.k3s.Zz9Yy8" ] || fail "point 10: purge kept the leftover"
echo "ok   point 10: 10 GB declared refused, 2 KB/s drip stopped at the deadline, leftovers removed"

# Point 11: a tampered manifest is refused, nothing removed, nothing stopped.
R=$work/p11
install "$R" --no-start
[ $rc -eq 0 ] || fail "point 11: install"
mkdir -p "$R/etc/ssh"
echo "root:x:0:0::/root:/bin/sh" >"$R/etc/passwd"
echo "PermitRootLogin no" >"$R/etc/ssh/sshd_config"
man=$R/var/lib/nodeprep/k3s-install.json
cp "$man" "$work/good.json"
ph=$(sha256sum "$R/etc/passwd" | cut -c1-64)
try_tampered() {  # jq filter, expected text
        jq "$1" "$work/good.json" >"$man"
        set +e
        "$NODEPREP" --root "$R" k3s uninstall --purge >"$work/o" 2>"$work/err"
        rc=$?
        set -e
        [ $rc -eq 2 ] || fail "point 11: '$1': exit $rc"
        grep -q "k3s-install.json" "$work/err" && grep -qF "$2" "$work/err" || fail "point 11: '$1': $(cat "$work/err")"
        [ -e "$R/etc/passwd" ] && [ -e "$R/etc/ssh/sshd_config" ] && [ -e "$R/usr/local/bin/k3s" ] ||
                fail "point 11: '$1' removed files"
}
try_tampered ".files[\"/etc/passwd\"] = \"$ph\"" '"/etc/passwd"'
try_tampered '.unit = "ssh.service"' '"ssh.service"'
try_tampered '.links += ["/etc/ssh/sshd_config"]' '"/etc/ssh/sshd_config"'
try_tampered '.files["/usr/local/bin/../../etc/passwd"] = "'"$ph"'"' 'not a path'
try_tampered '.extra = 1' 'unknown entry "extra"'
# install refuses it too, before touching anything.
jq '.unit = "ssh.service"' "$work/good.json" >"$man"
install "$R" --no-start
[ $rc -eq 2 ] && grep -q "ssh.service" "$work/err" || fail "point 11: install with a tampered manifest: rc $rc"
cp "$work/good.json" "$man"
"$NODEPREP" --root "$R" k3s uninstall >/dev/null 2>&1 || fail "point 11: good manifest"
[ -e "$R/etc/passwd" ] && [ ! -e "$R/usr/local/bin/k3s" ] || fail "point 11: good uninstall"
echo "ok   point 11: /etc/passwd, ssh.service, foreign links, .. paths, unknown keys: exit 2, nothing removed"
echo "k3s points: all checks passed"
