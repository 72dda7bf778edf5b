#!/usr/bin/env bash
# The whole chain in one fresh booted Debian 12 container (issue 14,
# acceptance 5): the .deb installed from a local apt repository, then ONE
# `nodeprep bootstrap --openfaas --domain ...` runs every stage (preflight,
# profile, k3s, ready, openfaas, gateway, service, report) and exits 0, with
# the K3s stand-in and its Kubernetes API and OpenFaaS gateway
# (tests/e2e/k3s, tests/e2e/openfaas), real nginx and certbot from Debian and
# pebble (tests/e2e/lib/pebble.sh) as the ACME server. Then a function
# deployed through nginx answers over https, a function slower than T gets
# the OpenFaaS gateway's 502 (the one --function-timeout reached both), verify
# exits 0, and nodeprep.service's gateway check shows the certificate's days
# left as pebble issued it. A re-run changes nothing. Traffic: the
# container's loopback only (the gateway's ClusterIP is a loopback address
# the stand-in adds, as kube-proxy makes ClusterIPs reachable).
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
# The gateway test's rootfs (tests/e2e/gateway-nspawn.sh): one cache for both.
export NSPAWN_PACKAGES="curl" NSPAWN_APT_PACKAGES="nginx certbot pebble"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
source "$NODEPREP_TOP/tests/e2e/lib/pebble.sh"
bn_require

V=v1.31.4+k3s1
D=fn.nodeprep.test
T=4             # function timeout: gateway upstream 4 s, read/write 9 s, nginx 19 s
OF=$NODEPREP_TOP/tests/e2e/openfaas
work=$(mktemp -d /tmp/np-boot-gw.XXXXXX)
nspawn_on_exit "rm -rf $work"
N=$(bn_name bgw)
nx() { nspawn_exec "$N" "$@"; }
fail() {
        echo "FAIL: $*"
        tail -n 20 "$R/var/lib/rancher/k3s/standin-openfaas.log" 2>/dev/null || true
        nx journalctl --no-pager -n 20 -u nginx.service -u nodeprep.service 2>/dev/null || true
        exit 1
}
ok() { echo "ok   $*"; }
t_start=$SECONDS

k3s_release_dir "$work/rel" "$V" 8
bn_node_start "$N" "$V" "$work/rel" || fail "container"
R=$(nspawn_root "$N")
nx apt-get install -y -q "/srv/nodeprep-apt/$(basename "$BN_DEB")" >"$work/apt" 2>&1 || { cat "$work/apt"; fail "apt install"; }
pebble_start "$N" || fail "pebble"
# The chart repository, on the container's loopback.
mkdir -p "$R/opt/chartrepo"
cp "$OF/chartrepo.py" "$R/opt/chartrepo/"
nx systemd-run -q --unit=chartrepo python3 /opt/chartrepo/chartrepo.py --dir /opt/chartrepo/repo \
        --port-file /opt/chartrepo/port
for ((i = 0; i < 100; i++)); do [ -s "$R/opt/chartrepo/port" ] && break; sleep 0.1; done
[ -s "$R/opt/chartrepo/port" ] || fail "chart repository did not start"
REPO=http://127.0.0.1:$(cat "$R/opt/chartrepo/port")
# The stand-in's scripted outcome: success, K3s's 15 s deploy loop shortened
# to 3 s (as tests/e2e/openfaas-nspawn.sh does); read when its jobs start.
mkdir -p "$R/var/lib/rancher/k3s"
printf '{"scenario": "ok", "resync_sec": 3, "job_sec": 2, "deploy_sec": 2, "backoff_sec": 1, "function_delay_sec": 0}\n' \
        >"$R/var/lib/rancher/k3s/standin-openfaas.json"
# serve's /readyz without the host-load checks (pressure, steal): in a
# container they judge the shared test machine.
printf '[health]\ninterval = 2\nchecks = profile-drift neighbour-table conntrack file-handles listen-queue data-disk nvme-health k3s openfaas gateway\n' \
        >"$R/etc/nodeprep/nodeprep.conf"
