#!/usr/bin/env bash
# plan / apply / verify / rollback against a Debian-like fixture tree (--root).
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"
R=$(mkroot tune/debian12)
before=$(tree_sum "$R")

# lint: every shipped profile passes.
run 0 np profile lint serverless k3s-node base
contains "$out" "serverless: profile OK"

# A tree without any sysctl.d directory: planning still works.
E=$TMP/empty-root
mkdir -p "$E/proc/sys/net/core"
echo 4096 > "$E/proc/sys/net/core/somaxconn"
printf '[sysctl]\nnet.core.somaxconn = 8192\n' > "$TMP/one.ini"
run 0 np --root "$E" --json plan "$TMP/one.ini"
eq "$(echo "$out" | jq_ '.keys[0].action')" "set" "plan on a bare tree"

# list and show
run 0 np profile list
contains "$out" "serverless"
lacks "$out" "invalid"
for name in base k3s-node serverless; do
        grep -Eq "^$name +[^(]" <<<"$out" || fail "profile list: no description for $name: $out"; ok
done
run 0 np --json profile list
eq "$(jq_ '[.profiles[] | select(has("error"))] | length' <<<"$out")" "0" "profile list --json: no errors"
eq "$(jq_ '.profiles[] | select(.name=="k3s-node") | .description | length > 0' <<<"$out")" "true"
run 0 np --json profile show serverless
eq "$(echo "$out" | jq_ '.sysctl[] | select(.key=="fs.file-max") | .modifier')" ">=" "file-max modifier"
eq "$(echo "$out" | jq_ '.chain | length')" "3" "include chain"

# plan: actions, the overriding admin drop-in, nothing written.
run 0 np --root "$R" --json plan serverless
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="fs.file-max") | .action')" "at-least-satisfied" "file-max action"
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.core.somaxconn") | .overridden_by')" "/etc/sysctl.d/99-zzz-local.conf" "overridden"
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.core.somaxconn") | .action')" "set"
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.netfilter.nf_conntrack_max") | .action')" "owned-elsewhere"
eq "$(echo "$out" | jq_ '.would_change')" "true"
eq "$(tree_sum "$R")" "$before" "plan touched the tree"

# dry-run: reports, changes nothing; options before or after the profile.
run 0 np --root "$R" --json apply serverless --dry-run
eq "$(echo "$out" | jq_ '.dry_run')" "true" "apply PROFILE --dry-run"
run 0 np --root "$R" --json apply --dry-run serverless
eq "$(echo "$out" | jq_ '.changed')" "false"
eq "$(echo "$out" | jq_ '.would_change')" "true"
eq "$(tree_sum "$R")" "$before" "dry-run touched the tree"

# apply
run 0 np --root "$R" --json apply serverless
eq "$(echo "$out" | jq_ '.changed')" "true"
eq "$(key "$R" net.core.somaxconn)" "32768"
eq "$(key "$R" net.ipv4.neigh.default.gc_thresh3)" "16384"
eq "$(key "$R" net.ipv4.ip_forward)" "1"
eq "$(key "$R" fs.file-max)" "2466170" "at-least never lowers"
eq "$(key "$R" vm.overcommit_memory)" "1" "kubelet-owned key at kubelet's value"
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.core.somaxconn") | .before')" "4096"
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.core.somaxconn") | .after')" "32768"
drop=$R/etc/sysctl.d/99-zz-nodeprep.conf
[ -f "$drop" ] || fail "no drop-in"; ok
eq "$(stat -c %a "$drop")" "644" "drop-in mode"
grep -qx 'net.core.somaxconn = 32768' "$drop" || fail "drop-in lacks somaxconn"; ok
grep -qx 'fs.file-max = 2466170' "$drop" || fail "at-least key should persist the live value"; ok
grep -q '^-' "$drop" && fail "drop-in has '-' lines"; ok
grep -q '\*' "$drop" && fail "drop-in has globs"; ok
grep -qx 'br_netfilter' "$R/etc/modules-load.d/nodeprep.conf" || fail "modules-load.d"; ok
grep -qx 'DefaultLimitNOFILE=1024:1048576' "$R/etc/systemd/system.conf.d/nodeprep.conf" || fail "system.conf.d"; ok
[ -L "$R/etc/sysctl.d/99-sysctl.conf" ] || fail "Debian's link was touched"; ok
grep -q 'vm.swappiness = 10' "$R/etc/sysctl.conf" || fail "sysctl.conf touched"; ok
eq "$(jq_ '.keys["net.core.somaxconn"]' "$R/var/lib/nodeprep/originals.json")" "4096" "journalled original"

