#!/usr/bin/env bash
# nodeprep openfaas install/uninstall against --root fixture trees (no API):
# EULA gating and digest checks touch nothing; the manifest, chart, password
# and record are written with their modes and hashes; a re-install changes
# nothing and needs no network; uninstall removes exactly our files.
source "$(dirname "$0")/lib.sh"
OF=$NODEPREP_TOP/tests/e2e/openfaas
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml missing (scripts/install-deps.sh installs it)"

repo() {  # DIR [--bad-digest]: a served repository; sets URL and keeps the pid
        local pf=$TMP/port.$RANDOM
        python3 "$OF/chartrepo.py" --dir "$1" --port-file "$pf" "${@:2}" &
        REPO_PID=$!
        for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
        [ -s "$pf" ] || fail "chart repository did not start"
        URL=http://127.0.0.1:$(cat "$pf")
}
stop_repo() { kill "$REPO_PID" 2>/dev/null || true; wait "$REPO_PID" 2>/dev/null || true; }
newroot() { local r=$TMP/root.$RANDOM; mkdir -p "$r/var/lib/rancher/k3s/server/manifests" "$r/etc"; echo "$r"; }
M=var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml
C=var/lib/rancher/k3s/server/static/charts/openfaas-15.0.6.tgz
P=var/lib/nodeprep/openfaas/basic-auth-password
R=var/lib/nodeprep/openfaas-install.json

repo "$TMP/repo"
trap 'stop_repo; rm -rf "$TMP"' EXIT

# 1. No EULA: exit 2, the EULA URL named, nothing touched.
root=$(newroot); before=$(tree_sum "$root")
run 2 np --root "$root" --json openfaas install --chart-url "$URL"
contains "$err" "https://github.com/openfaas/faas/blob/master/EULA.md"
contains "$err" "--accept-ce-eula"
eq "$(jq_ .exit_code <<<"$out")" 2 "json exit_code"
eq "$(tree_sum "$root")" "$before" "tree after refused install"
# Bad values and CE offline: exit 2, nothing touched.
run 2 np --root "$root" openfaas install --accept-ce-eula --airgap --chart-file /dev/null
contains "$err" "cannot run offline"
run 2 np --root "$root" openfaas install --accept-ce-eula --function-timeout 10x
contains "$err" "--function-timeout"
run 2 np --root "$root" openfaas install --accept-ce-eula --expose public
run 2 np --root "$root" openfaas install --accept-ce-eula --license-file /dev/null
contains "$err" "exclude each other"
eq "$(tree_sum "$root")" "$before" "tree after bad flags"

# 2. A chart whose digest does not match the index: exit 1, nothing written.
stop_repo
repo "$TMP/badrepo" --bad-digest
run 1 np --root "$root" --json openfaas install --accept-ce-eula --chart-url "$URL"
contains "$err" "sha256"
contains "$err" "but the index says"
eq "$(jq_ .failed_step <<<"$out")" chart "failed step"
stop_repo
eq "$(tree_sum "$root")" "$before" "tree after a digest mismatch"
# --chart-file alone is checked against the digest pinned at build time.
run 1 np --root "$root" openfaas install --accept-ce-eula --chart-file "$TMP/repo/openfaas-15.0.6.tgz"
contains "$err" "937d0672524fefb7177e0153f45d44ba0cde026ed8d0bfb723207e39c1119d6c"
eq "$(tree_sum "$root")" "$before" "tree after a pinned-digest mismatch"
# No K3s server here: exit 1 before anything is written.
bare=$TMP/bare; mkdir -p "$bare/etc"; bsum=$(tree_sum "$bare")
repo "$TMP/repo"
run 1 np --root "$bare" openfaas install --accept-ce-eula --chart-url "$URL"
contains "$err" "k3s-server"
eq "$(tree_sum "$bare")" "$bsum" "tree without a K3s server"

