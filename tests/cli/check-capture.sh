#!/usr/bin/env bash
# scripts/capture-fixture.sh on this machine, replayed: `nodeprep --root
# CAPTURE check` must agree with the live `nodeprep check` on every item a
# fixture can carry (the container layer, the disk chain, cgroups, modules,
# kernel config, limits), and say "skipped" for the live-only ones. Both
# output modes are exercised: a tree (--dir) and a tarball.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
[ "$(id -u)" -eq 0 ] || skip "capturing /proc and /sys completely needs root"
cap=$NODEPREP_TOP/scripts/capture-fixture.sh

run 0 bash "$cap" here "$TMP"
contains "$out" "$TMP/here.tar.gz"
tar -C "$TMP" -xzf "$TMP/here.tar.gz"
# sysfs links stay links, relative, and resolve inside the capture.
dev=$(find "$TMP/here/sys/dev/block" -maxdepth 1 -type l -print -quit)
[ -n "$dev" ] || fail "no /sys/dev/block links captured"
case "$(readlink "$dev")" in /*) fail "absolute link $(readlink "$dev")" ;; *) ok ;; esac
[ -e "$dev/dev" ] || fail "$dev does not resolve inside the capture"
ok

run 0 bash "$cap" --dir there "$TMP"
[ -d "$TMP/there/proc/self" ] || fail "--dir did not write a tree"
ok

set +e
"$NODEPREP" --json check >"$TMP/live.json"
"$NODEPREP" --root "$TMP/here" --json check >"$TMP/root.json"
"$NODEPREP" --root "$TMP/there" --json check >"$TMP/there.json"
set -e
items='virt/container k3s-prereq/cgroups k3s-prereq/br_netfilter k3s-prereq/overlay k3s-prereq/kmsg
       k3s-prereq/swap k3s-prereq/cpu k3s-prereq/iptables k3s-prereq/kernel-config
       k3s-prereq/inotify-instances k3s-prereq/keys-root-maxkeys disk/mount disk/device
       limits/file-max limits/nr-open limits/manager-nofile limits/profile nvme/controllers kvm/modules'
tsv() { jq -r '.checks[] | "\(.group)/\(.name)\t\(.status): \(.reason)"' "$1"; }
tsv "$TMP/live.json" >"$TMP/live.tsv"
tsv "$TMP/root.json" >"$TMP/root.tsv"
tsv "$TMP/there.json" >"$TMP/there.tsv"
item() { grep -F -m1 "$1"$'\t' "$2" | cut -f2; }
for it in $items; do
        live=$(item "$it" "$TMP/live.tsv")
        [ -n "$live" ] || fail "$it missing from the live run"
        eq "$(item "$it" "$TMP/root.tsv")" "$live" "$it (tarball vs live)"
        eq "$(item "$it" "$TMP/there.tsv")" "$live" "$it (tree vs live)"
done
# The VM layer agrees on the kind, though live decides by CPUID and the
# capture by the cpuinfo flag, DMI and the clocksource.
label() { jq -r '.checks[] | select(.name=="vm") | .reason | split(" (")[0]' "$1"; }
eq "$(label "$TMP/root.json")" "$(label "$TMP/live.json")" "virt/vm kind (capture vs live)"
# What cannot be captured is said to be skipped, never invented.
for it in kvm/usable disk/space; do
        g=${it%%/*} n=${it#*/}
        eq "$(jq -r --arg g "$g" --arg n "$n" '.checks[] | select(.group==$g and .name==$n) | .status' "$TMP/root.json")" \
                n/a "$it under --root"
done
contains "$(jq -r '.checks[] | select(.name=="vm") | .reason' "$TMP/root.json")" "CPUID is live-only, skipped under --root"
done_ok
