#!/usr/bin/env bash
# The --json contract, byte for byte: every command with JSON output runs
# against --root fixture trees (or copies of them), and its stdout, after the
# documented normaliser (tests/golden/normalise.py), must equal
# tests/golden/CASE.json exactly; its exit code must equal the line for CASE in
# tests/golden/exit-codes. Every case runs twice (two fresh temp dirs) and both
# runs must agree before anything is compared, so a nondeterministic output is
# reported as such, not as a contract change.
#   GOLDEN_UPDATE=1 bash tests/cli/golden-json.sh   rewrites tests/golden/
# A diff in tests/golden/ is a contract change: see tests/golden/README.md.
. "$(dirname "$0")/lib.sh"
for t in python3 openssl; do command -v $t >/dev/null || fail "$t missing (scripts/install-deps.sh installs it)"; done
GOLDEN=$NODEPREP_TOP/tests/golden
PROFILES=$NODEPREP_TOP/profiles
# What nodeprep reads from the environment (k3s install: K3S_*, CONTAINERD_*,
# proxies; logging: JOURNAL_STREAM) must not come from whoever runs the test.
for v in $(compgen -e); do
        case $v in K3S_*|CONTAINERD_*|*_proxy|*_PROXY|JOURNAL_STREAM) unset "$v" ;; esac
done
export LC_ALL=C         # strerror() and sort in one language
umask 022               # as tests/run-all.sh: the modes nodeprep reports for files it did not create
ARCH=amd64      # k3s install's asset name: fixed, so the output does not follow this machine

# golden CASE ARGS...: nodeprep ARGS with --json; stdout to $OUT/CASE.json, the exit code to $OUT/CASE.rc.
golden() {
        local name=$1; shift
        [ -e "$OUT/$name.rc" ] && fail "case $name defined twice"
        local rc=0
        "$NODEPREP" --json --profile-path "$PROFILES" "$@" >"$OUT/$name.json" 2>"$OUT/$name.stderr" </dev/null || rc=$?
        echo "$rc" >"$OUT/$name.rc"
}
copy() { local r=$WORK/$2; cp -a "$FIXTURES/$1" "$r"; echo "$r"; }   # FIXTURE NAME: a private copy

