#!/usr/bin/env bash
# nodeprep check on every fixture tree under tests/fixtures/check/: the JSON
# must equal the golden file in tests/fixtures/check-expected/<name>.json
# (kept apart from the trees, like util-linux's lsblk dumps), the exit code
# must follow "failed", and the human table must render.
# UPDATE_GOLDEN=1 rewrites the golden files instead of diffing.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
golden=$FIXTURES/check-expected
n=0
for dir in "$FIXTURES"/check/*/; do
        name=$(basename "$dir")
        set +e
        "$NODEPREP" --root "$dir" --json check >"$TMP/$name.json" 2>"$TMP/$name.err"
        rc=$?
        set -e
        jq . "$TMP/$name.json" >"$TMP/$name.pretty" || fail "$name: output is not JSON: $(head -c 300 "$TMP/$name.json")"
        failed=$(jq -r .failed "$TMP/$name.json")
        if [ "$failed" -gt 0 ]; then eq "$rc" 3 "$name exit code"; else eq "$rc" 0 "$name exit code"; fi
        [ -s "$TMP/$name.err" ] && fail "$name: unexpected stderr: $(cat "$TMP/$name.err")"
        if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
                cp "$TMP/$name.pretty" "$golden/$name.json"
        else
                [ -f "$golden/$name.json" ] || fail "$name: no golden file $golden/$name.json (run with UPDATE_GOLDEN=1)"
                diff -u "$golden/$name.json" "$TMP/$name.pretty" || fail "$name: output differs from $golden/$name.json"
        fi
        ok
        # Every live-only probe says it was skipped, none claims a live result.
        contains "$(cat "$TMP/$name.json")" "live-only, skipped under --root"
        # The table renders the same items.
        set +e
        "$NODEPREP" --root "$dir" check >"$TMP/$name.txt" 2>&1
        set -e
        rows=$(awk '$3 ~ /^(ok|warn|fail|n\/a|unknown)$/ && /^[a-z]/' "$TMP/$name.txt" | wc -l)
        eq "$rows" "$(jq '.checks | length' "$TMP/$name.json")" "$name: table rows"
        n=$((n + 1))
done
[ $n -ge 6 ] || fail "expected at least 6 fixture trees, found $n"

# What each fixture is about, asserted directly (the goldens could drift).
st() { jq -r --arg g "$2" --arg n "$3" '.checks[] | select(.group==$g and .name==$n) | .status' "$TMP/$1.json"; }
rs() { jq -r --arg g "$2" --arg n "$3" '.checks[] | select(.group==$g and .name==$n) | .reason' "$TMP/$1.json"; }
contains "$(rs kvm-virtio-dockerenv virt vm)" "KVM guest"
eq "$(st kvm-virtio-dockerenv virt container)" ok "stray /.dockerenv"
contains "$(rs kvm-virtio-dockerenv virt container)" "stray /.dockerenv ignored"
contains "$(rs kvm-virtio-dockerenv disk device)" "virtual disk (virtio-blk): media unknown, SMART n/a"
contains "$(rs kvm-qemu-nvme virt vm)" "KVM guest"
contains "$(rs kvm-qemu-nvme disk device)" "virtual NVMe (QEMU NVMe Ctrl"
contains "$(rs kvm-qemu-nvme nvme nvme0)" "SMART data is synthetic"
contains "$(rs baremetal-nvme-vmx virt vm)" "bare metal"
eq "$(st baremetal-nvme-vmx kvm cpu-flags)" ok "vmx"
contains "$(rs baremetal-nvme-vmx disk device)" "NVMe (SAMSUNG"
eq "$(st baremetal-nvme-vmx k3s-prereq iptables)" warn "iptables 1.8.4 nft"
eq "$(st baremetal-nvme-vmx limits profile)" ok "applied profile"
eq "$(st openvz virt container)" fail "openvz"
contains "$(rs openvz virt container)" "OpenVZ"
eq "$(st openvz k3s-prereq overlay)" fail "openvz overlay"
eq "$(st lxc virt container)" fail "lxc"
eq "$(st lxc k3s-prereq kmsg)" fail "lxc /dev/kmsg"
contains "$(rs lxc virt steal)" "lxcfs"
contains "$(rs dmcrypt-lvm disk device)" "dm-2 (lvm vg0-var--lib) → dm-0 (dm-crypt sda2_crypt) → sda2 (partition of sda) → sda"
eq "$(st dmcrypt-lvm k3s-prereq port-10250)" ok "port held by k3s itself"
eq "$(st dmcrypt-lvm limits manager-nofile)" fail "DefaultLimitNOFILE above nr_open"
eq "$(st openvz nvme controllers)" n/a "no NVMe is n/a"

# Group selection and usage errors.
run 0 np --root "$FIXTURES/check/kvm-qemu-nvme" --json check virt nvme
eq "$(echo "$out" | jq -r '[.checks[].group] | unique | join(",")')" "nvme,virt" "selected groups"
run 2 np --root "$FIXTURES/check/kvm-qemu-nvme" check nosuchgroup
contains "$err" "unknown group"
run 2 np --root "$FIXTURES/check/kvm-qemu-nvme" check --role boss
run 0 np --root "$FIXTURES/check/kvm-qemu-nvme" check --help
contains "$out" "k3s-prereq"
# A role changes the minimum: the 2 GiB LXC passes as an agent too, and a
# 512 MiB box fails as a server.
r=$(mkroot check/kvm-qemu-nvme)
sed -i 's/^MemTotal:.*/MemTotal:         524288 kB/' "$r/proc/meminfo"
run 3 np --root "$r" --json check k3s-prereq
eq "$(echo "$out" | jq -r '.checks[] | select(.name=="memory") | .status')" fail "512 MiB server"
run 0 np --root "$r" --json check k3s-prereq --role agent
eq "$(echo "$out" | jq -r '.checks[] | select(.name=="memory") | .status')" ok "512 MiB agent"
# Container markers: /.dockerenv counts only when something corroborates it.
container_case() {  # setup expected-status expected-text
        local r
        r=$(mkroot check/kvm-virtio-dockerenv)
        eval "$1"
        set +e
        np --root "$r" --json check virt >"$TMP/c.json"
        set -e
        eq "$(jq -r '.checks[] | select(.name=="container") | .status' "$TMP/c.json")" "$2" "container after: $1"
        contains "$(jq -r '.checks[] | select(.name=="container") | .reason + " " + .evidence' "$TMP/c.json")" "$3"
}
container_case 'ln -sfn "cgroup:[4026532999]" "$r/proc/self/ns/cgroup"' fail "Docker container"
container_case 'echo "0 100000 65536" >"$r/proc/self/uid_map"' fail "partial /proc/self/uid_map"
container_case 'rm "$r/.dockerenv"; mkdir -p "$r/run"; : >"$r/run/.containerenv"' ok "stray /run/.containerenv ignored"
container_case 'rm "$r/.dockerenv"; mkdir -p "$r/run"; : >"$r/run/.containerenv"; echo "0 100000 65536" >"$r/proc/self/uid_map"' fail "Podman"
container_case 'mkdir -p "$r/run/systemd"; echo systemd-nspawn >"$r/run/systemd/container"' fail "systemd-nspawn"
container_case 'rm "$r/.dockerenv"; ln -sfn "cgroup:[4026532999]" "$r/proc/self/ns/cgroup"' warn "non-initial cgroup namespace"
container_case 'mkdir -p "$r/proc/1"; printf "container=lxc\0" >"$r/proc/1/environ"' fail "LXC container"
# The VM layer from what a fixture holds: /sys/hypervisor (Xen), no clues at all.
r=$(mkroot check/kvm-virtio-dockerenv)
echo "tsc" >"$r/sys/devices/system/clocksource/clocksource0/available_clocksource"
mkdir -p "$r/sys/hypervisor" && echo xen >"$r/sys/hypervisor/type"
run 0 np --root "$r" --json check virt
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="vm") | .reason')" "Xen guest (/sys/hypervisor/type)"
rm -r "$r/sys/hypervisor"
run 0 np --root "$r" --json check virt
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="vm") | .reason')" "guest of an unidentified hypervisor"
# /var/lib/rancher linked to a data disk (absolute and relative links): the
# mount is the data disk's, found inside the root, not the host's.
r=$(mkroot check/dmcrypt-lvm)
mkdir -p "$r/mnt/data/rancher/k3s"
rm -r "$r/var/lib/rancher"
echo "60 28 8:1 / /mnt/data rw,relatime shared:40 - ext4 /dev/sda1 rw" >>"$r/proc/self/mountinfo"
for link in /mnt/data/rancher ../../mnt/data/rancher; do
        ln -sfn "$link" "$r/var/lib/rancher"
        run 0 np --root "$r" --json check disk
        contains "$(echo "$out" | jq -r '.checks[] | select(.name=="mount") | .reason')" "resolves to /mnt/data/rancher/k3s) is on /mnt/data"
        contains "$(echo "$out" | jq -r '.checks[] | select(.name=="device") | .reason')" "sda1 (partition of sda) → sda"
