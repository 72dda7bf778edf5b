#!/usr/bin/env bash
# nodeprep openfaas install/status/uninstall in a booted Debian 12 container
# against the K3s stand-in and its Kubernetes API (tests/e2e/openfaas/kubeapi.py)
# and gateway (gateway.py): the ladder reaches ready (with the canary), a
# re-install changes nothing, every scripted failure ends in exit 1 naming the
# rung and quoting the stand-in's reason, uninstall leaves nothing of ours.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-node.sh"
nspawn_require
python3 -c 'import yaml' 2>/dev/null || { echo "python3-yaml missing (scripts/install-deps.sh)"; exit 77; }

V=v1.31.4+k3s1
OF=$NODEPREP_TOP/tests/e2e/openfaas
work=$(mktemp -d /tmp/openfaas-nspawn.XXXXXX)
nspawn_on_exit rm -rf "$work"
name=np-openfaas
fail_hook() { tail -n 40 "$root/var/lib/rancher/k3s/standin-openfaas.log" 2>/dev/null || true; }
k3s_release_dir "$work/rel" "$V" 8
k3s_node_start "$name" "$V" "$work/rel"
root=$(nspawn_root "$name")
nx() { nspawn_exec "$name" "$@"; }
nx nodeprep k3s install --version "$V" --mirror "$NODE_MIRROR/releases" --timeout 90 >"$work/k3s" 2>&1 ||
        fail "k3s install: $(cat "$work/k3s")"

# The chart repository, on the container's loopback.
mkdir -p "$root/opt/chartrepo"
cp "$OF/chartrepo.py" "$root/opt/chartrepo/"
nx systemd-run --quiet --unit=chartrepo python3 /opt/chartrepo/chartrepo.py --dir /opt/chartrepo/repo \
        --port-file /opt/chartrepo/port
for _ in $(seq 100); do [ -s "$root/opt/chartrepo/port" ] && break; sleep 0.1; done
[ -s "$root/opt/chartrepo/port" ] || fail "chart repository did not start"
REPO=http://127.0.0.1:$(cat "$root/opt/chartrepo/port")

# Scripted outcomes. The deploy controller's 15 s loop is shortened to 3 s and
# the kubelet back-off base from 10 s to 1 s (real values are the defaults).
scenario() {  # NAME
        printf '{"scenario": "%s", "resync_sec": 3, "job_sec": 2, "deploy_sec": 2, "backoff_sec": 1}\n' "$1" \
                >"$root/var/lib/rancher/k3s/standin-openfaas.json"
}
M=var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml
C=var/lib/rancher/k3s/server/static/charts/openfaas-15.0.6.tgz
P=var/lib/nodeprep/openfaas/basic-auth-password
R=var/lib/nodeprep/openfaas-install.json
G=var/lib/nodeprep/openfaas/gateway.json

# 1. Install: every rung, the canary included.
scenario ok
t0=$SECONDS
set +e
nx nodeprep --json openfaas install --accept-ce-eula --chart-url "$REPO" --canary --timeout 120 >"$work/out" 2>"$work/err"
rc=$?
set -e
[ $rc -eq 0 ] || { cat "$work/out" "$work/err"; fail "install exit $rc"; }
jq -e '.changed and .ready and .edition == "ce" and .function_timeout_sec == 60' "$work/out" >/dev/null ||
        fail "json $(cat "$work/out")"
for s in helm-controller addon-applied job-created job-complete release-deployed deployments-available \
        gateway-healthz system-info canary; do
        jq -e --arg s "$s" '[.steps[] | select(.name == $s and .status == "ok")] | length == 1' "$work/out" >/dev/null ||
                fail "rung $s not ok: $(jq -c .steps "$work/out")"
done
canary=$(jq -r '.steps[] | select(.name == "canary") | .detail' "$work/out")
grep -q 'async HTTP 202 (X-Call-Id [0-9a-f-]\{36\})' <<<"$canary" || fail "canary detail: $canary"
eq_mode() { [ "$(stat -c %a "$root/$1")" = "$2" ] || fail "$1 mode $(stat -c %a "$root/$1"), expected $2"; }
eq_mode "$M" 600; eq_mode "$P" 600; eq_mode "$C" 644
for f in "$M" "$C" "$P"; do
        [ "$(jq -r --arg p "/$f" '.files[$p]' "$root/$R")" = "$(sha256sum <"$root/$f" | cut -d' ' -f1)" ] ||
                fail "recorded hash of $f"
