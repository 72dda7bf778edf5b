#!/bin/sh
# Inside a test container only (installed by tests/e2e/lib/bootstrap-node.sh).
# systemd-nspawn mounts /proc/sys read-only and, with a private network,
# /proc/sys/net read-write: the container's own network namespace. nodeprep
# refuses a read-only /proc/sys (exit 4), so make /proc/sys itself writable
# while every subtree but net/ gets its own read-only bind mount FIRST: at no
# point is a global key (kernel.*, vm.*, fs.*, ...) writable, so nothing here
# can change the host's kernel settings. A child network namespace shows only
# per-namespace keys under net/ (the kernel registers global ones in the
# initial namespace only).
set -eu
# Only where nspawn made exactly that arrangement: a container whose
# /proc/sys is read-only and whose /proc/sys/net is its own mount.
systemd-detect-virt --container --quiet || { echo "procsys-netns-only: not a container" >&2; exit 1; }
grep -q ' /proc/sys ro,' /proc/self/mountinfo && grep -q ' /proc/sys/net rw,' /proc/self/mountinfo || {
        echo "procsys-netns-only: /proc/sys is not the read-only nspawn arrangement; refusing" >&2
        exit 1
}
for d in /proc/sys/*; do
        [ "$d" = /proc/sys/net ] && continue
        mount --rbind "$d" "$d"
        mount -o remount,bind,ro "$d"
done
mount -o remount,bind,rw /proc/sys
