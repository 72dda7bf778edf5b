#!/usr/bin/env bash
# nodeprep gateway against real nginx, certbot and an ACME server: a booted
# Debian 12 container with nginx and certbot from Debian, pebble and
# pebble-challtestsrv (Debian) on loopback with a CA this test mints, and an
# OpenFaaS gateway stand-in on 127.0.0.1:8080. Only loopback traffic, inside
# the container's private network.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
export NSPAWN_PACKAGES="curl" NSPAWN_APT_PACKAGES="nginx certbot pebble"
source "$NODEPREP_TOP/tests/e2e/lib/nspawn.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/pebble.sh"
nspawn_require
command -v jq >/dev/null || { echo "jq not installed (scripts/install-deps.sh)"; exit 77; }

name=np-gw
D=gw.nodeprep.test
T=3             # function timeout: gateway upstream 3 s, read/write 8 s, nginx 18 s
work=$(mktemp -d /tmp/gw-nspawn.XXXXXX)
nspawn_on_exit rm -rf "$work"
nx() { nspawn_exec "$name" "$@"; }
fail() {
        echo "FAIL: $*"
        nx journalctl --no-pager -n 20 -u nginx.service -u pebble.service 2>/dev/null || true
        exit 1
}
ok() { echo "ok   $*"; }

nspawn_start "$name" || { echo "FAIL: container did not boot"; exit 1; }
root=$(nspawn_root "$name")
nspawn_copy_in "$name" "$NODEPREP" /usr/local/bin/nodeprep
nspawn_copy_in "$name" "$NODEPREP_TOP/tests/e2e/gateway/standin.py" /usr/local/lib/np-test/standin.py

pebble_start "$name" || fail "pebble"
# The stand-in's basic-auth password.
nx sh -c 'head -c 24 /dev/urandom | base64 >/etc/np-test/password'
nx systemd-run -q --unit=standin python3 /usr/local/lib/np-test/standin.py --upstream-timeout $T \
        --write-timeout $((T + 5)) --password-file /etc/np-test/password
for ((i = 0; i < 120; i++)); do
        nx curl -fs http://127.0.0.1:8080/healthz -o /dev/null 2>/dev/null && break
        sleep 0.5
done
nx curl -fs http://127.0.0.1:8080/healthz -o /dev/null || fail "stand-in not up"
[ "$(nx systemctl is-active nginx.service)" = active ] || fail "nginx not active at boot"

