#!/usr/bin/env bash
# k3s install/status/uninstall on a plain --root tree (no systemd): the files,
# their modes and contents, exit 4, idempotence, air-gap, uninstall that
# removes only what install wrote.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/k3s-root.XXXXXX)
trap 'k3s_mirror_stop; rm -rf "$work"' EXIT
k3s_release_dir "$work/rel" "$V" 4
k3s_mirror_start "$work/rel" "$V"
fail() { echo "FAIL: $*"; exit 1; }
mode() { stat -c %a "$1"; }
R=$work/root
mkdir -p "$R"
echo "K10$(printf "ab%.0s" {1..32})::server:s3cr3t-token-value" >"$work/token"

# 1. First install, server, channel resolution: exit 4 (no systemd), JSON shape.
set +e
out=$("$NODEPREP" --root "$R" --json k3s install --channel stable --channel-url "$CHANNEL_URL" \
        --mirror "$MIRROR_URL" --tls-san node.example --node-ip 10.0.0.5 --token-file "$work/token" 2>"$work/err")
rc=$?
set -e
[ $rc -eq 4 ] || { cat "$work/err"; fail "exit $rc, expected 4"; }
grep -q "no systemd" "$work/err" || fail "no reason on stderr"
echo "$out" | jq -e '.changed == true and .version == "'"$V"'" and .role == "server" and .ready == false
        and (.steps | length) > 5 and (.steps[0] | has("name") and has("status") and has("detail"))' >/dev/null ||
        fail "json: $out"
grep -q s3cr3t <<<"$out" && fail "token printed"
grep -q s3cr3t "$work/err" && fail "token on stderr"
grep -q "GET /releases/download/v1.31.4%2Bk3s1/k3s" <<<"$(k3s_mirror_requests)" || fail "'+' not sent as %2B"

cmp "$R/usr/local/bin/k3s" "$work/rel/k3s" || fail "binary differs"
[ "$(mode "$R/usr/local/bin/k3s")" = 755 ] || fail "binary mode"
for l in kubectl crictl ctr; do [ "$(readlink "$R/usr/local/bin/$l")" = k3s ] || fail "link $l"; done
u=$R/etc/systemd/system/k3s.service
[ "$(mode "$u")" = 644 ] || fail "unit mode"
for d in Type=notify KillMode=process Delegate=yes LimitNOFILE=1048576 TasksMax=infinity Restart=always \
        "ExecStartPre=-/sbin/modprobe br_netfilter" "ExecStartPre=-/sbin/modprobe overlay" \
        "EnvironmentFile=-/etc/systemd/system/k3s.service.env" TimeoutStartSec=0 "WantedBy=multi-user.target"; do
        grep -qxF "$d" "$u" || fail "unit lacks $d"
done
grep -q "s3cr3t" "$u" && fail "token in the unit"
[ "$(mode "$R/etc/systemd/system/k3s.service.env")" = 600 ] || fail "env mode"
c=$R/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
[ "$(mode "$c")" = 600 ] || fail "config mode"
grep -qx "disable+: \[traefik\]" "$c" || { cat "$c"; fail "disable traefik"; }
grep -qx 'write-kubeconfig-mode: "0600"' "$c" || fail "kubeconfig mode"
grep -qx "tls-san+: \[node.example\]" "$c" || fail "tls-san"
grep -qx 'node-ip: "10.0.0.5"' "$c" || fail "node-ip"
grep -qx 'token-file: "/etc/rancher/k3s/nodeprep-token"' "$c" || fail "token-file"
grep -q s3cr3t "$c" && fail "token in config"
[ "$(mode "$R/etc/rancher/k3s/nodeprep-token")" = 600 ] || fail "token copy mode"
grep -q s3cr3t "$R/etc/rancher/k3s/nodeprep-token" || fail "token copy"
jq -e '.files["/usr/local/bin/k3s"] and (.links | length) == 4' "$R/var/lib/nodeprep/k3s-install.json" >/dev/null ||
        fail "manifest"