# --- check: every group and all groups, on every fixture tree ----------------
cases_check() {
        local dir name g
        for dir in "$FIXTURES"/check/*/; do
                name=$(basename "$dir")
                golden "check-$name-all" --root "$dir" check
                for g in virt kvm nvme disk k3s-prereq limits; do
                        golden "check-$name-$g" --root "$dir" check "$g"
                done
        done
        local q=$FIXTURES/check/kvm-qemu-nvme
        golden check-kvm-qemu-nvme-two-groups --root "$q" check virt nvme
        golden check-kvm-qemu-nvme-role-agent --root "$q" check k3s-prereq --role agent
        golden check-kvm-qemu-nvme-data-dir --root "$q" check disk --data-dir /var/lib/rancher/k3s
        golden check-kvm-qemu-nvme-steal-window-0 --root "$q" check virt --steal-window 0
        golden check-error-unknown-group --root "$q" check nosuchgroup
        golden check-error-bad-role --root "$q" check --role boss
        golden check-error-bad-steal-window --root "$q" check --steal-window 99999999
        # A controller resetting (issue 12's example of the two judges).
        golden check-nvme-resetting-nvme --root "$WORK/nvme-resetting" check nvme
}

# --- profiles -----------------------------------------------------------------
cases_profile() {
        golden profile-list profile list
        local p
        for p in base k3s-node serverless; do
                golden "profile-show-$p" profile show "$p"
        done
        golden profile-lint-all profile lint base k3s-node serverless
        golden profile-show-error-missing profile show no-such-profile
        printf '[sysctl]\nnet.core.somaxconn = lots\n' >"$WORK/bad.ini"
        golden profile-lint-error-bad-value profile lint "$WORK/bad.ini"
        printf '[profile]\ninclude = cyc\n' >"$WORK/cyc.ini"
        golden profile-lint-error-include-cycle --profile-path "$WORK" profile lint "$WORK/cyc.ini"
        golden profile-error-no-subcommand profile
}

# --- plan / apply / verify / rollback on a copy of tune/debian12 --------------
cases_tune() {
        local R; R=$(copy tune/debian12 tune)
        golden tune-01-plan --root "$R" plan serverless
        golden tune-02-plan-base --root "$R" plan base
        golden tune-03-apply-dry-run --root "$R" apply serverless --dry-run
        golden tune-04-verify-nothing-applied --root "$R" verify
        golden tune-05-rollback-nothing-applied --root "$R" rollback
        golden tune-06-apply --root "$R" apply serverless
        golden tune-07-verify-overridden --root "$R" verify
        rm "$R/etc/sysctl.d/99-zzz-local.conf"
        golden tune-08-verify-in-sync --root "$R" verify
        golden tune-09-apply-again --root "$R" apply serverless
        echo 100 >"$R/proc/sys/net/ipv4/neigh/default/gc_thresh1"
        golden tune-10-verify-drift --root "$R" verify
        echo 4096 >"$R/proc/sys/net/ipv4/neigh/default/gc_thresh1"
        mv "$R/proc/sys/net/bridge" "$WORK/bridge.saved"
        golden tune-11-verify-missing-key --root "$R" verify
        mv "$WORK/bridge.saved" "$R/proc/sys/net/bridge"
        echo "# edited" >>"$R/etc/sysctl.d/99-zz-nodeprep.conf"
        golden tune-12-verify-edited-drop-in --root "$R" verify
        golden tune-13-rollback --root "$R" rollback
        golden tune-14-rollback-again --root "$R" rollback
        golden tune-15-verify-after-rollback --root "$R" verify
        # Refusals and options.
        local R2; R2=$(copy tune/debian12 tune-notours)
        echo overlay >"$R2/etc/modules-load.d/nodeprep.conf"
        golden tune-apply-error-not-ours --root "$R2" apply serverless
        local R3; R3=$(copy tune/debian12 tune-nopersist)
        golden tune-apply-no-persist --root "$R3" apply --no-persist serverless
        local R4; R4=$(copy tune/debian12 tune-strict)
        rm -r "$R4/proc/sys/net/bridge"
        golden tune-apply-error-strict-missing --root "$R4" apply --strict serverless
        golden tune-apply-missing-key --root "$R4" apply serverless
        golden tune-plan-error-no-profile --root "$R" plan no-such-profile
        golden tune-plan-error-bad-profile --root "$R" plan "$WORK/bad.ini"
        golden tune-apply-error-no-argument --root "$R" apply
        # A tree with no sysctl.d at all.
        local E=$WORK/bare-tune
        mkdir -p "$E/proc/sys/net/core"
        echo 4096 >"$E/proc/sys/net/core/somaxconn"
        printf '[sysctl]\nnet.core.somaxconn = 8192\n' >"$WORK/one.ini"
        golden tune-plan-bare-tree --root "$E" plan "$WORK/one.ini"
}

# --- serve --once: the /status body -------------------------------------------
# serve writes its canary into the data dir when the tree has one: those trees
# are copied (the two passes run at once), the others are read in place
# (copying is slow here). Each case waits about half a second (collection 2 of
# --once): they run beside the others (run_all).
cases_serve_fixtures() {
        local dir name root
        for dir in "$FIXTURES"/check/*/; do
                name=$(basename "$dir") root=$dir
                [ -e "$dir/var/lib/rancher" ] && root=$(copy "check/$name" "serve-$name")
                golden "serve-once-$name" --root "$root" serve --once
        done
}
cases_serve_health() {
        local H; H=$(copy tune/debian12 health)
        cp -a "$FIXTURES/health/node/." "$H/"
        mkdir -p "$H/etc/nodeprep"
        printf '[health]\ninterval = 1\ncounter_hold = 2\n' >"$H/etc/nodeprep/nodeprep.conf"
        golden serve-once-health-node --root "$H" serve --once
        golden serve-once-health-profile-applied-setup --root "$H" apply --no-persist serverless
        golden serve-once-health-profile-applied --root "$H" serve --once
        echo 128 >"$H/proc/sys/net/core/somaxconn"
        golden serve-once-health-profile-drifted --root "$H" serve --once
        printf '[health]\nbogus = 1\n' >"$H/etc/nodeprep/nodeprep.conf"
        golden serve-once-error-bad-config --root "$H" serve --once
        golden serve-error-bad-interval --root "$H" serve --once --interval 0
        printf '[health]\nchecks = nvme-health\n' >"$WORK/nvme.conf"
        golden serve-once-nvme-resetting --root "$WORK/nvme-resetting" serve --once --config "$WORK/nvme.conf"
}