# The nginx tree before nodeprep touches it.
nginx_sum() { (cd "$root/etc/nginx" && find . -printf '%p %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
before=$(nginx_sum)

opts=(--domain "$D" --email admin@nodeprep.test --acme-server "$PEBBLE_DIR"
      --acme-ca-file "$PEBBLE_CA" --function-timeout $T --rate 5/s --burst 10)

# --- 1. two-phase issuance through the webroot -----------------------------
t0=$SECONDS
set +e
nx nodeprep --json gateway apply "${opts[@]}" >"$work/apply.json" 2>"$work/apply.err"
rc=$?
set -e
[ $rc -eq 0 ] || { cat "$work/apply.json" "$work/apply.err"; fail "apply exit $rc"; }
jq -e '.changed and .phase == 2' "$work/apply.json" >/dev/null || fail "apply json: $(cat "$work/apply.json")"
steps=$(jq -r '[.steps[] | "\(.name)=\(.status)"] | join(" ")' "$work/apply.json")
grep -q "nginx-test=ok nginx-reload=ok files=changed certbot=changed nginx-test=ok nginx-reload=ok files=changed" <<<"$steps" ||
        fail "not two phases: $steps"
ok "apply: two phases, certificate from pebble ($((SECONDS - t0)) s): $steps"

pebble_root "$name" /etc/np-test/acme-root.pem || fail "pebble root"
C=(--cacert /etc/np-test/acme-root.pem --resolve "$D:443:127.0.0.1" --resolve "$D:80:127.0.0.1")
body=$(nx curl -fsS "${C[@]}" "https://$D/healthz") || fail "https /healthz"
[ "$body" = OK ] || fail "healthz body '$body'"
hdrs=$(nx curl -fsS -D - -o /dev/null "${C[@]}" "https://$D/healthz")
grep -qi '^strict-transport-security: max-age=63072000' <<<"$hdrs" || fail "no HSTS: $hdrs"
grep -qi '^server: nginx.$' <<<"$hdrs" || fail "server header shows more than 'nginx': $hdrs"
if grep -qi '^x-served-by' <<<"$hdrs"; then fail "X-Served-By leaks: $hdrs"; fi
grep -qi '^x-call-id' <<<"$hdrs" || fail "stand-in headers missing: $hdrs"
ok "https://$D/healthz through nginx with pebble's chain; HSTS; Server: nginx (no version); X-Served-By hidden"
redir=$(nx curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "${C[@]}" "http://$D/function/x")
[ "$redir" = "301 https://$D/function/x" ] || fail "http redirect: $redir"
ok "http -> 301 $D"
# TLS 1.1: the client allows it (SECLEVEL=0), nginx must refuse; 1.2 and 1.3 work.
s11=$(nx sh -c "openssl s_client -connect 127.0.0.1:443 -servername $D -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null 2>&1" || true)
# s_client prints "Cipher is (NONE)" when no handshake completed.
grep -q 'Cipher is (NONE)' <<<"$s11" || fail "TLS 1.1 accepted: $s11"
grep -qiE 'alert|no protocols available|handshake failure|unsupported protocol' <<<"$s11" || fail "TLS 1.1: $s11"
for v in tls1_2 tls1_3; do
        s=$(nx sh -c "openssl s_client -connect 127.0.0.1:443 -servername $D -$v </dev/null 2>&1" || true)
        grep -qE "^New, TLSv1.[23], Cipher is [A-Z]" <<<"$s" || fail "$v refused: $s"
done
ok "TLS 1.1 refused; 1.2 and 1.3 accepted"

# --- 2. limits, timeouts, who may reach /system/ ---------------------------
refill() { sleep 3; }  # burst 10 at 5 r/s refills in 2 s
nx sh -c "head -c $((50 * 1024 * 1024 + 1)) /dev/zero >/tmp/big && head -c $((50 * 1024 * 1024)) /dev/zero >/tmp/max &&
        head -c $((1024 * 1024 + 1)) /dev/zero >/tmp/async-big"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" --data-binary @/tmp/big "https://$D/function/echo")
[ "$code" = 413 ] || fail "50M+1 body: $code"
body=$(nx curl -fsS "${C[@]}" --data-binary @/tmp/max "https://$D/function/echo") || fail "50M body refused"
[ "$body" = "received 52428800 bytes" ] || fail "50M body: $body"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" --data-binary @/tmp/async-big "https://$D/async-function/echo")
[ "$code" = 413 ] || fail "async 1M+1 body: $code"
ok "body: 50M+1 -> 413, 50M -> 200, async 1M+1 -> 413"
refill
urls=()
for ((i = 0; i < 30; i++)); do urls+=("https://$D/function/echo"); done
t_start=$(date +%s%N)
codes=$(nx curl -s "${C[@]}" -o /dev/null -w '%{http_code}\n' "${urls[@]}")
t_ms=$((($(date +%s%N) - t_start) / 1000000))
n200=$(grep -c '^200$' <<<"$codes" || true)
n429=$(grep -c '^429$' <<<"$codes" || true)
# burst 10 + the first request's own token = 11, plus one per 200 ms elapsed.
max200=$((11 + t_ms / 200 + 1))
[ $((n200 + n429)) -eq 30 ] || fail "burst: unexpected codes: $(sort <<<"$codes" | uniq -c)"
[ "$n200" -ge 11 ] && [ "$n200" -le "$max200" ] || fail "burst: $n200 x 200 in $t_ms ms (expected 11..$max200)"
ok "burst of 30 at 5 r/s burst 10: $n200 x 200, $n429 x 429 in $t_ms ms"
refill
t_start=$(date +%s%N)
out=$(nx curl -s "${C[@]}" -D - -o /dev/null -w 'code=%{http_code}\n' "https://$D/function/slow?delay=$((T + 2))")
t_ms=$((($(date +%s%N) - t_start) / 1000000))
grep -q 'code=502' <<<"$out" || fail "slow function: $out"
grep -qi '^x-call-id' <<<"$out" || fail "slow function: 502 not from the gateway: $out"
[ $t_ms -ge $((T * 1000 - 200)) ] && [ $t_ms -lt $(((T + 14) * 1000)) ] || fail "502 after $t_ms ms (T=${T}s)"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" "https://$D/function/quick?delay=1")
[ "$code" = 200 ] || fail "function within T: $code"
ok "function slower than T=${T}s: the gateway's 502 after $t_ms ms (nginx waits $((T + 15)) s), not nginx's 504"
nx ip addr add 10.77.0.1/32 dev lo
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" --interface 10.77.0.1 "https://$D/system/info")
[ "$code" = 403 ] || fail "/system/ from 10.77.0.1: $code"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" --interface 10.77.0.1 "https://$D/ui/")
[ "$code" = 403 ] || fail "/ui/ from 10.77.0.1: $code"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" --interface 10.77.0.1 "https://$D/healthz")
[ "$code" = 200 ] || fail "/healthz from 10.77.0.1: $code"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" "https://$D/system/info")
[ "$code" = 401 ] || fail "/system/ from loopback without credentials: $code"
pw=$(cat "$root/etc/np-test/password")
info=$(nx curl -fsS "${C[@]}" -u "admin:$pw" "https://$D/system/info") || fail "/system/info with credentials"
grep -q faas-netes-ce <<<"$info" || fail "/system/info: $info"
ok "/system/ and /ui/ from 10.77.0.1 -> 403; from loopback -> 401, with basic auth -> 200"

# --- 3. a candidate nginx rejects; idempotence -----------------------------
mid=$(nginx_sum)
set +e
nx nodeprep gateway apply "${opts[@]}" --upstream no-such-host.invalid:8080 >"$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "broken candidate: exit $rc: $(cat "$work/bad.err")"
grep -q 'host not found in upstream "no-such-host.invalid:8080"' "$work/bad.err" || fail "nginx's message not quoted: $(cat "$work/bad.err")"
[ "$(nginx_sum)" = "$mid" ] || fail "files not restored after the failed test"
body=$(nx curl -fsS "${C[@]}" "https://$D/healthz") || fail "old config not serving"
quoted=$(grep -o 'host not found[^;]*' "$work/bad.err" || true)
ok "broken candidate: exit 1 quoting nginx (${quoted%%$'\n'*}), files restored, still serving"
set +e
nx nodeprep gateway apply --domain "$D" --max-body '50m;evil' >"$work/inj.out" 2>"$work/inj.err"
rc=$?
set -e
[ $rc -eq 2 ] && [ "$(nginx_sum)" = "$mid" ] || fail "injection attempt: exit $rc $(cat "$work/inj.err")"
nx nodeprep --json gateway apply "${opts[@]}" >"$work/again.json" || fail "second apply: $(cat "$work/again.json")"
jq -e '.changed == false and ([.files[] | select(.action != "keep")] | length == 0)' "$work/again.json" >/dev/null ||
        fail "second apply changed: $(jq -c '[.files[] | {path, action}]' "$work/again.json")"
ok "second apply: changed=false, every file keep"

# --- 4. renewal: the deploy hook reloads nginx, the new certificate is served
serial() {
        nx sh -c "openssl s_client -connect 127.0.0.1:443 -servername $D </dev/null 2>/dev/null | openssl x509 -noout -serial"
}
s1=$(serial)
nx env REQUESTS_CA_BUNDLE="$PEBBLE_CA" certbot renew --force-renewal --no-random-sleep-on-renew \
        --cert-name "$D" >"$work/renew.out" 2>&1 || { cat "$work/renew.out"; fail "certbot renew"; }
grep -q "deploy-hook command: /etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx" \
        "$root/var/log/letsencrypt/letsencrypt.log" || fail "deploy hook did not run: $(cat "$work/renew.out")"
s2=
for ((i = 0; i < 20; i++)); do
        s2=$(serial)
        [ "$s2" != "$s1" ] && break
        sleep 0.5
done
[ -n "$s2" ] && [ "$s2" != "$s1" ] || fail "still serving $s1 after renewal"
file_serial=$(nx openssl x509 -noout -serial -in "/etc/letsencrypt/live/$D/fullchain.pem")
[ "$s2" = "$file_serial" ] || fail "served $s2, renewed $file_serial"
ok "certbot renew --force-renewal: deploy hook ran, nginx serves the new certificate ($s1 -> $s2)"

# --- verify, then remove leaves the nginx tree as it was -------------------
nx nodeprep --json gateway verify "${opts[@]}" >"$work/verify.json" || fail "verify: $(jq -c .steps "$work/verify.json")"
jq -e '.certificate.days_left > 30' "$work/verify.json" >/dev/null || fail "verify days_left"
ok "verify exit 0: $(jq -r '[.steps[] | "\(.name)=\(.status)"] | join(" ")' "$work/verify.json")"
# serve: the gateway check (nginx active, days left) and the expiry metric.
nx systemd-run -q --unit=np-serve nodeprep serve --listen 127.0.0.1:9470 --interval 2
for ((i = 0; i < 60; i++)); do
        nx curl -fs http://127.0.0.1:9470/livez -o /dev/null 2>/dev/null && break
        sleep 0.5
done
# The first collection may still be running when /livez answers.
rz=
for ((i = 0; i < 60; i++)); do
        rz=$(nx curl -s http://127.0.0.1:9470/status | jq -r '.checks[]? | select(.name == "gateway") | "\(.status): \(.reason)"') || true
        [ -n "$rz" ] && break
        sleep 0.5
done
grep -q "^ok: $D: nginx active, certificate [0-9]* days left" <<<"$rz" || fail "serve gateway check: $rz"
metrics=$(nx curl -fsS http://127.0.0.1:9470/metrics) || fail "metrics"
not_after=$(nx sh -c "date -d \"\$(openssl x509 -noout -enddate -in /etc/letsencrypt/live/$D/fullchain.pem | cut -d= -f2)\" +%s")
grep -q "^nodeprep_gateway_certificate_expiry_timestamp_seconds{domain=\"$D\"} $not_after\$" <<<"$metrics" ||
        fail "expiry metric ($not_after): $(grep gateway <<<"$metrics")"
grep -q '^nodeprep_gateway_nginx_active 1$' <<<"$metrics" || fail "nginx_active metric"
nx systemctl stop np-serve.service
ok "serve: gateway $rz; expiry metric $not_after"
echo "# edited" >>"$root/etc/nginx/conf.d/nodeprep-ratelimit.conf"
set +e
nx nodeprep gateway verify "${opts[@]}" >"$work/drift.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || fail "verify after an edit: exit $rc"
sed -i '$d' "$root/etc/nginx/conf.d/nodeprep-ratelimit.conf"
ok "verify after an edit: exit 3"

nx nodeprep --json gateway remove --domain "$D" >"$work/remove.json" || fail "remove: $(cat "$work/remove.json")"
[ "$(nginx_sum)" = "$before" ] || fail "nginx tree differs from before apply"
[ ! -e "$root/var/lib/nodeprep/acme" ] && [ ! -e "$root/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx" ] &&
        [ ! -e "$root/var/lib/nodeprep/gateway.json" ] || fail "remove left files behind"
[ "$(nx systemctl is-active nginx.service)" = active ] || fail "nginx not active after remove"
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" "http://$D/function/x")
[ "$code" != 301 ] || fail "gateway still served after remove"
ok "remove: nginx tree checksum as before apply, nginx active"

# --- 5 (without OpenFaaS): bootstrap --domain runs the gateway stage -------
# The K3s stand-in from a loopback release mirror inside the container
# (tests/e2e/lib/k3s-node.sh does the same); the upstream stays the
# OpenFaaS stand-in on :8080.
V=v1.31.4+k3s1
k3s_release_dir "$work/rel" "$V" 8
mkdir -p "$root/opt/k3s-mirror"
cp -a "$work/rel" "$root/opt/k3s-mirror/rel"
cp "$NODEPREP_TOP/tests/e2e/k3s/mirror.py" "$root/opt/k3s-mirror/"
nx systemd-run -q --unit=k3s-mirror python3 /opt/k3s-mirror/mirror.py --dir /opt/k3s-mirror/rel --version "$V" \
        --port-file /opt/k3s-mirror/port
for ((i = 0; i < 100; i++)); do [ -s "$root/opt/k3s-mirror/port" ] && break; sleep 0.1; done
[ -s "$root/opt/k3s-mirror/port" ] || fail "k3s mirror did not start"
M=http://127.0.0.1:$(cat "$root/opt/k3s-mirror/port")
set +e
nx nodeprep --json bootstrap --no-profile --no-service --ignore-preflight overlay,default-route,kmsg,kernel-config \
        --version "$V" --mirror "$M/releases" --timeout 90 "${opts[@]}" >"$work/boot.json" 2>"$work/boot.err"
rc=$?
set -e
[ $rc -eq 0 ] || { tail -n 20 "$work/boot.err"; fail "bootstrap exit $rc: $(jq -c '[.stages[] | {name,status,detail}]' "$work/boot.json")"; }
jq -e '[.stages[] | .name + ":" + .status] == ["preflight:ok","profile:skipped","k3s:changed","ready:ok","gateway:changed","service:skipped"]
        and ([.stages[] | select(.name == "gateway") | .result.phase] == [2])' "$work/boot.json" >/dev/null ||
        fail "bootstrap stages: $(jq -c '[.stages[] | {name,status,detail}]' "$work/boot.json")"
body=$(nx curl -fsS "${C[@]}" "https://$D/healthz") && [ "$body" = OK ] || fail "https after bootstrap"
nx nodeprep gateway verify "${opts[@]}" >"$work/v2" 2>&1 || fail "verify after bootstrap: $(cat "$work/v2")"
set +e
nx nodeprep --json bootstrap --no-profile --no-service --ignore-preflight overlay,default-route,kmsg,kernel-config \
        --version "$V" --mirror "$M/releases" --timeout 90 "${opts[@]}" >"$work/boot2.json" 2>"$work/boot2.err"
rc=$?
set -e
[ $rc -eq 0 ] && jq -e '[.stages[] | select(.name == "gateway") | .status] == ["done"]' "$work/boot2.json" >/dev/null ||
        fail "second bootstrap: $(jq -c '[.stages[] | {name,status}]' "$work/boot2.json")"
ok "bootstrap --domain: stages $(jq -r '[.stages[] | .name + ":" + .status] | join(" ")' "$work/boot.json"); https serves; verify 0; re-run: gateway done"
echo "gateway-nspawn: all checks passed"