# No systemd under --root: enabled the way systemctl --root does, for the next boot.
[ "$(readlink "$R/etc/systemd/system/multi-user.target.wants/k3s.service")" = /etc/systemd/system/k3s.service ] ||
        fail "not enabled offline"
grep -q '^\.k3s' <<<"$(ls -a "$R/usr/local/bin")" && fail "temporary file left"

# 2. Again: nothing changes, no binary download (hash matches), still exit 4.
n_before=$(k3s_mirror_requests | grep -c "/k3s$" || true)
set +e
out=$("$NODEPREP" --root "$R" --json k3s install --version "$V" --mirror "$MIRROR_URL" --tls-san node.example \
        --node-ip 10.0.0.5 --token-file "$work/token" 2>/dev/null)
rc=$?
set -e
[ $rc -eq 4 ] || fail "rerun exit $rc"
echo "$out" | jq -e '.changed == false' >/dev/null || fail "rerun changed: $out"
echo "$out" | jq -e '.steps[] | select(.name == "binary") | .status == "unchanged"' >/dev/null || fail "binary step"
[ "$(k3s_mirror_requests | grep -c "/k3s$" || true)" = "$n_before" ] || fail "binary downloaded again"

# 3. LimitNOFILE follows the applied profile.
mkdir -p "$R/var/lib/nodeprep"
# A record as apply writes it: it is read checked (tune_applied_load()).
echo '{"version":1,"profile":"x","file":"/etc/nodeprep/profiles/x.ini","keys":[],"modules":[],"nofile":524288,"files":{}}' \
        >"$R/var/lib/nodeprep/applied.json"
"$NODEPREP" --root "$R" k3s install --version "$V" --mirror "$MIRROR_URL" --tls-san node.example \
        --node-ip 10.0.0.5 --token-file "$work/token" --no-start >/dev/null 2>&1 || fail "--no-start exit"
grep -qx "LimitNOFILE=524288" "$u" || fail "LimitNOFILE from the profile"
rm "$R/var/lib/nodeprep/applied.json"

# 4. Status under --root: not ready, exit 3.
set +e
"$NODEPREP" --root "$R" --json k3s status >"$work/st" 2>/dev/null
rc=$?
set -e
[ $rc -eq 3 ] || fail "status exit $rc"
jq -e '.ready == false and .version == "'"$V"'"' "$work/st" >/dev/null || fail "status json"

# 5. Usage errors: exit 2, nothing touched.
for args in "--role agent" "--version stable" "--channel nope" "--cluster-init --datastore-endpoint x" \
        "--role agent --server http://x:6443 --token-file $work/token" "--version $V --channel stable"; do
        set +e
        # shellcheck disable=SC2086
        "$NODEPREP" --root "$work/none" k3s install $args >/dev/null 2>&1
        rc=$?
        set -e
        [ $rc -eq 2 ] || fail "'$args': exit $rc, expected 2"
done
[ ! -e "$work/none" ] || fail "usage error touched the tree"

# 6. https only: plain http to a non-loopback host is refused.
mkdir -p "$work/r2"
set +e
"$NODEPREP" --root "$work/r2" --json k3s install --version "$V" --mirror http://192.0.2.1/releases \
        --retries 0 >"$work/o" 2>"$work/e"
rc=$?
set -e
[ $rc -eq 1 ] || fail "http mirror exit $rc"
grep -q "only https" "$work/e" || fail "http refusal message: $(cat "$work/e")"

# 6b. Proxy variables (and only they) reach the unit's .env file, 0600.
HTTPS_PROXY=http://proxy.invalid:3128 no_proxy=localhost,10.0.0.0/8 K3S_TOKEN=leak SECRET_X=1 \
        "$NODEPREP" --root "$R" k3s install --version "$V" --mirror "$MIRROR_URL" --tls-san node.example \
        --node-ip 10.0.0.5 --token-file "$work/token" --no-start >/dev/null 2>&1 || fail "proxy install"