# 3. Install under --root: written, the ladder skipped (exit 4 as k3s install).
run 4 np --root "$root" --json openfaas install --accept-ce-eula --chart-url "$URL"
eq "$(jq_ '.changed' <<<"$out")" true "changed"
eq "$(jq_ '[.steps[] | select(.status == "changed") | .name] | join(",")' <<<"$out")" chart,password,manifest "changed steps"
eq "$(stat -c %a "$root/$M")" 600 "manifest mode"
eq "$(stat -c %a "$root/$P")" 600 "password mode"
eq "$(stat -c %a "$root/var/lib/nodeprep/openfaas")" 700 "state dir mode"
eq "$(stat -c %a "$root/$C")" 644 "chart mode"
cmp -s "$root/$C" "$TMP/repo/openfaas-15.0.6.tgz" || fail "static chart is not the repository's"
for f in "$M" "$C" "$P"; do
        eq "$(jq_ --arg p "/$f" '.files[$p]' "$root/$R")" "$(sha256sum <"$root/$f" | cut -d' ' -f1)" "recorded hash of $f"
done
python3 "$OF/check-manifest.py" "$root/$M" "$root/$P" 60 clusterip >/dev/null || fail "manifest check"
ok

# 4. Again, with the repository gone: nothing changes, nothing fetched.
stop_repo
sum1=$(tree_sum "$root")
run 4 np --root "$root" --json openfaas install --accept-ce-eula --chart-url "$URL"
eq "$(jq_ '.changed' <<<"$out")" false "re-install changed"
eq "$(jq_ '[.steps[] | select(.status == "changed")] | length' <<<"$out")" 0 "changed steps on re-install"
eq "$(tree_sum "$root")" "$sum1" "tree after re-install"

# 5. Another timeout and exposure: the password stays, the order holds.
pw=$(cat "$root/$P")
run 4 np --root "$root" openfaas install --accept-ce-eula --function-timeout 2m --expose loadbalancer
contains "$err" "port 8080"
eq "$(cat "$root/$P")" "$pw" "password after re-install"
python3 "$OF/check-manifest.py" "$root/$M" "$root/$P" 120 loadbalancer >/dev/null || fail "manifest check 2m"
ok

# 5b. Pro with a licence file: the openfaas-license Secret, openfaasPro "true".
proot=$(newroot)
printf 'eyJhbGciOiJFUzI1NiJ9.licence\n' >"$TMP/licence"
# --airgap is allowed for Pro; --chart-file without a repository meets the pinned digest.
run 1 np --root "$proot" --json openfaas install --license-file "$TMP/licence" --chart-file "$root/$C" --airgap
contains "$err" "937d0672"
repo "$TMP/repo"
run 4 np --root "$proot" --json openfaas install --license-file "$TMP/licence" --chart-url "$URL"
eq "$(jq_ .edition <<<"$out")" pro "edition"
python3 "$OF/check-manifest.py" "$proot/$M" "$proot/$P" 60 clusterip pro >/dev/null || fail "pro manifest"
ok

# 6. Uninstall refuses to remove a manifest someone changed.
cp "$root/$M" "$TMP/m.bak"
echo "# edited" >>"$root/$M"
run 1 np --root "$root" openfaas uninstall
contains "$err" "changed since nodeprep wrote it"
[ -e "$root/$M" ] || fail "edited manifest removed"
cp "$TMP/m.bak" "$root/$M"

# 7. Uninstall: our files gone, the record gone; again is a no-op.
run 0 np --root "$root" --json openfaas uninstall
eq "$(jq_ '.changed' <<<"$out")" true "uninstall changed"
for f in "$M" "$C" "$P" "$R"; do [ ! -e "$root/$f" ] || fail "$f left after uninstall"; done
[ ! -e "$root/var/lib/nodeprep/openfaas" ] || fail "state dir left"
run 0 np --root "$root" --json openfaas uninstall
eq "$(jq_ '.changed' <<<"$out")" false "second uninstall changed"
run 3 np --root "$root" openfaas status
done_ok