done
cmp -s "$root/$C" "$root/opt/chartrepo/repo/openfaas-15.0.6.tgz" || fail "static chart differs from the repository's"
python3 "$OF/check-manifest.py" "$root/$M" "$root/$P" 60 clusterip >/dev/null || fail "manifest values"
grep -q "applied /$M" "$root/var/lib/rancher/k3s/standin-openfaas.log" || fail "the stand-in never applied our manifest"
jq -e '.upstream | test("^10\\.43\\.[0-9]+\\.[0-9]+:8080$")' "$root/$G" >/dev/null || fail "gateway.json $(cat "$root/$G")"
echo "ok   install: ready in $((SECONDS - t0))s, gateway $(jq -r .upstream "$root/$G")"

# 2. Status and a second install: ready, nothing changed.
nx nodeprep --json openfaas status >"$work/st" 2>&1 || fail "status: $(cat "$work/st")"
jq -e '.ready' "$work/st" >/dev/null || fail "status json $(cat "$work/st")"
sum=$(sha256sum "$root/$M" "$root/$C" "$root/$P" "$root/$R")
nx nodeprep --json openfaas install --accept-ce-eula --chart-url "$REPO" --timeout 60 >"$work/out2" 2>&1 ||
        fail "re-install: $(cat "$work/out2")"
jq -e '.changed == false and .ready' "$work/out2" >/dev/null || fail "re-install json $(cat "$work/out2")"
[ "$(sha256sum "$root/$M" "$root/$C" "$root/$P" "$root/$R")" = "$sum" ] || fail "files changed on re-install"
echo "ok   status ready; re-install unchanged"

# 3. Each scripted failure: exit 1, the rung named, the stand-in's reason quoted.
# A different --function-timeout per case changes the manifest, so the
# HelmChart changes and helm-controller runs a new job.
n=0
expect_failure() {  # SCENARIO RUNG REASON...
        local sc=$1 rung=$2 rc
        shift 2
        n=$((n + 1))
        scenario "$sc"
        set +e
        nx nodeprep --json openfaas install --accept-ce-eula --chart-url "$REPO" --function-timeout "$((60 + n))s" \
                --timeout 20 >"$work/f.out" 2>"$work/f.err"
        rc=$?
        set -e
        [ $rc -eq 1 ] || { cat "$work/f.out" "$work/f.err"; fail "$sc: exit $rc"; }
        [ "$(jq -r .failed_step "$work/f.out")" = "$rung" ] || fail "$sc: failed at $(jq -r .failed_step "$work/f.out"), expected $rung"
        for want in "$@"; do
                grep -qF -- "$want" "$work/f.err" || fail "$sc: '$want' not in: $(cat "$work/f.err")"
        done
        echo "ok   $sc: exit 1 at $rung: $(head -c 200 "$work/f.err")"
}
expect_failure crashloop job-complete "CrashLoopBackOff" "INSTALLATION FAILED: failed pre-install" "restarts="
expect_failure imagepull job-complete "ImagePullBackOff" "Back-off pulling image" "not within 20s"
expect_failure job-failed job-complete "BackoffLimitExceeded" "chart requires kubeVersion"
expect_failure chart-failed job-created "Failed=True" "Job create failed" "Failed to generate Job"
expect_failure never-available deployments-available "nats" "MinimumReplicasUnavailable"
# No HelmChart CRD: refused before anything is written.
msum=$(sha256sum "$root/$M")
expect_failure no-crd helm-controller "no helm.cattle.io/v1 API" "--disable-helm-controller"
[ "$(sha256sum "$root/$M")" = "$msum" ] || fail "no-crd: the manifest was rewritten"

# 4. Back to health: the same command succeeds again.
scenario ok
nx nodeprep --json openfaas install --accept-ce-eula --chart-url "$REPO" --timeout 60 >"$work/out3" 2>&1 ||
        fail "recovery install: $(cat "$work/out3")"
jq -e '.ready' "$work/out3" >/dev/null || fail "recovery json"
echo "ok   recovered"

# 5. Uninstall: manifest first, HelmChart through helm-delete-openfaas, then
# the Secret, namespaces and AddOn; the chart and our files. Nothing of ours left.
nx nodeprep --json openfaas uninstall --timeout 60 >"$work/un" 2>&1 || fail "uninstall: $(cat "$work/un")"
jq -e '.changed' "$work/un" >/dev/null || fail "uninstall json $(cat "$work/un")"
for f in "$M" "$C" "$P" "$R" "$G" var/lib/nodeprep/openfaas; do [ ! -e "$root/$f" ] || fail "$f left"; done
log=$root/var/lib/rancher/k3s/standin-openfaas.log
grep -q "helm-delete-openfaas started" "$log" || fail "no helm-delete job"
grep -q "helm: openfaas removed" "$log" && grep -q "namespace openfaas deleted" "$log" &&
        grep -q "namespace openfaas-fn deleted" "$log" || fail "API objects left: $(tail -n 5 "$log")"