done
ln -sfn rancher "$r/var/lib/rancher"    # a loop: the nearest existing ancestor is /var/lib
run 0 np --root "$r" --json check disk
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="mount") | .reason')" "nearest existing: /var/lib) is on /var/lib"
# system.conf drop-ins: sorted by name across directories, /etc masking the
# same name in /usr/lib, later names winning.
r=$(mkroot check/baremetal-nvme-vmx)
mkdir -p "$r/usr/lib/systemd/system.conf.d" "$r/run/systemd/system.conf.d"
printf '[Manager]\nDefaultLimitNOFILE=1:2\n' >"$r/usr/lib/systemd/system.conf.d/nodeprep.conf"   # masked by /etc
printf '[Manager]\nDefaultLimitNOFILE=4096:8192\n' >"$r/usr/lib/systemd/system.conf.d/10-early.conf"
run 0 np --root "$r" --json check limits
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="manager-nofile") | .reason + " " + .evidence')" \
        "DefaultLimitNOFILE=1024:1048576 /etc/systemd/system.conf.d/nodeprep.conf"
printf '[Manager]\nDefaultLimitNOFILE=65536\n' >"$r/run/systemd/system.conf.d/zz-late.conf"
run 3 np --root "$r" --json check limits
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="manager-nofile") | .reason')" "DefaultLimitNOFILE=65536:65536"
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="profile") | .reason')" "not the profile's 1048576"
printf '[Manager]\nDefaultLimitNOFILE=lots\n' >"$r/run/systemd/system.conf.d/zz-late.conf"
run 0 np --root "$r" --json check limits
eq "$(echo "$out" | jq -r '.checks[] | select(.name=="manager-nofile") | .status')" unknown "unparsable DefaultLimitNOFILE"
# LUKS on an md RAID1 of two partitions: the chain forks to both disks.
r=$(mkroot check/dmcrypt-lvm)
md=$r/sys/devices/virtual/block/md0
mkdir -p "$md/md" "$md/slaves" "$md/queue"
echo 9:0 >"$md/dev"; echo raid1 >"$md/md/level"; echo 0 >"$md/queue/rotational"
ata=../../../../pci0000:00/0000:00:08.2/0000:0b:00.0/ata1/host0/target0:0:0/0:0:0:0/block/sda
ln -s "$ata/sda1" "$md/slaves/sda1"
ln -s "$ata/sda2" "$md/slaves/sda2"
ln -s ../../devices/virtual/block/md0 "$r/sys/class/block/md0"
rm "$r/sys/devices/virtual/block/dm-0/slaves/sda2"
ln -s ../../md0 "$r/sys/devices/virtual/block/dm-0/slaves/md0"
run 0 np --root "$r" --json check disk
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="device") | .reason')" \
        "dm-2 (lvm vg0-var--lib) → dm-0 (dm-crypt sda2_crypt) → md0 (md raid1 of sda1+sda2) → sda1 (partition of sda) → sda2 (partition of sda) → sda:"
