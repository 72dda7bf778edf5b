/* SPDX-License-Identifier: MIT */
/* The disk group: what backs K3s's data directory, honestly described;
 * free space and read-only state; optional measured latency. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../probe/blockdev.h"
#include "check-groups.h"
#include "../probe/sysfs.h"
#include "verdict-rules.h"

#define G "disk"

static int check_mount(const char *dir, const struct backing_info *b, struct check_list *l) {
        char where[PATH_MAX + 64] = "";

        if (!streq(b->path, b->resolved) && streq(dir, b->path))
                bufprintf(where, sizeof(where), " (resolves to %s)", b->resolved);
        else if (!streq(b->path, b->resolved))
                bufprintf(where, sizeof(where), " (nearest existing: %s, resolves to %s)", b->path, b->resolved);
        else if (!streq(dir, b->path))
                bufprintf(where, sizeof(where), " (nearest existing: %s)", b->path);
        if (verdict_disk_writable(b->mount_ro) == CHECK_FAIL)
                return check_add(l, G, "mount", CHECK_FAIL, "/proc/self/mountinfo",
                                 "remount read-write; a filesystem that turned read-only on its own logged why in dmesg",
                                 "%s%s is on %s: %s from %s, mounted read-only", dir, where, b->mountpoint, b->fstype,
                                 b->source);
        return check_add(l, G, "mount", CHECK_OK, "/proc/self/mountinfo", NULL, "%s%s is on %s: %s from %s, read-write",
                         dir, where, b->mountpoint, b->fstype, b->source);
}

static void describe_layers(const struct backing_info *b, char *buf, size_t size) {
        size_t off = 0;

        buf[0] = 0;
        for (size_t i = 0; i < b->n_layers && off < size; i++) {
                const struct blockdev_layer *y = &b->layers[i];
                int n;

                if (streq(y->kind, "partition"))
                        n = snprintf(buf + off, size - off, "%s (partition of %s) → ", y->name, y->detail);
                else
                        n = snprintf(buf + off, size - off, "%s (%s%s%s) → ", y->name, y->kind,
                                     y->detail[0] ? " " : "", y->detail);
                if (n < 0)
                        break;
                off += (size_t) n;
        }
}

static int check_device(const struct backing_info *b, struct check_list *l) {
        char ev[160], chain[1024], disks[1024] = "";
        enum check_status st = CHECK_OK;
        const char *hint = NULL;
        size_t off = 0;

        bufprintf(ev, sizeof(ev), "/sys/dev/block/%u:%u (MAJ:MIN from %s)", b->major, b->minor, b->devno_from);
        if (b->error == -ENODEV)
                return check_add(l, G, "device", CHECK_WARN, "/proc/self/mountinfo",
                                 streq(b->fstype, "tmpfs") ? "K3s state on tmpfs is lost at reboot" :
                                 streq(b->fstype, "zfs") ? "containerd's overlayfs snapshotter needs ZFS >= 2.2 underneath; "
                                                           "else start K3s with --snapshotter=native" :
                                 streq(b->fstype, "overlay") ? "an overlay root means a container: K3s needs a VM" : NULL,
                                 "no block device behind %s (%s): nothing to classify", b->mountpoint, b->fstype);
        if (b->error)
                return check_add(l, G, "device", CHECK_UNKNOWN, ev, NULL, "unknown: %s (%s)", b->error_what,
                                 check_errno_reason(b->error));
        if (b->n_disks == 0)
                return check_add(l, G, "device", CHECK_UNKNOWN, ev, NULL, "unknown: no disk found below %u:%u",
                                 b->major, b->minor);
        describe_layers(b, chain, sizeof(chain));
        for (size_t i = 0; i < b->n_disks && off < sizeof(disks); i++) {
                char d[256];
                int n;

                blockdev_describe_disk(&b->disks[i], d, sizeof(d));
                n = snprintf(disks + off, sizeof(disks) - off, "%s%s", i ? "; " : "", d);
                if (n < 0)
                        break;
                off += (size_t) n;
                if (!b->disks[i].virtual_disk && b->disks[i].rotational == 1) {
                        st = CHECK_WARN;
                        hint = "etcd and the datastore are write-heavy: an SSD is recommended";
                }
        }
        return check_add(l, G, "device", st, ev, hint, "%s%s", chain, disks);
}

static int check_space(const struct sysroot *sr, const struct verdict_thresholds *t, const struct backing_info *b,
                       struct check_list *l) {
        _cleanup_close_ int fd = -1;
        struct statvfs sv;
        double total, avail, pct;
        enum check_status st;

        if (!sr->live)
                return check_add(l, G, "space", CHECK_NA, "statvfs", NULL, "statvfs is " CHECK_SKIPPED_ROOT);
        fd = sysroot_open(sr, b->path, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0 || fstatvfs(fd, &sv) < 0)
                return check_add(l, G, "space", CHECK_UNKNOWN, "statvfs", NULL, "unknown: statvfs(%s): %s", b->path,
                                 strerror(fd < 0 ? -fd : errno));
        total = (double) sv.f_blocks * (double) sv.f_frsize;
        avail = (double) sv.f_bavail * (double) sv.f_frsize;
        pct = total > 0 ? 100.0 * avail / total : 0;
        if (verdict_disk_writable(sv.f_flag & ST_RDONLY) == CHECK_FAIL)
                return check_add(l, G, "space", CHECK_FAIL, "statvfs", "remount read-write; see dmesg",
                                 "filesystem is read-only (ST_RDONLY)");
        st = verdict_disk_free((uint64_t) sv.f_bavail * sv.f_frsize, (uint64_t) sv.f_blocks * sv.f_frsize, t);
        return check_add(l, G, "space", st, "statvfs",
                         st == CHECK_FAIL ? "free space: the kubelet evicts pods below 10%" :
                         st == CHECK_WARN ? "image garbage collection starts at 15% free" : NULL,
                         "%.1f GB free of %.1f GB (%.0f%%)", avail / 1e9, total / 1e9, pct);
}

static int check_latency(const struct sysroot *sr, const struct verdict_thresholds *t, const struct backing_info *b,
                         struct check_list *l) {
        struct latency_result lr;
        enum check_status st;
        int r;

        if (!sr->live)
                return check_add(l, G, "latency", CHECK_NA, "O_DIRECT write+fdatasync", NULL,
                                 "the latency probe is " CHECK_SKIPPED_ROOT);
        r = blockdev_latency(sr, b->path, 64, &lr);
        if (r < 0)
                return check_add(l, G, "latency", CHECK_UNKNOWN, "O_DIRECT write+fdatasync", NULL,
                                 "unknown: probe in %s failed: %s", b->path, strerror(-r));
        st = verdict_disk_latency(lr.p99_ms, t);
        return check_add(l, G, "latency", st,
                         lr.direct ? "O_DIRECT 4 KiB write+fdatasync on an O_TMPFILE" : "4 KiB write+fdatasync (no O_DIRECT here)",
                         st != CHECK_OK ? "etcd wants fsync p99 below 10 ms; prefer the SQLite datastore or faster storage" : NULL,
                         "%u samples in %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms", lr.samples, b->path, lr.p50_ms,
                         lr.p99_ms, lr.max_ms);
}

int check_disk(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        const char *dir = o->data_dir ? o->data_dir : CHECK_DEFAULT_DATA_DIR;
        struct backing_info b;
        int r;

        r = blockdev_backing(sr, dir, &b);
        if (r < 0)
                return check_add(l, G, "mount", CHECK_UNKNOWN, "/proc/self/mountinfo", NULL,
                                 "unknown: cannot resolve the mount of %s: %s", dir,
                                 r == -ENOENT ? "no mount covers it" : check_errno_reason(r));
        if ((r = check_mount(dir, &b, l)) < 0 || (r = check_device(&b, l)) < 0 || (r = check_space(sr, check_thresholds(o), &b, l)) < 0)
                return r;
        if (o->latency && (r = check_latency(sr, check_thresholds(o), &b, l)) < 0)
                return r;
        return 0;
}