# --- k3s: status, an air-gapped install (no systemd under --root), uninstall ----
cases_k3s() {
        golden k3s-status-not-installed --root "$FIXTURES/check/dmcrypt-lvm" k3s status
        local A=$WORK/airgap R; R=$WORK/k3s-root
        mkdir -p "$A" "$R"
        printf '#!/bin/sh\necho "k3s version v1.31.4+k3s1 (golden)"\n' >"$A/k3s"
        printf 'not really zstd\n' >"$A/k3s-airgap-images-$ARCH.tar.zst"
        (cd "$A" && sha256sum k3s "k3s-airgap-images-$ARCH.tar.zst" >"sha256sum-$ARCH.txt")
        golden k3s-01-install-airgap --root "$R" k3s install --airgap "$A" --arch "$ARCH"
        golden k3s-02-status --root "$R" k3s status
        golden k3s-03-install-again --root "$R" k3s install --airgap "$A" --arch "$ARCH"
        golden k3s-04-killall --root "$R" k3s killall
        golden k3s-05-uninstall --root "$R" k3s uninstall
        golden k3s-06-uninstall-again --root "$R" k3s uninstall
        golden k3s-07-status-after-uninstall --root "$R" k3s status
        mkdir -p "$WORK/k3s-agent"
        golden k3s-install-agent-error-no-server --root "$WORK/k3s-agent" k3s install --role agent --airgap "$A" --arch "$ARCH"
        golden k3s-install-error-bad-role --root "$R" k3s install --role master
        golden k3s-install-error-version-and-channel --root "$R" k3s install --version v1.31.4+k3s1 --channel stable
        golden k3s-error-no-subcommand --root "$R" k3s
        golden k3s-error-unknown-subcommand --root "$R" k3s frobnicate
}

# --- openfaas: install from a loopback chart repository, status, uninstall ----
# The password file is laid down beforehand (alphanumerics, as install would
# write): install keeps it, so the manifest and its hash are the same each run.
cases_openfaas() {
        local R=$WORK/of-root
        mkdir -p "$R/var/lib/rancher/k3s/server/manifests" "$R/etc"
        golden openfaas-status-not-installed --root "$R" openfaas status
        golden openfaas-uninstall-nothing --root "$R" openfaas uninstall
        golden openfaas-install-error-no-eula --root "$R" openfaas install
        golden openfaas-install-error-bad-timeout --root "$R" openfaas install --accept-ce-eula --function-timeout 10x
        golden openfaas-install-error-bad-expose --root "$R" openfaas install --accept-ce-eula --expose public
        golden openfaas-install-error-airgap-ce --root "$R" openfaas install --accept-ce-eula --airgap --chart-file /dev/null
        mkdir -p "$WORK/of-bare/etc"
        golden openfaas-install-error-no-k3s --root "$WORK/of-bare" openfaas install --accept-ce-eula --chart-file /dev/null
        mkdir -m 700 -p "$R/var/lib/nodeprep/openfaas"
        (umask 077; printf 'goldenPassword0123456789abcdefABCDEF' >"$R/var/lib/nodeprep/openfaas/basic-auth-password")
        golden openfaas-01-install --root "$R" openfaas install --accept-ce-eula --chart-url "$CHART_URL"
        golden openfaas-02-status --root "$R" openfaas status
        golden openfaas-03-install-again --root "$R" openfaas install --accept-ce-eula --chart-url "$CHART_URL"
        golden openfaas-04-install-other-timeout --root "$R" openfaas install --accept-ce-eula --chart-url "$CHART_URL" \
                --function-timeout 2m --expose loadbalancer
        echo "# edited" >>"$R/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"
        golden openfaas-05-status-edited --root "$R" openfaas status
        golden openfaas-06-uninstall-error-edited --root "$R" openfaas uninstall
        sed -i '$d' "$R/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"
        golden openfaas-07-uninstall --root "$R" openfaas uninstall
        golden openfaas-08-status-after-uninstall --root "$R" openfaas status
}