envf=$R/etc/systemd/system/k3s.service.env
grep -qx 'HTTPS_PROXY="http://proxy.invalid:3128"' "$envf" || fail "HTTPS_PROXY not in .env: $(cat "$envf")"
grep -qx 'no_proxy="localhost,10.0.0.0/8"' "$envf" || fail "no_proxy not in .env"
grep -Eq "K3S_TOKEN|SECRET_X|PATH=" "$envf" && fail ".env holds more than proxy variables"
[ "$(mode "$envf")" = 600 ] || fail "env mode after rewrite"

# 7. Uninstall removes only what install wrote.
echo "mine" >"$R/usr/local/bin/other-tool"
echo "# operator edit" >>"$R/etc/systemd/system/k3s.service.env"
"$NODEPREP" --root "$R" --json k3s uninstall >"$work/un" 2>/dev/null || fail "uninstall exit"
[ ! -e "$R/usr/local/bin/k3s" ] || fail "binary kept"
for l in kubectl crictl ctr; do [ ! -L "$R/usr/local/bin/$l" ] || fail "link $l kept"; done
[ ! -e "$u" ] && [ ! -e "$c" ] && [ ! -e "$R/etc/rancher/k3s/nodeprep-token" ] || fail "files kept"
[ -e "$R/usr/local/bin/other-tool" ] || fail "foreign file removed"
[ -e "$R/etc/systemd/system/k3s.service.env" ] || fail "edited env file removed"
[ ! -e "$R/var/lib/nodeprep/k3s-install.json" ] || fail "manifest kept"
jq -e '.changed == true' "$work/un" >/dev/null || fail "uninstall json"

# 7b. --purge also removes the data K3s made.
mkdir -p "$R/var/lib/rancher/k3s/server/tls" "$R/etc/rancher/node"
echo x >"$R/var/lib/rancher/k3s/server/tls/server-ca.crt"
echo x >"$R/etc/rancher/k3s/k3s.yaml"
"$NODEPREP" --root "$R" k3s uninstall --purge >/dev/null 2>&1 || fail "purge exit"
[ ! -e "$R/var/lib/rancher/k3s" ] && [ ! -e "$R/etc/rancher/k3s/k3s.yaml" ] && [ ! -e "$R/etc/rancher/node" ] ||
        fail "purge left data"
[ -e "$R/usr/local/bin/other-tool" ] || fail "purge removed a foreign file"

# 8. Agent role: k3s-agent.service, token copied, server in the config, no disable.
R3=$work/agent
mkdir -p "$R3"
set +e
"$NODEPREP" --root "$R3" k3s install --role agent --version "$V" --mirror "$MIRROR_URL" \
        --server https://10.0.0.1:6443 --token-file "$work/token" >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 4 ] || fail "agent exit $rc"
grep -q "^    agent$" "$R3/etc/systemd/system/k3s-agent.service" || fail "agent ExecStart"
c3=$R3/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
grep -qx 'server: "https://10.0.0.1:6443"' "$c3" || fail "agent server"
grep -q "disable" "$c3" && fail "agent has disable"

# 8b. HA: first server with --cluster-init, an additional server joining it,
#     an external datastore; --disable replaces the default list.
R5=$work/ha1; mkdir -p "$R5"
"$NODEPREP" --root "$R5" k3s install --version "$V" --mirror "$MIRROR_URL" --cluster-init \
        --disable traefik --disable servicelb --no-start >/dev/null 2>&1 || fail "cluster-init exit"
c5=$R5/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
grep -qx "cluster-init: true" "$c5" && grep -qx "disable+: \[traefik, servicelb\]" "$c5" || fail "cluster-init config: $(cat "$c5")"
R6=$work/ha2; mkdir -p "$R6"
"$NODEPREP" --root "$R6" k3s install --version "$V" --mirror "$MIRROR_URL" --server https://10.0.0.1:6443 \
        --token-file "$work/token" --no-start >/dev/null 2>&1 || fail "additional server exit"