# The same listener without K3s installed is somebody else's: a failure.
r=$(mkroot check/dmcrypt-lvm)
rm "$r/usr/local/bin/k3s"
run 3 np --root "$r" --json check k3s-prereq
eq "$(echo "$out" | jq -r '.checks[] | select(.name=="port-6443") | .status')" fail "6443 held by a stranger"
contains "$(echo "$out" | jq -r '.checks[] | select(.name=="port-6443") | .hint')" "ss -ltnp"

# iptables: dpkg-query asks the tree's own database (--root), not this machine's.
iptables_item() { np --root "$1" --json check k3s-prereq | jq -c '.checks[] | select(.name=="iptables") | [.status, .reason]' || true; }
r=$(mkroot check/lxc)
eq "$(iptables_item "$r")" '["ok","iptables 1.8.9-2 (nft)"]' "installed in the tree"
sed -i 's/^Version: 1.8.9-2$/Version: 1.8.4-3/' "$r/var/lib/dpkg/status"
eq "$(iptables_item "$r" | jq -r '.[0]')" warn "1.8.4 in nft mode"
sed -i 's/^Status: install ok installed$/Status: deinstall ok config-files/' "$r/var/lib/dpkg/status"
eq "$(iptables_item "$r")" '["ok","no iptables package installed: K3s uses its bundled iptables"]' "removed, config kept"
rm -rf "$r/var/lib/dpkg"
eq "$(iptables_item "$r" | jq -r '.[0]')" ok "no dpkg database"
mkdir -p "$r/var/lib/dpkg" && printf 'Package: iptables\nthis is not a stanza\n' >"$r/var/lib/dpkg/status"
eq "$(iptables_item "$r" | jq -r '.[0]')" unknown "a database dpkg-query cannot read"
# A relative symlink inside the tree is followed there (dpkg-query resolves
# below --root as `dpkg --root` does for a chroot).
r=$(mkroot check/lxc)
mv "$r/var/lib/dpkg" "$r/var/lib/dpkg-real" && ln -s dpkg-real "$r/var/lib/dpkg"
eq "$(iptables_item "$r")" '["ok","iptables 1.8.9-2 (nft)"]' "relative symlink inside the tree"
done_ok