# Preflight items a container cannot pass, accepted by name as an operator would.
nx nodeprep --json check k3s-prereq disk limits --role server >"$work/chk" 2>/dev/null || true
ignore=$(jq -r '[.checks[] | select(.status == "fail") | .name] | join(",")' "$work/chk")
ok "fresh container: .deb installed, pebble, chart repository ($((SECONDS - t_start)) s); preflight accepts: ${ignore:-nothing}"

boot=(nodeprep --json bootstrap --profile container --allow-netns ${ignore:+--ignore-preflight "$ignore"}
      --version "$V" --mirror "$BN_MIRROR_URL" --timeout 180
      --openfaas --accept-ce-eula --chart-url "$REPO"
      --domain "$D" --email admin@nodeprep.test --acme-server "$PEBBLE_DIR" --acme-ca-file "$PEBBLE_CA"
      --function-timeout "${T}s" --report-url "$BN_SINK_URL")
t0=$SECONDS
set +e
nx "${boot[@]}" >"$work/b1" 2>"$work/b1.err"
rc=$?
set -e
stages() { jq -r '[.stages[] | .name + ":" + .status] | join(" ")' "$1"; }
[ $rc -eq 0 ] || { tail -n 20 "$work/b1.err"; fail "bootstrap exit $rc: $(jq -c '[.stages[] | {name,status,detail}]' "$work/b1")"; }
[ "$(stages "$work/b1")" = "preflight:ok profile:changed k3s:changed ready:ok openfaas:changed gateway:changed service:changed report:ok" ] ||
        fail "stages: $(jq -c '[.stages[] | {name,status,detail}]' "$work/b1")"