c6=$R6/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
grep -qx 'server: "https://10.0.0.1:6443"' "$c6" && grep -q "^    server$" "$R6/etc/systemd/system/k3s.service" ||
        fail "additional server config"
R7=$work/ha3; mkdir -p "$R7"
"$NODEPREP" --root "$R7" k3s install --version "$V" --mirror "$MIRROR_URL" --no-start \
        --datastore-endpoint 'postgres://k3s:pw@db:5432/k3s?sslmode=require' >"$work/o7" 2>&1 || fail "datastore exit"
grep -qx 'datastore-endpoint: "postgres://k3s:pw@db:5432/k3s?sslmode=require"' \
        "$R7/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml" || fail "datastore config"
grep -q "pw@db" "$work/o7" && fail "datastore credentials printed"

# 8c. Progress: a bar on a TTY, plain lines otherwise.
if command -v script >/dev/null; then
        R8=$work/tty; mkdir -p "$R8"
        script -qec "$NODEPREP --root $R8 k3s install --version $V --mirror $MIRROR_URL --no-start" /dev/null \
                >"$work/tty.out" 2>&1 || fail "tty install"
        grep -q 'k3s \[#*\.*\] 100%' "$work/tty.out" || fail "no progress bar on a TTY"
fi
R9=$work/notty; mkdir -p "$R9"
"$NODEPREP" --root "$R9" k3s install --version "$V" --mirror "$MIRROR_URL" --no-start >/dev/null 2>"$work/notty.err"
grep -Eq '^download k3s: [0-9]+ of [0-9]+ bytes \(100%\), done$' "$work/notty.err" || fail "no plain progress lines"
grep -q $'\r' "$work/notty.err" && fail "carriage returns without a TTY"

# 9. Air-gap: binary, hash file and images from a directory, no network.
A=$work/airgap
mkdir -p "$A"
cp "$work/rel/k3s" "$A/k3s"
head -c 100000 /dev/urandom >"$A/k3s-airgap-images-amd64.tar.zst"
(cd "$A" && sha256sum k3s k3s-airgap-images-amd64.tar.zst >sha256sum-amd64.txt)
R4=$work/ag
mkdir -p "$R4"
set +e
"$NODEPREP" --root "$R4" --json k3s install --airgap "$A" --arch amd64 >"$work/ag.json" 2>/dev/null
rc=$?
set -e
[ $rc -eq 4 ] || fail "airgap exit $rc"
cmp "$R4/usr/local/bin/k3s" "$A/k3s" || fail "airgap binary"
cmp "$R4/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst" "$A/k3s-airgap-images-amd64.tar.zst" ||
        fail "airgap images"
# A corrupted tarball is refused.
echo x >>"$A/k3s-airgap-images-amd64.tar.zst"
set +e
mkdir -p "$work/ag2"
"$NODEPREP" --root "$work/ag2" k3s install --airgap "$A" --arch amd64 >/dev/null 2>"$work/e" ; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "sha256 mismatch" "$work/e" || fail "corrupt airgap image accepted (rc $rc)"

# 10. arm mapping: k3s-armhf from the -arm hash file.
mkdir -p "$work/armrel" && cp "$work/rel/k3s" "$work/armrel/k3s-armhf"
k3s_mirror_stop
k3s_mirror_start "$work/armrel" "$V"
mkdir -p "$work/arm"
set +e
"$NODEPREP" --root "$work/arm" k3s install --version "$V" --mirror "$MIRROR_URL" --arch armv7l >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 4 ] || fail "arm exit $rc"
grep -q "download/v1.31.4%2Bk3s1/sha256sum-arm.txt" <<<"$(k3s_mirror_requests)" || fail "arm hash file name"
cmp "$work/arm/usr/local/bin/k3s" "$work/armrel/k3s-armhf" || fail "armhf binary"
echo "k3s --root: all checks passed"