# --- gateway: plan, apply (phase 1, no certificate), verify, remove -----------
cases_gateway() {
        local R=$WORK/gw-root D=fn.example.com
        mkdir -p "$R/usr/sbin" "$R/usr/bin" "$R/etc/nginx/conf.d" "$R/etc/nginx/sites-available" \
                "$R/etc/nginx/sites-enabled" "$R/var/lib"
        printf 'server { listen 80 default_server; }\n' >"$R/etc/nginx/sites-available/default"
        ln -s /etc/nginx/sites-available/default "$R/etc/nginx/sites-enabled/default"
        touch "$R/usr/sbin/nginx" "$R/usr/bin/certbot"
        echo "root:x:0:0::/root:/bin/sh" >"$R/etc/passwd"
        golden gateway-01-verify-not-installed --root "$R" gateway verify --domain $D
        golden gateway-02-plan --root "$R" gateway plan --domain FN.Example.COM --function-timeout 1m30s
        golden gateway-03-plan-tls-none --root "$R" gateway plan --domain $D --tls none --rate 20/m --burst 7 \
                --max-body 10m --allow-system 10.1.0.0/16 --trusted-proxy 192.0.2.0/24 --trusted-proxy 2001:db8::/32
        golden gateway-04-apply --root "$R" gateway apply --domain $D --function-timeout 1m30s
        golden gateway-05-apply-again --root "$R" gateway apply --domain $D --function-timeout 1m30s
        golden gateway-06-verify-phase1 --root "$R" gateway verify --domain $D --function-timeout 1m30s
        golden gateway-07-verify-other-options --root "$R" gateway verify --domain $D
        # Phase 2 on a copy: a certificate where certbot puts it (fixed serial;
        # its dates follow the clock and are normalised).
        local L=$WORK/gw-phase2 opts=(--domain $D --function-timeout 1m30s --rate 20/m --burst 7 --max-body 10m
                --allow-system 10.1.0.0/16 --trusted-proxy 192.0.2.0/24 --trusted-proxy 2001:db8::/32)
        cp -a "$R" "$L"
        mkdir -p "$L/etc/letsencrypt/live/$D"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -set_serial 4242 -days 90 \
                -keyout "$L/etc/letsencrypt/live/$D/privkey.pem" -out "$L/etc/letsencrypt/live/$D/fullchain.pem" \
                -subj "/CN=$D" -addext "subjectAltName=DNS:$D" 2>/dev/null || fail "openssl req failed"
        golden gateway-tls-01-apply-phase2 --root "$L" gateway apply "${opts[@]}"
        golden gateway-tls-02-apply-again --root "$L" gateway apply "${opts[@]}"
        golden gateway-tls-03-verify --root "$L" gateway verify "${opts[@]}"
        mkdir -p "$L/var/lib/rancher/k3s/server/manifests"
        printf 'gateway:\n  upstreamTimeout: 2m\n  readTimeout: 2m5s\n  writeTimeout: 2m5s\n' \
                >"$L/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"
        golden gateway-tls-04-verify-order-broken --root "$L" gateway verify "${opts[@]}"
        golden gateway-tls-05-serve-once --root "$L" serve --once
        golden gateway-tls-06-remove --root "$L" gateway remove --domain $D
        golden gateway-08-remove --root "$R" gateway remove --domain $D
        golden gateway-09-remove-again --root "$R" gateway remove --domain $D
        local T=$WORK/gw-tls-none
        cp -a "$R" "$T"
        golden gateway-tls-none-apply --root "$T" gateway apply --domain $D --tls none
        golden gateway-tls-none-verify --root "$T" gateway verify --domain $D --tls none
        local C=$WORK/gw-conflict
        cp -a "$R" "$C"
        printf 'limit_req_zone $binary_remote_addr zone=mine:1m rate=1r/s;\n' >"$C/etc/nginx/conf.d/nodeprep-ratelimit.conf"
        golden gateway-apply-error-not-ours --root "$C" gateway apply --domain $D
        local M=$WORK/gw-nocertbot
        cp -a "$R" "$M"
        rm "$M/usr/bin/certbot"
        golden gateway-apply-error-no-certbot --root "$M" gateway apply --domain $D
        golden gateway-apply-error-bad-domain --root "$R" gateway apply --domain "fn.example.com;"
        golden gateway-apply-error-no-domain --root "$R" gateway apply --tls none
        golden gateway-apply-error-bad-rate --root "$R" gateway apply --domain $D --rate 5r/s
}