# verify: the admin drop-in overrides somaxconn at boot -> drift, named.
run 3 np --root "$R" verify
contains "$err" "net.core.somaxconn"
contains "$out" "overridden-at-boot"
rm "$R/etc/sysctl.d/99-zzz-local.conf"
run 0 np --root "$R" verify
contains "$out" "in sync"

# idempotent: a second apply changes nothing and keeps the first originals.
run 0 np --root "$R" --json apply serverless
eq "$(echo "$out" | jq_ '.changed')" "false" "second apply"
eq "$(jq_ '.keys["net.core.somaxconn"]' "$R/var/lib/nodeprep/originals.json")" "4096" "originals not overwritten"

# drift by hand, then a missing key.
echo 100 > "$R/proc/sys/net/ipv4/neigh/default/gc_thresh1"
run 3 np --root "$R" --json verify
eq "$(echo "$out" | jq_ '.drifted | join(",")')" "net.ipv4.neigh.default.gc_thresh1"
echo 4096 > "$R/proc/sys/net/ipv4/neigh/default/gc_thresh1"
mv "$R/proc/sys/net/bridge" "$TMP/bridge.saved"
run 3 np --root "$R" --json verify
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.bridge.bridge-nf-call-iptables") | .status')" "missing"
mv "$TMP/bridge.saved" "$R/proc/sys/net/bridge"
# A persisted file edited by hand is drift too.
echo "# edited" >> "$drop"
run 3 np --root "$R" verify
contains "$err" "99-zz-nodeprep.conf"

# rollback: exact originals, our files gone, the admin's untouched; idempotent.
run 0 np --root "$R" --json rollback
eq "$(echo "$out" | jq_ '.changed')" "true"
for k in net.core.somaxconn net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
         net.ipv4.neigh.default.gc_thresh3 net.ipv4.ip_forward vm.overcommit_memory kernel.panic fs.file-max; do
        eq "$(key "$R" $k)" "$(key "$FIXTURES/tune/debian12" $k)" "rollback $k"
done
[ -e "$drop" ] && fail "drop-in not removed"; ok
[ -e "$R/etc/modules-load.d/nodeprep.conf" ] && fail "modules file not removed"; ok
[ -e "$R/var/lib/nodeprep/originals.json" ] && fail "journal not cleared"; ok
run 0 np --root "$R" --json rollback
eq "$(echo "$out" | jq_ '.changed')" "false" "second rollback"
run 3 np --root "$R" verify
contains "$err" "no profile has been applied"

# A file nodeprep did not write is never replaced: exit 1, nothing touched.
R2=$(mkroot tune/debian12)
echo "overlay" > "$R2/etc/modules-load.d/nodeprep.conf"
b2=$(tree_sum "$R2")
run 1 np --root "$R2" apply serverless
contains "$err" "was not written by nodeprep"
eq "$(tree_sum "$R2")" "$b2" "refused apply touched the tree"

# --no-persist writes keys only.
R3=$(mkroot tune/debian12)
run 0 np --root "$R3" apply --no-persist serverless
[ -e "$R3/etc/sysctl.d/99-zz-nodeprep.conf" ] && fail "--no-persist wrote the drop-in"; ok
eq "$(key "$R3" net.core.somaxconn)" "32768"

# --strict: a key missing here fails before anything is written.
R4=$(mkroot tune/debian12)
rm -r "$R4/proc/sys/net/bridge"
b4=$(tree_sum "$R4")
run 1 np --root "$R4" apply --strict serverless
contains "$err" "net.bridge.bridge-nf-call-iptables does not exist here"
eq "$(tree_sum "$R4")" "$b4" "strict failure touched the tree"
# Without --strict: reported as missing, others applied.
run 0 np --root "$R4" --json apply serverless
eq "$(echo "$out" | jq_ '.keys[] | select(.key=="net.bridge.bridge-nf-call-iptables") | .action')" "missing"

done_ok