[ "$(jq -r '.steps[0].detail' "$work/un")" = "/$M" ] || fail "the manifest was not removed first"
api_status() {  # PATH: the API's HTTP status for it, asked with the admin client cert
        nx python3 -c '
import ssl, sys, urllib.error, urllib.request
tls = "/var/lib/rancher/k3s/server/tls/"
ctx = ssl.create_default_context(cafile=tls + "server-ca.crt")
ctx.load_cert_chain(tls + "client-admin.crt", tls + "client-admin.key")
try:
    print(urllib.request.urlopen("https://127.0.0.1:6443" + sys.argv[1], context=ctx, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)' "$1"
}
for p in /apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/openfaas \
        /apis/batch/v1/namespaces/kube-system/jobs/helm-install-openfaas \
        /apis/k3s.cattle.io/v1/namespaces/kube-system/addons/nodeprep-openfaas \
        /api/v1/namespaces/openfaas /api/v1/namespaces/openfaas-fn /api/v1/namespaces/openfaas/secrets/basic-auth \
        /apis/apps/v1/namespaces/openfaas/deployments/gateway; do
        [ "$(api_status "$p")" = 404 ] || fail "$p still there after uninstall"
done
set +e
nx nodeprep openfaas status >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || fail "status after uninstall: exit $rc"
echo "ok   uninstall: nothing of ours left"

# 6. bootstrap --openfaas: the stage runs after ready; a re-run reports it done.
# Checks this container cannot pass (it is no VM with its own kernel) are
# accepted by name, as an operator would.
nx nodeprep --json check k3s-prereq disk limits --role server >"$work/chk" 2>/dev/null || true
ignore=$(jq -r '[.checks[] | select(.status == "fail") | .name] | join(",")' "$work/chk")
boot() {
        nx nodeprep --json bootstrap --no-profile --no-service ${ignore:+--ignore-preflight "$ignore"} \
                --version "$V" --mirror "$NODE_MIRROR/releases" --openfaas --accept-ce-eula --chart-url "$REPO" \
                --timeout 120 >"$1" 2>"$1.err"
}
boot "$work/b1" || { cat "$work/b1.err"; fail "bootstrap --openfaas: exit $?"; }
jq -e '[.stages[] | .name] | index("openfaas") > index("ready")' "$work/b1" >/dev/null || fail "stage order: $(jq -c '[.stages[].name]' "$work/b1")"
[ "$(jq -r '.stages[] | select(.name == "openfaas") | .status' "$work/b1")" = changed ] ||
        fail "openfaas stage: $(jq -c '.stages[] | select(.name == "openfaas")' "$work/b1")"
jq -e '.stages[] | select(.name == "openfaas") | .result.ready' "$work/b1" >/dev/null ||
        fail "openfaas stage result: $(jq -c '.stages[] | select(.name == "openfaas")' "$work/b1")"
[ -e "$root/$M" ] && [ -e "$root/$P" ] || fail "bootstrap wrote no manifest"
boot "$work/b2" || { cat "$work/b2.err"; fail "bootstrap re-run: exit $?"; }
[ "$(jq -r '.stages[] | select(.name == "openfaas") | .status' "$work/b2")" = done ] ||
        fail "re-run openfaas stage: $(jq -c '.stages[] | select(.name == "openfaas")' "$work/b2")"
echo "ok   bootstrap --openfaas: stage changed, then done on the re-run"

# 7. serve's openfaas check: fails while the gateway is down, recovers after.
nx systemd-run --quiet --unit=np-serve nodeprep serve --listen 127.0.0.1:19470 --interval 1
readyz() {  # the HTTP status of /readyz/openfaas (0: no answer)
        nx python3 -c '
import urllib.error, urllib.request
try:
    print(urllib.request.urlopen("http://127.0.0.1:19470/readyz/openfaas", timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)'
}
wait_readyz() {  # WANT: the check's period is 15 s; allow three
        local i
        for ((i = 0; i < 60; i++)); do
                [ "$(readyz)" = "$1" ] && return 0
                sleep 1
        done
        return 1
}
wait_readyz 200 || fail "openfaas check never ok: $(readyz)"
touch "$root/var/lib/rancher/k3s/standin-openfaas-gateway-down"
t0=$SECONDS
wait_readyz 500 || fail "openfaas check still ok with the gateway down"
echo "ok   serve: openfaas check failed $((SECONDS - t0))s after the gateway stopped"
rm "$root/var/lib/rancher/k3s/standin-openfaas-gateway-down"
t0=$SECONDS
wait_readyz 200 || fail "openfaas check did not recover"
nx python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:19470/metrics", timeout=5).read().decode())' \
        >"$work/metrics"
grep -qx 'nodeprep_openfaas_ready 1' "$work/metrics" || fail "metrics: $(grep openfaas "$work/metrics")"
echo "ok   serve: recovered $((SECONDS - t0))s after the gateway came back; nodeprep_openfaas_ready 1"
nx systemctl stop np-serve.service
echo "openfaas nspawn: all checks passed"