# --- bootstrap: preflight failure, then K3s written without systemd -----------
cases_bootstrap() {
        local R; R=$(copy tune/debian12 boot)
        golden bootstrap-01-preflight-fails --root "$R" bootstrap
        golden bootstrap-02-ignore-preflight --root "$R" bootstrap --no-service \
                --ignore-preflight kmsg,memory,cgroup-v2,overlay,br_netfilter,disk-free \
                --airgap "$WORK/airgap" --arch "$ARCH"
        golden bootstrap-03-again --root "$R" bootstrap --no-service \
                --ignore-preflight kmsg,memory,cgroup-v2,overlay,br_netfilter,disk-free \
                --airgap "$WORK/airgap" --arch "$ARCH"
        # The openfaas and gateway stages come after k3s, which cannot finish
        # without systemd (exit 4): under --root only their option errors show.
        golden bootstrap-error-bad-flag --root "$R" bootstrap --no-such-flag
        golden bootstrap-error-openfaas-no-eula --root "$R" bootstrap --openfaas
        golden bootstrap-error-gateway-bad-domain --root "$R" bootstrap --domain "fn.example.com;"
        golden bootstrap-error-bad-role --root "$R" bootstrap --role master
}

# --- the global options and other commands -------------------------------------
cases_global() {
        golden version version
        golden error-unknown-command frobnicate
        # Today a bad global option prints no JSON at all (stderr only): recorded as it is.
        golden error-unknown-option --no-such-option check
        golden error-option-without-value check --root
        golden error-unknown-command-option check --no-such-option
        golden error-root-missing --root "$WORK/no-such-root" check
        golden error-lock-timeout-bad --lock-timeout x version
}

