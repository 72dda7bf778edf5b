#!/usr/bin/env bash
# Capture the files `nodeprep check` reads from a real host into a tarball,
# so the host can be replayed with `nodeprep --root DIR check` (the idea of
# util-linux's tests/ts/lscpu/mk-input.sh dumps and libnvme's sysfs trees).
#
#   scripts/capture-fixture.sh NAME [OUTDIR]     -> OUTDIR/NAME.tar.gz
#   scripts/capture-fixture.sh --dir NAME DIR    -> the tree in DIR/NAME
#
# Sysfs is a forest of symlinks (/sys/dev/block/254:0 -> ../../devices/...);
# every link is copied as a link (cp -P semantics) and the attributes of the
# directory it points to are copied at the same absolute path inside the
# fixture, so relative links resolve inside it exactly as on the host.
# Device nodes cannot live in a tarball made by a user: /dev/kvm and /dev/kmsg
# become empty placeholder files when present. Live-only facts (CPUID,
# ioctls, netlink) are not captured; nodeprep says so under --root.
# Serial numbers and UUIDs are replaced unless --keep-serials is given.
set -euo pipefail

mode=tar keep_serials=0
while [ $# -gt 0 ]; do
        case "$1" in
        --dir) mode=dir; shift ;;
        --keep-serials) keep_serials=1; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) break ;;
        esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--dir] [--keep-serials] NAME [OUTDIR]" >&2; exit 2; }
