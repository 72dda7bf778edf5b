#!/usr/bin/env bash
# nodeprep check on the live machine (no --root). On the reference box, a
# Firecracker KVM guest with PVM nested KVM, a virtio-blk root and a stray
# /.dockerenv: virt must say KVM guest and no container, kvm must be usable
# by the functional probe (where kvm-ok and virt-host-validate say it is
# not), and disk must name the virtio disk honestly. Skips (77, with the
# reason) only when the hardware under test is not there.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
set +e
"$NODEPREP" --json check --steal-window 50 >"$TMP/live.json" 2>"$TMP/live.err"
rc=$?
set -e
jq -e . "$TMP/live.json" >/dev/null || fail "not JSON: $(head -c 400 "$TMP/live.json")"
failed=$(jq -r .failed "$TMP/live.json")
if [ "$failed" -gt 0 ]; then eq "$rc" 3 "exit code with failures"; else eq "$rc" 0 "exit code"; fi
st() { jq -r --arg g "$1" --arg n "$2" '.checks[] | select(.group==$g and .name==$n) | .status' "$TMP/live.json"; }
rs() { jq -r --arg g "$1" --arg n "$2" '.checks[] | select(.group==$g and .name==$n) | .reason' "$TMP/live.json"; }

# Nothing is "unknown" on a healthy live system, and absent hardware is n/a.
# (A kernel that exposes no config at all is honestly "unknown".)
unknown=$(jq -r '.checks[] | select(.status=="unknown") | "\(.group)/\(.name): \(.reason)"' "$TMP/live.json" |
        grep -v '^k3s-prereq/kernel-config: unknown: no kernel config available' || true)
[ -z "$unknown" ] || fail "unknown checks on the live system: $unknown"
ok
[ -d /sys/class/nvme ] || eq "$(st nvme controllers)" n/a "no NVMe is n/a"

# The VM layer: decided by CPUID on x86.
vm=$(rs virt vm)
case "$vm" in
"KVM guest (CPUID"*) ok ;;
*) grep -qw hypervisor /proc/cpuinfo || skip "not a VM: this test needs a KVM guest ($vm)"
   fail "virt/vm: $vm" ;;
esac
# The container layer: none, and a stray /.dockerenv is named and ignored.
eq "$(st virt container)" ok "virt/container"
if [ -e /.dockerenv ]; then contains "$(rs virt container)" "stray /.dockerenv ignored"; fi
contains "$(jq -r '.checks[] | select(.name=="container") | .evidence' "$TMP/live.json")" "initial cgroup namespace"

# KVM: the functional probe is the truth.
if [ ! -e /dev/kvm ]; then
        eq "$(st kvm usable)" n/a "no /dev/kvm"
        skip "no /dev/kvm on this machine: the functional KVM probe cannot be shown usable"
fi
[ "$(id -u)" -eq 0 ] || [ -w /dev/kvm ] || skip "/dev/kvm is not writable for uid $(id -u)"
eq "$(st kvm usable)" ok "kvm/usable"
contains "$(rs kvm usable)" "API version 12, KVM_CREATE_VM succeeded"
if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
        # The PVM case: the flags are absent and check says so, yet usable.
        contains "$(rs kvm cpu-flags)" "yet /dev/kvm works"
fi

# Disk: the device behind / (the K3s data dir's nearest ancestor).
root_src=$(findmnt -no SOURCE /var/lib 2>/dev/null || findmnt -no SOURCE /)
case "$root_src" in
/dev/vd*) contains "$(rs disk device)" "virtual disk (virtio-blk): media unknown, SMART n/a"
          contains "$(rs disk device)" "$(basename "$root_src" | sed 's/[0-9]*$//')" ;;
/dev/nvme*) contains "$(rs disk device)" "NVMe" ;;
*) echo "root on $root_src: device class not asserted" ;;
esac
eq "$(st disk mount)" ok "disk/mount"
contains "$(rs disk space)" "GB free of"

# The latency probe leaves nothing behind (O_TMPFILE) and reports p50/p99.
anc=/var/lib/rancher/k3s; while [ ! -e "$anc" ]; do anc=$(dirname "$anc"); done
before=$(ls -A "$anc" | wc -l)
run 0 np --json check disk --latency
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="latency") | .reason')" "p99"
eq "$(ls -A "$anc" | wc -l)" "$before" "files in $anc after --latency"
# A data dir on tmpfs: no block device to classify (a warning, with the
# reason); the latency probe still runs (tmpfs takes O_DIRECT since 6.6;
# before, the probe falls back to buffered writes and says so).
if [ "$(findmnt -no FSTYPE /dev/shm 2>/dev/null)" = tmpfs ]; then
        set +e
        np --json check disk --latency --data-dir /dev/shm/nodeprep-check-test/k3s >"$TMP/shm.json"
        set -e
        eq "$(jq -r '.checks[] | select(.name=="device") | .status' "$TMP/shm.json")" warn "tmpfs data dir"
        contains "$(jq -r '.checks[] | select(.name=="device") | .reason + " " + .hint' "$TMP/shm.json")" "lost at reboot"
        contains "$(jq -r '.checks[] | select(.name=="latency") | .reason' "$TMP/shm.json")" "p99"
        [ ! -e /dev/shm/nodeprep-check-test ] || fail "the probe created its data dir"
        ok
fi
done_ok
