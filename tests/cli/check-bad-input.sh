#!/usr/bin/env bash
# Truncated or garbage /proc and /sys in a fixture never crash `nodeprep
# check`: empty files, binary junk, huge files, dangling links, symlink
# loops and loops in slaves/ each give "unknown: <reason>" for the checks
# that depend on them, valid JSON, and exit 0 or 3.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

# Deterministic binary junk (NULs, control bytes, high bytes), made once:
# junk SIZE SEED prints SIZE bytes starting at a SEED-dependent offset.
python3 -c 'import random,sys; r=random.Random(1); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))' >"$TMP/junk"
junk() { dd if="$TMP/junk" iflag=skip_bytes,count_bytes skip=$(($2 * 997)) count="$1" status=none; }

# scenario NAME FIXTURE SETUP EXPECT...: SETUP mutates $r; each EXPECT is
# group/name that must be "unknown" with a reason starting with "unknown:".
scenario() {
        local name=$1 fixture=$2 setup=$3; shift 3
        r=$(mkroot "check/$fixture")
        eval "$setup"
        set +e
        timeout 20 "$NODEPREP" --root "$r" --json check >"$TMP/$name.json" 2>"$TMP/$name.err"
        local rc=$?
        set -e
        [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$name: exit $rc (crash?); stderr: $(cat "$TMP/$name.err")"
        jq -e . "$TMP/$name.json" >/dev/null || fail "$name: not JSON: $(head -c 300 "$TMP/$name.json")"
        jq -r '.checks[] | "\(.group)/\(.name)\t\(.status)\t\(.reason)"' "$TMP/$name.json" >"$TMP/$name.tsv"
        for e in "$@"; do
                local line s reason
                line=$(grep -F -m1 "$e"$'\t' "$TMP/$name.tsv") || fail "$name: no check $e"
                s=$(echo "$line" | cut -f2)
                reason=$(echo "$line" | cut -f3)
                eq "$s" unknown "$name: $e status ($reason)"
                case "$reason" in "unknown: "?*) ok ;; *) fail "$name: $e reason '$reason'" ;; esac
        done
        echo "ok $name"
}

Q=kvm-qemu-nvme D=dmcrypt-lvm
ctrl='sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0'

# Empty files.
scenario empty-cpuinfo $Q ': >"$r/proc/cpuinfo"' kvm/cpu-flags
scenario empty-mountinfo $Q ': >"$r/proc/self/mountinfo"' disk/mount k3s-prereq/cgroups
scenario empty-stat $Q ': >"$r/proc/stat"' virt/steal
scenario empty-meminfo $Q ': >"$r/proc/meminfo"' k3s-prereq/memory
scenario empty-nvme-model $Q ': >"$r/$ctrl/model"' nvme/nvme0
scenario empty-sysctls $Q ': >"$r/proc/sys/fs/file-max"; : >"$r/proc/sys/fs/nr_open"; : >"$r/proc/sys/kernel/keys/root_maxkeys"' \
        limits/file-max limits/nr-open k3s-prereq/keys-root-maxkeys
scenario empty-cpu-online $Q ': >"$r/sys/devices/system/cpu/online"' k3s-prereq/cpu
scenario empty-route $Q ': >"$r/proc/net/route"' 
eq "$(jq -r '.checks[] | select(.name=="default-route") | .status' "$TMP/empty-route.json")" fail "empty route table"

# Binary junk.
scenario junk-mountinfo $Q 'junk 4096 1 >"$r/proc/self/mountinfo"' disk/mount k3s-prereq/cgroups
scenario junk-cpuinfo $Q 'junk 4096 2 >"$r/proc/cpuinfo"' kvm/cpu-flags
scenario junk-stat $Q 'junk 512 3 >"$r/proc/stat"' virt/steal
scenario junk-nvme $Q 'junk 64 4 >"$r/$ctrl/model"' nvme/nvme0
scenario junk-kconfig $Q 'junk 2048 5 >"$r/boot/config-6.1.0-27-amd64"' k3s-prereq/kernel-config
scenario junk-configgz $Q 'rm "$r/boot/config-6.1.0-27-amd64"; junk 2048 6 >"$r/proc/config.gz"' k3s-prereq/kernel-config
scenario junk-tcp $Q 'junk 2048 7 >"$r/proc/net/tcp"; junk 2048 8 >"$r/proc/net/tcp6"' k3s-prereq/port-6443 k3s-prereq/port-10250
scenario junk-dpkg $Q 'junk 4096 9 >"$r/var/lib/dpkg/status"' k3s-prereq/iptables
scenario junk-applied $Q 'mkdir -p "$r/var/lib/nodeprep"; junk 300 10 >"$r/var/lib/nodeprep/applied.json"' limits/profile
scenario junk-systemconf $Q 'junk 300 11 >"$r/etc/systemd/system.conf"' limits/manager-nofile
scenario junk-swaps $Q 'junk 300 12 >"$r/proc/swaps"' k3s-prereq/swap
# Junk that looks like text: parsers must still refuse it.
scenario text-junk $Q 'echo "cpu  x y z" >"$r/proc/stat"; echo "MemTotal: lots" >"$r/proc/meminfo"; echo "0-" >"$r/sys/devices/system/cpu/online"' \
        virt/steal k3s-prereq/memory k3s-prereq/cpu

# Huge files (sparse, so they cost nothing on disk).
scenario huge-cpuinfo $Q 'truncate -s 64M "$r/proc/cpuinfo"' kvm/cpu-flags
scenario huge-mountinfo $Q 'truncate -s 64M "$r/proc/self/mountinfo"' disk/mount k3s-prereq/cgroups
scenario huge-attr $Q 'truncate -s 1M "$r/$ctrl/model"' nvme/nvme0
scenario huge-stat $Q 'truncate -s 64M "$r/proc/stat"' virt/steal

# Dangling links and symlink loops.
scenario dangling-devblock $Q 'ln -sfn ../../devices/nowhere/block/nvme0n1p1 "$r/sys/dev/block/259:1"' disk/device
scenario dangling-classblock $Q 'ln -sfn ../../devices/gone "$r/sys/class/block/nvme0n1"' disk/device
scenario dangling-nvme $Q 'ln -sfn ../../devices/gone/nvme0 "$r/sys/class/nvme/nvme0"' nvme/nvme0
scenario symlink-loop $D 'ln -sfn dm-2 "$r/sys/class/block/dm-2"' disk/device
# Loops in slaves/: dm-0's slave is dm-2, whose slave is dm-0.
scenario slaves-loop $D 'rm "$r/sys/devices/virtual/block/dm-0/slaves/sda2"; ln -s ../../dm-2 "$r/sys/devices/virtual/block/dm-0/slaves/dm-2"' disk/device
contains "$(jq -r '.checks[] | select(.name=="device") | .reason' "$TMP/slaves-loop.json")" "loop in slaves/"
scenario slaves-self $D 'ln -s ../../dm-2 "$r/sys/devices/virtual/block/dm-2/slaves/dm-2"' disk/device
scenario slaves-junk $D 'rm -r "$r/sys/devices/virtual/block/dm-0/slaves"; junk 100 13 >"$r/sys/devices/virtual/block/dm-0/slaves"' disk/device
# A sysfs directory where a file belongs, and a file where a directory belongs.
scenario dir-for-file $Q 'rm "$r/proc/cpuinfo"; mkdir "$r/proc/cpuinfo"' kvm/cpu-flags
scenario file-for-dir $Q 'rm "$r/sys/class/nvme/nvme0"; rm -r "$r/sys/class/nvme"; : >"$r/sys/class/nvme"' nvme/controllers
done_ok