run_all() {  # OUT WORK: one full pass
        OUT=$1 WORK=$2
        mkdir -p "$OUT" "$WORK"
        local serve_fixtures serve_health r
        # kvm-qemu-nvme with its controller resetting: read by check and serve.
        r=$(copy check/kvm-qemu-nvme nvme-resetting)
        echo resetting >"$(readlink -f "$r/sys/class/nvme/nvme0")/state"
        cases_serve_fixtures & serve_fixtures=$!
        cases_serve_health & serve_health=$!
        cases_check; cases_profile; cases_tune; cases_k3s; cases_openfaas; cases_gateway
        cases_bootstrap; cases_global
        wait $serve_fixtures || fail "serve cases (fixtures) failed"
        wait $serve_health || fail "serve cases (health) failed"
        python3 "$GOLDEN/normalise.py" --work "$WORK" --tmp "$TMP" --top "$NODEPREP_TOP" "$OUT"/*.json
        # One line per case, "CASE EXIT-CODE", in the C locale's order.
        for f in "$OUT"/*.rc; do echo "$(basename "$f" .rc) $(cat "$f")"; done | LC_ALL=C sort >"$OUT/exit-codes"
        rm -f "$OUT"/*.stderr "$OUT"/*.rc
}

# The stand-in chart repository (tests/e2e/openfaas/chartrepo.py: the same
# bytes every run), shared by both passes.
repo_pid=
trap '[ -n "$repo_pid" ] && kill $repo_pid 2>/dev/null; rm -rf "$TMP"' EXIT
python3 "$NODEPREP_TOP/tests/e2e/openfaas/chartrepo.py" --dir "$TMP/chartrepo" --port-file "$TMP/chartrepo.port" &
repo_pid=$!
for _ in $(seq 200); do [ -s "$TMP/chartrepo.port" ] && break; sleep 0.05; done
[ -s "$TMP/chartrepo.port" ] || fail "the chart repository did not start within 10 s"
CHART_URL=http://127.0.0.1:$(cat "$TMP/chartrepo.port")

# Two passes side by side (most of the time is serve --once sleeping), then
# they must agree byte for byte before either is compared.
run_all "$TMP/pass1" "$TMP/work1" & pass1=$!
run_all "$TMP/pass2" "$TMP/work2" & pass2=$!
wait $pass1 || fail "pass 1 failed"
wait $pass2 || fail "pass 2 failed"
diff -r "$TMP/pass1" "$TMP/pass2" >"$TMP/nondet" ||
        fail "nondeterministic output (two runs differ after normalising): $(cat "$TMP/nondet")"
ok
ncases=$(wc -l <"$TMP/pass1/exit-codes")
[ "$ncases" -ge 100 ] || fail "only $ncases cases ran"

if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
        rm -f "$GOLDEN"/*.json
        cp "$TMP/pass1"/*.json "$TMP/pass1/exit-codes" "$GOLDEN/"
        echo "rewrote $ncases golden cases in $GOLDEN: review 'git diff tests/golden' and explain every change"
        exit 0
fi

shopt -s nullglob
# Byte for byte: the same cases, the same bytes, the same exit codes.
bad=0
for f in "$TMP/pass1"/*.json; do
        name=$(basename "$f" .json)
        if [ ! -f "$GOLDEN/$name.json" ]; then
                echo "new case $name has no golden file (GOLDEN_UPDATE=1 writes it)" >&2; bad=1
        elif ! cmp -s "$GOLDEN/$name.json" "$f"; then
                echo "case $name: stdout differs from tests/golden/$name.json:" >&2
                # The bytes differ; show where, pretty-printed when both sides are JSON.
                if python3 -m json.tool "$GOLDEN/$name.json" >"$TMP/want" 2>/dev/null &&
                   python3 -m json.tool "$f" >"$TMP/got" 2>/dev/null && ! cmp -s "$TMP/want" "$TMP/got"; then
                        diff -u "$TMP/want" "$TMP/got" | sed 's/^/    /' >&2 || true
                else
                        diff -u "$GOLDEN/$name.json" "$f" | sed 's/^/    /' >&2 || true
                fi
                bad=1
        fi
        ok
done
for f in "$GOLDEN"/*.json; do
        [ -f "$TMP/pass1/$(basename "$f")" ] || { echo "golden $(basename "$f") has no case any more" >&2; bad=1; }
done
if ! diff -u "$GOLDEN/exit-codes" "$TMP/pass1/exit-codes" >"$TMP/rc.diff"; then
        echo "exit codes differ from tests/golden/exit-codes:" >&2; cat "$TMP/rc.diff" >&2; bad=1
fi
[ $bad -eq 0 ] || fail "the --json contract changed (see above; tests/golden/README.md says what to do)"
ok
echo "$ncases cases, byte for byte"
done_ok