name=$1 outdir=${2:-.}
case "$name" in */*|.*|"") echo "capture-fixture: bad name '$name'" >&2; exit 2 ;; esac

work=$(mktemp -d /tmp/capture-fixture.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/$name
mkdir -p "$R"

# Copy one regular file's content (sysfs attributes report size 4096, so read
# them instead of cp). Unreadable or write-only attributes are skipped.
copy_file() {
        local src=$1
        [ -f "$src" ] && [ -r "$src" ] || return 0
        mkdir -p "$R$(dirname "$src")"
        cat "$src" >"$R$src" 2>/dev/null || rm -f "$R$src"
}

# Copy a symlink as a symlink, creating its directory.
copy_link() {
        local src=$1
        [ -L "$src" ] || return 0
        mkdir -p "$R$(dirname "$src")"
        ln -sfn "$(readlink "$src")" "$R$src"
}

# A directory marker (/proc/vz, /run/systemd/system): a .keep file inside.
copy_dir_marker() {
        [ -d "$1" ] || return 0
        mkdir -p "$R$1" && : >"$R$1/.keep"
}

# Copy attributes (relative names) of a directory, following it if a link.
copy_attrs() {
        local dir=$1; shift
        local real
        real=$(readlink -f "$dir") || return 0
        for a in "$@"; do
                if [ -L "$real/$a" ]; then copy_link "$real/$a"; else copy_file "$real/$a"; fi
        done
}

# A sysfs link chain: copy each link and, at the end, the target's attributes.
copy_sysfs_link() {
        local link=$1; shift
        [ -e "$link" ] || [ -L "$link" ] || return 0
        local p=$link
        local seen=0
        while [ -L "$p" ] && [ $seen -lt 16 ]; do
                copy_link "$p"
                local t
                t=$(readlink "$p")
                case "$t" in /*) p=$t ;; *) p=$(cd "$(dirname "$p")" && cd "$(dirname "$t")" && pwd -P)/$(basename "$t") ;; esac
                seen=$((seen + 1))
        done
        copy_attrs "$link" "$@"
}

scrub() {  # file: replace a serial or UUID with a fixed placeholder
        [ $keep_serials -eq 1 ] || { [ -f "$R$1" ] && echo "SERIAL-REDACTED" >"$R$1"; }
        return 0
}

### /proc
for f in cpuinfo cmdline stat meminfo swaps cgroups config.gz user_beancounters \
         sys/kernel/osrelease sys/kernel/modules_disabled sys/kernel/keys/root_maxkeys \
         sys/fs/file-max sys/fs/nr_open sys/fs/file-nr \
         sys/fs/inotify/max_user_instances sys/fs/inotify/max_user_watches \
         sys/net/bridge/bridge-nf-call-iptables sys/net/netfilter/nf_conntrack_max \
         net/route net/ipv6_route net/tcp net/tcp6 pressure/cpu; do
        copy_file "/proc/$f"
done
copy_dir_marker /proc/vz
copy_dir_marker /proc/bc
copy_dir_marker /proc/xen
# /proc/self is the capturing shell; store it as a plain directory.
mkdir -p "$R/proc/self/ns" "$R/proc/1"
cat /proc/self/mountinfo >"$R/proc/self/mountinfo"
cat /proc/self/uid_map >"$R/proc/self/uid_map"
ln -sfn "$(readlink /proc/self/ns/cgroup)" "$R/proc/self/ns/cgroup"
cat /proc/1/environ >"$R/proc/1/environ" 2>/dev/null || rm -f "$R/proc/1/environ"

### /sys: hypervisor, DMI (names only, no serials), clocksource, CPUs, cgroups
copy_file /sys/hypervisor/type
for a in sys_vendor product_name product_version board_vendor board_name bios_vendor bios_version; do
        copy_file "/sys/class/dmi/id/$a"
done
[ -L /sys/class/dmi/id ] && copy_link /sys/class/dmi/id
[ -L /sys/class/dmi/id ] && for a in sys_vendor product_name product_version board_vendor board_name bios_vendor bios_version; do
        copy_file "$(readlink -f /sys/class/dmi/id)/$a"
done
copy_file /sys/devices/system/clocksource/clocksource0/available_clocksource
copy_file /sys/devices/system/clocksource/clocksource0/current_clocksource
copy_file /sys/devices/system/cpu/online
copy_file /sys/fs/cgroup/cgroup.controllers
copy_file /sys/fs/cgroup/unified/cgroup.controllers
copy_dir_marker /sys/fs/overlay

### /sys/module: the modules the checks ask about, with their parameters
for m in kvm kvm_intel kvm_amd kvm_pvm br_netfilter bridge overlay nf_conntrack; do
        [ -d "/sys/module/$m" ] || continue
        copy_dir_marker "/sys/module/$m"
        [ -d "/sys/module/$m/parameters" ] || continue
        for p in /sys/module/$m/parameters/*; do copy_file "$p"; done
done

### NVMe controllers and namespaces
for c in /sys/class/nvme/*; do
        [ -e "$c" ] || continue
        copy_sysfs_link "$c" model serial firmware_rev transport state address cntlid subsysnqn dev
        real=$(readlink -f "$c")
        scrub "$real/serial"
        for h in "$real"/hwmon*; do [ -d "$h" ] && copy_file "$h/temp1_input"; done
        for ns in "$real"/nvme*n*; do
                [ -d "$ns" ] || continue
                copy_attrs "$ns" size dev queue/rotational queue/scheduler queue/logical_block_size \
                        queue/physical_block_size queue/write_cache
        done
done

### Block devices: every /sys/class/block, /sys/block and /sys/dev/block link
blk_attrs=(dev partition start size ro removable uevent queue/rotational queue/scheduler
           queue/logical_block_size queue/physical_block_size queue/write_cache
           dm/name dm/uuid md/level device/model device/vendor device/serial)
for l in /sys/class/block/* /sys/block/* /sys/dev/block/*; do
        [ -L "$l" ] || continue
        copy_sysfs_link "$l" "${blk_attrs[@]}"
        real=$(readlink -f "$l")
        [ -d "$real" ] || continue
        scrub "$(readlink -f "$real/device" 2>/dev/null)/serial"
        for s in "$real"/slaves/* "$real"/holders/*; do copy_link "$s"; done
        # The device link's target and its identity (virtio vendor, PCI ids).
        if [ -L "$real/device" ]; then
                copy_sysfs_link "$real/device" model vendor device modalias serial rev
                scrub "$(readlink -f "$real/device")/serial"
        fi
done

### /etc, /run, /var, /boot, /lib/modules, /dev
copy_file /etc/os-release
copy_link /etc/alternatives/iptables
copy_file /etc/systemd/system.conf
for d in /etc/systemd/system.conf.d /run/systemd/system.conf.d /usr/lib/systemd/system.conf.d; do
        for f in "$d"/*.conf; do copy_file "$f"; done
done
copy_file /run/systemd/container
copy_file /run/host/container-manager
copy_dir_marker /run/systemd/system
[ -e /run/.containerenv ] && { mkdir -p "$R/run"; : >"$R/run/.containerenv"; }
[ -e /.dockerenv ] && : >"$R/.dockerenv"
copy_file /var/lib/nodeprep/applied.json
# Only the iptables stanza of dpkg's database (the whole file is ~1 MB), and
# its file list as the "installed" marker nodeprep looks at first.
if [ -d /var/lib/dpkg/info ]; then
        mkdir -p "$R/var/lib/dpkg/info"
        [ -e /var/lib/dpkg/info/iptables.list ] && : >"$R/var/lib/dpkg/info/iptables.list"
fi
if [ -f /var/lib/dpkg/status ]; then
        mkdir -p "$R/var/lib/dpkg"
        awk 'BEGIN{RS="";ORS="\n\n"} /^Package: iptables\n/' /var/lib/dpkg/status >"$R/var/lib/dpkg/status"
fi
rel=$(uname -r)
copy_file "/boot/config-$rel"
for f in modules.builtin modules.dep modules.dep.bin modules.alias.bin modules.builtin.bin modules.symbols.bin; do
        copy_file "/lib/modules/$rel/$f"
done
mkdir -p "$R/dev"
for d in kvm kmsg; do [ -e "/dev/$d" ] && : >"$R/dev/$d"; done
# The K3s data directory's nearest existing ancestor must exist in the tree.
d=/var/lib/rancher/k3s
while [ ! -e "$d" ]; do d=$(dirname "$d"); done
mkdir -p "$R$d"

echo "captured $(find "$R" -type f | wc -l) files, $(find "$R" -type l | wc -l) links" >&2
mkdir -p "$outdir"
if [ $mode = dir ]; then
        rm -rf "${outdir:?}/$name"
        cp -a "$R" "$outdir/$name"
        echo "$outdir/$name"
else
        tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$outdir/$name.tar.gz" "$name"
        echo "$outdir/$name.tar.gz"
fi