boot_s=$((SECONDS - t0))
jq -e '.ok and .exit_code == 0' "$R/var/lib/nodeprep/bootstrap.json" >/dev/null || fail "bootstrap.json"
ls "$R"/var/tmp/reports/*.json >/dev/null 2>&1 || fail "no report reached the sink"
# nginx proxies to where the openfaas stage found the gateway.
of_up=$(jq -r .upstream "$R/var/lib/nodeprep/openfaas/gateway.json")
[[ $of_up =~ ^10\.43\.[0-9]+\.[0-9]+:8080$ ]] || fail "openfaas gateway.json: $(cat "$R/var/lib/nodeprep/openfaas/gateway.json")"
gw=$(jq -c '.stages[] | select(.name == "gateway") | .result' "$work/b1")
jq -e --arg u "$of_up" '.phase == 2 and .upstream.address == $u and .upstream.from == "/var/lib/nodeprep/openfaas/gateway.json"' \
        <<<"$gw" >/dev/null || fail "gateway stage: $gw"
grep -q "server $of_up" "$R/etc/nginx/conf.d/nodeprep-ratelimit.conf" || fail "nginx upstream is not $of_up"
ok "bootstrap exit 0 in $boot_s s: $(stages "$work/b1"); nginx -> $of_up"

# The one function timeout, in each layer: the chart values, the gateway
# stand-in's upstream_timeout (from the Deployment's env), nginx.
python3 "$OF/check-manifest.py" "$R/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml" \
        "$R/var/lib/nodeprep/openfaas/basic-auth-password" "$T" clusterip >/dev/null || fail "manifest values for T=${T}s"
grep -q "gateway: listening on ${of_up%:*}:8080 (upstream_timeout ${T}s)" "$R/var/lib/rancher/k3s/standin-openfaas.log" ||
        fail "the gateway does not run with upstream_timeout $T"
grep -q "proxy_read_timeout $((T + 15))s;" "$R/etc/nginx/sites-available/nodeprep-gateway.conf" || fail "nginx timeout"
ok "T=${T}s: chart upstream ${T}s < read/write $((T + 5))s < nginx $((T + 15))s"

# --- a function through nginx over https -----------------------------------
pebble_root "$N" /etc/np-test/acme-root.pem || fail "pebble root"
C=(--cacert /etc/np-test/acme-root.pem --resolve "$D:443:127.0.0.1" --max-time 60)
pw=$(cat "$R/var/lib/nodeprep/openfaas/basic-auth-password")
code=$(nx curl -s -o /dev/null -w '%{http_code}' "${C[@]}" -u "admin:$pw" -H 'Content-Type: application/json' \
        --data '{"service":"echo","image":"ghcr.io/openfaas/alpine:latest","envProcess":"cat"}' \
        "https://$D/system/functions") || true
[ "$code" = 202 ] || fail "deploy through nginx: HTTP $code"
avail=0
for ((i = 0; i < 60; i++)); do
        avail=$(nx curl -fsS "${C[@]}" -u "admin:$pw" "https://$D/system/function/echo" | jq -r .availableReplicas) || avail=0
        [ "$avail" = 1 ] && break
        sleep 0.5
done
[ "$avail" = 1 ] || fail "function echo never available"
msg="hello from $N $RANDOM"
body=$(nx curl -fsS "${C[@]}" -D "/tmp/h" --data-binary "$msg" "https://$D/function/echo") || fail "https /function/echo"
[ "$body" = "$msg" ] || fail "function body '$body', sent '$msg'"
hdrs=$(nx cat /tmp/h)
grep -qi '^x-call-id: [0-9a-f-]\{36\}' <<<"$hdrs" || fail "no X-Call-Id from the gateway: $hdrs"
grep -qi '^strict-transport-security:' <<<"$hdrs" || fail "no HSTS: $hdrs"
if grep -qi '^x-served-by' <<<"$hdrs"; then fail "X-Served-By leaks: $hdrs"; fi
ok "deployed echo through https://$D/system/functions; https://$D/function/echo answered '$msg' (pebble's chain, X-Call-Id)"
# Slower than T: the gateway's 502 after T, not nginx's 504.
printf '{"scenario": "ok", "resync_sec": 3, "job_sec": 2, "deploy_sec": 2, "backoff_sec": 1, "function_delay_sec": %d}\n' \
        $((T + 2)) >"$R/var/lib/rancher/k3s/standin-openfaas.json"
t_ms0=$(date +%s%N)
out=$(nx curl -s "${C[@]}" -D - -o /dev/null -w 'code=%{http_code}\n' --data x "https://$D/function/echo") || true
t_ms=$((($(date +%s%N) - t_ms0) / 1000000))
printf '{"scenario": "ok", "resync_sec": 3, "job_sec": 2, "deploy_sec": 2, "backoff_sec": 1, "function_delay_sec": 0}\n' \
        >"$R/var/lib/rancher/k3s/standin-openfaas.json"
grep -q 'code=502' <<<"$out" && grep -qi '^x-call-id' <<<"$out" || fail "slow function: $out"
[ $t_ms -ge $((T * 1000 - 200)) ] && [ $t_ms -lt $(((T + 14) * 1000)) ] || fail "502 after $t_ms ms (T=${T}s)"
ok "a function slower than T: the gateway's 502 after $t_ms ms, not nginx's 504"

# --- verify ----------------------------------------------------------------
nx nodeprep verify >"$work/verify" 2>&1 || fail "nodeprep verify (the profile): $(cat "$work/verify")"
gopts=(--domain "$D" --email admin@nodeprep.test --acme-server "$PEBBLE_DIR" --acme-ca-file "$PEBBLE_CA" --function-timeout "${T}s")
set +e
nx nodeprep --json gateway verify "${gopts[@]}" >"$work/gv" 2>"$work/gv.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "gateway verify exit $rc: $(jq -c .steps "$work/gv") $(cat "$work/gv.err")"
not_after=$(nx sh -c "date -d \"\$(openssl x509 -noout -enddate -in /etc/letsencrypt/live/$D/fullchain.pem | cut -d= -f2)\" +%s")
issuer=$(nx openssl x509 -noout -issuer -in "/etc/letsencrypt/live/$D/fullchain.pem")
grep -qi pebble <<<"$issuer" || fail "certificate not from pebble: $issuer"
jq -e --argjson na "$not_after" '.certificate.not_after == $na and .certificate.days_left > 30' "$work/gv" >/dev/null ||
        fail "gateway verify certificate: $(jq -c .certificate "$work/gv") (notAfter $not_after)"
ok "nodeprep verify exit 0; gateway verify exit 0: $(jq -r '[.steps[] | "\(.name)=\(.status)"] | join(" ")' "$work/gv")"

# --- serve: nodeprep.service (started by the service stage) ----------------
[ "$(nx systemctl is-active nodeprep.service)" = active ] || fail "nodeprep.service not active"
st=
for ((i = 0; i < 60; i++)); do
        st=$(nx curl -s --max-time 5 http://127.0.0.1:9470/status) || st=
        jq -e '.gateway.certificate_days_left and ([.checks[] | select(.name == "gateway")] | length == 1)' \
                <<<"$st" >/dev/null 2>&1 && break
        sleep 0.5
done
days=$(( (not_after - $(date +%s)) / 86400 ))
served=$(jq -r '.gateway.certificate_days_left' <<<"$st" 2>/dev/null) || served=
[ -n "$served" ] && [ "$served" != null ] || fail "no gateway figures in /status: $st"
# Collected a moment ago: the same day count, or one more across a day boundary.
[ "$served" -ge "$days" ] && [ "$served" -le $((days + 1)) ] || fail "served $served days left, notAfter says $days"
[ "$(jq -r .gateway.certificate_not_after <<<"$st")" = "$not_after" ] || fail "served notAfter: $(jq -c .gateway <<<"$st")"
check=$(jq -r '.checks[] | select(.name == "gateway") | "\(.status): \(.reason)"' <<<"$st")
[ "$check" = "ok: $D: nginx active, certificate $served days left" ] || fail "gateway check: $check"
code=$(nx curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:9470/readyz/gateway) || true
[ "$code" = 200 ] || fail "/readyz/gateway: $code"
metrics=$(nx curl -fsS --max-time 5 http://127.0.0.1:9470/metrics) || fail "metrics"
grep -q "^nodeprep_gateway_certificate_expiry_timestamp_seconds{domain=\"$D\"} $not_after\$" <<<"$metrics" ||
        fail "expiry metric ($not_after): $(grep gateway <<<"$metrics")"
nx nodeprep --json serve --once >"$work/once" 2>/dev/null || true
once=$(jq -r .gateway.certificate_days_left "$work/once")
[ "$once" -ge "$days" ] && [ "$once" -le $((days + 1)) ] || fail "serve --once: $once days left, notAfter says $days"
ok "serve: gateway '$check' (notAfter $not_after: $days days; serve --once $once); /readyz/gateway 200; expiry metric"

# --- the same command again: nothing to do ---------------------------------
set +e
nx "${boot[@]}" >"$work/b2" 2>"$work/b2.err"
rc=$?
set -e
[ $rc -eq 0 ] || { tail -n 20 "$work/b2.err"; fail "re-run exit $rc: $(jq -c '[.stages[] | {name,status,detail}]' "$work/b2")"; }
[ "$(stages "$work/b2")" = "preflight:ok profile:done k3s:done ready:ok openfaas:done gateway:done service:done report:ok" ] ||
        fail "re-run stages: $(jq -c '[.stages[] | {name,status,detail}]' "$work/b2")"
body=$(nx curl -fsS "${C[@]}" --data-binary "$msg" "https://$D/function/echo") && [ "$body" = "$msg" ] ||
        fail "function after the re-run: $body"
ok "re-run: $(stages "$work/b2"); the function still answers"
echo "bootstrap-gateway: all checks passed in $((SECONDS - t_start)) s"
