/* SPDX-License-Identifier: MIT */
#include "blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "mountinfo.h"
#include "nvme.h"
#include "sysfs.h"

const char *disk_kind_to_string(enum disk_kind k) {
        switch (k) {
        case DISK_NVME: return "nvme";
        case DISK_VIRTIO_BLK: return "virtio";
        case DISK_VIRTIO_SCSI: return "virtio-scsi";
        case DISK_SCSI: return "scsi";
        case DISK_XEN: return "xen";
        case DISK_MMC: return "mmc";
        case DISK_LOOP: return "loop";
        case DISK_NETWORK: return "network";
        case DISK_RAM: return "ram";
        case DISK_OTHER: return "other";
        }
        return "other";
}

int blockdev_name_from_link(const char *target, char *name, size_t size, char *parent, size_t psize) {
        const char *last = strrchr(target, '/'), *prev;
        const char *base = last ? last + 1 : target;

        if (!*base || strlen(base) >= size || streq(base, "..") || streq(base, "."))
                return -EINVAL;
        bufprintf(name, size, "%s", base);
        if (parent && psize) {
                /* The directory above: the whole disk when this is a
                 * partition (…/block/sda/sda1, …/nvme0n1/nvme0n1p1). */
                parent[0] = 0;
                if (last && last > target) {
                        prev = last - 1;
                        while (prev > target && *prev != '/')
                                prev--;
                        if (*prev == '/')
                                prev++;
                        if (last > prev && (size_t) (last - prev) < psize && !strneq(prev, "..", 2)) {
                                memcpy(parent, prev, (size_t) (last - prev));
                                parent[last - prev] = 0;
                        }
                }
        }
        return 0;
}

enum disk_kind blockdev_classify(const char *name, const char *target) {
        if (strneq(name, "nvme", 4) || strstr(target, "/nvme/") || strstr(target, "/nvme-subsystem/"))
                return DISK_NVME;
        if (strneq(name, "vd", 2) && strstr(target, "/virtio"))
                return DISK_VIRTIO_BLK;
        if (strstr(target, "/host") && strstr(target, "/target")) {
                /* The SCSI host sits under the virtio device for virtio-scsi. */
                return strstr(target, "/virtio") ? DISK_VIRTIO_SCSI : DISK_SCSI;
        }
        if (strneq(name, "xvd", 3) || strstr(target, "/vbd-"))
                return DISK_XEN;
        if (strneq(name, "mmcblk", 6))
                return DISK_MMC;
        if (strneq(name, "loop", 4))
                return DISK_LOOP;
        if (strneq(name, "nbd", 3) || strneq(name, "rbd", 3))
                return DISK_NETWORK;
        if (strneq(name, "zram", 4) || strneq(name, "ram", 3))
                return DISK_RAM;
        return DISK_OTHER;
}

void blockdev_describe_disk(const struct blockdev_disk *d, char *buf, size_t size) {
        const char *model = d->model[0] ? d->model : "model unknown";

        switch (d->kind) {
        case DISK_VIRTIO_BLK:
                bufprintf(buf, size, "%s: virtual disk (virtio-blk): media unknown, SMART n/a", d->name);
                return;
        case DISK_VIRTIO_SCSI:
                bufprintf(buf, size, "%s: virtual disk (virtio-scsi, %s): media unknown, SMART n/a", d->name, model);
                return;
        case DISK_XEN:
                bufprintf(buf, size, "%s: virtual disk (Xen blkfront): media unknown, SMART n/a", d->name);
                return;
        case DISK_NVME:
                if (d->emulated)
                        bufprintf(buf, size, "%s: virtual NVMe (%s, %s): media unknown, SMART synthetic", d->name,
                                 model, d->emulated);
                else
                        bufprintf(buf, size, "%s: NVMe (%s)", d->name, model);
                return;
        case DISK_SCSI:
                bufprintf(buf, size, "%s: SCSI/SATA disk (%s), %s", d->name, model,
                         d->rotational == 1 ? "rotational (HDD)" :
                         d->rotational == 0 ? "non-rotational (SSD)" : "rotation unknown");
                return;
        default:
                bufprintf(buf, size, "%s: %s device", d->name, disk_kind_to_string(d->kind));
                return;
        }
}

static void set_error(struct backing_info *b, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_error(struct backing_info *b, int r, const char *fmt, ...) {
        va_list ap;

        if (b->error)
                return;
        b->error = r;
        va_start(ap, fmt);
        vsnprintf(b->error_what, sizeof(b->error_what), fmt, ap);
        va_end(ap);
}

static int nearest_existing(const struct sysroot *sr, const char *path, char *buf, size_t size) {
        if (path[0] != '/' || strlen(path) >= size)
                return -EINVAL;
        bufprintf(buf, size, "%s", path);
        for (;;) {
                char *slash;

                if (sysfs_exists(sr, buf))
                        return 0;
                slash = strrchr(buf, '/');
                if (!slash || slash == buf) {
                        bufprintf(buf, size, "/");
                        return 0;
                }
                *slash = 0;
        }
}

/* Resolve symlinks in path the way the kernel would inside the root
 * (operators often link /var/lib/rancher to a data disk): each component is
 * readlink()ed under the root, absolute targets restart from the root's
 * "/", ".." pops. The mount lookup then matches the real mountpoint. */
static int resolve_in_root(const struct sysroot *sr, const char *path, char *out, size_t size) {
        char rest[PATH_MAX], cur[PATH_MAX] = "";
        unsigned hops = 0;

        if (bufprintf(rest, sizeof(rest), "%s", path) < 0)
                return -ENAMETOOLONG;
        for (char *p = rest;;) {
                char comp[NAME_MAX + 1], cand[PATH_MAX];
                _cleanup_free_ char *target = NULL;
                size_t n;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                n = strcspn(p, "/");
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(comp, p, n);
                comp[n] = 0;
                p += n;
                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        char *slash = strrchr(cur, '/');
                        if (slash)
                                *slash = 0;
                        continue;
                }
                if (bufprintf(cand, sizeof(cand), "%s/%s", cur, comp) < 0)
                        return -ENAMETOOLONG;
                if (sysfs_readlink(sr, cand, &target) < 0) {
                        memcpy(cur, cand, sizeof(cur));
                        continue;
                }
                if (++hops > 40)
                        return -ELOOP;
                /* Splice the target in front of what is left. */
                {
                        char next[PATH_MAX];

                        if (bufprintf(next, sizeof(next), "%s/%s", target, p) < 0)
                                return -ENAMETOOLONG;
                        memcpy(rest, next, sizeof(rest));
                        p = rest;
                        if (target[0] == '/')
                                cur[0] = 0;
                }
        }
        return bufprintf(out, size, "%s", cur[0] ? cur : "/");
}

/* /sys/block: one entry per block device (disks, partitions are not
 * listed, loop, dm, zram); thousands only with many loop devices. */
#define SYS_BLOCK_MAX_ENTRIES 4096

/* MAJ:MIN of a mount whose st_dev is anonymous (btrfs, dm via the source). */
static int devno_from_source(const struct sysroot *sr, const char *source, unsigned *ma, unsigned *mi) {
        _cleanup_free_ char *dev = NULL;
        char path[PATH_MAX];
        const char *base;

        if (!source || !strneq(source, "/dev/", 5))
                return -ENODEV;
        base = strrchr(source, '/') + 1;
        if (!*base)
                return -ENODEV;
        if (strneq(source, "/dev/mapper/", 12)) {
                _cleanup_strv_free_ char **l = NULL;

                /* The dm name is in /sys/block/dm-N/dm/name. */
                if (sysfs_list_dir(sr, "/sys/block", SYS_BLOCK_MAX_ENTRIES, &l) >= 0)
                        for (char **i = l; *i; i++) {
                                _cleanup_free_ char *name = NULL;

                                if (!strneq(*i, "dm-", 3))
                                        continue;
                                bufprintf(path, sizeof(path), "/sys/block/%s/dm/name", *i);
                                if (sysfs_read_attr(sr, path, &name) >= 0 && streq(name, base)) {
                                        base = NULL;
                                        bufprintf(path, sizeof(path), "/sys/block/%s/dev", *i);
                                        break;
                                }
                        }
                if (base)
                        return -ENODEV;
        } else
                bufprintf(path, sizeof(path), "/sys/class/block/%s/dev", base);
        if (sysfs_read_attr(sr, path, &dev) < 0 || sscanf(dev, "%u:%u", ma, mi) != 2)
                return -ENODEV;
        return 0;
}

static void find_devno(const struct sysroot *sr, const struct mount_entry *me, struct backing_info *b) {
        b->major = major(me->devno);
        b->minor = minor(me->devno);
        bufprintf(b->devno_from, sizeof(b->devno_from), "mountinfo");
        if (sr->live) {
                _cleanup_close_ int fd = sysroot_open(sr, b->path, O_PATH, 0);
                struct stat st;

                if (fd >= 0 && fstat(fd, &st) >= 0 && major(st.st_dev) != 0) {
                        b->major = major(st.st_dev);
                        b->minor = minor(st.st_dev);
                        bufprintf(b->devno_from, sizeof(b->devno_from), "stat");
                }
        }
        if (b->major == 0 && devno_from_source(sr, me->source, &b->major, &b->minor) >= 0)
                bufprintf(b->devno_from, sizeof(b->devno_from), "mount source");
}

static void add_layer(struct backing_info *b, const char *name, const char *kind, const char *detail) {
        struct blockdev_layer *l;

        if (b->n_layers >= BLOCKDEV_MAX_DEPTH)
                return;
        l = &b->layers[b->n_layers++];
        bufprintf(l->name, sizeof(l->name), "%s", name);
        bufprintf(l->kind, sizeof(l->kind), "%s", kind);
        bufprintf(l->detail, sizeof(l->detail), "%s", detail ? detail : "");
}

static void add_disk(const struct sysroot *sr, struct backing_info *b, const char *name, const char *target) {
        struct blockdev_disk *d;
        _cleanup_free_ char *model = NULL;
        char path[PATH_MAX];
        uint64_t rot;

        for (size_t i = 0; i < b->n_disks; i++)
                if (streq(b->disks[i].name, name))
                        return;
        if (b->n_disks >= BLOCKDEV_MAX_DISKS)
                return;
        d = &b->disks[b->n_disks++];
        bufprintf(d->name, sizeof(d->name), "%s", name);
        d->kind = blockdev_classify(name, target);
        d->rotational = -1;
        bufprintf(path, sizeof(path), "/sys/class/block/%s/queue/rotational", name);
        if (sysfs_read_u64(sr, path, &rot) >= 0 && rot <= 1)
                d->rotational = (int) rot;
        bufprintf(path, sizeof(path), "/sys/class/block/%s/device/model", name);
        if (sysfs_read_attr(sr, path, &model) >= 0)
                bufprintf(d->model, sizeof(d->model), "%s", model);
        if (d->kind == DISK_NVME && d->model[0]) {
                static const char *const virt[] = { "QEMU", "Amazon Elastic Block Store", "Google",
                                                    "Microsoft NVMe Direct Disk", "VMware" };
                for (size_t i = 0; i < ELEMENTSOF(virt); i++)
                        if (string_has_prefix(d->model, virt[i]))
                                d->emulated = streq(virt[i], "QEMU") ? "emulated by QEMU" :
                                              streq(virt[i], "VMware") ? "emulated by VMware" :
                                              "cloud volume behind a virtual controller";
        }
        d->virtual_disk = d->kind == DISK_VIRTIO_BLK || d->kind == DISK_VIRTIO_SCSI || d->kind == DISK_XEN ||
                          (d->kind == DISK_NVME && d->emulated) ||
                          (d->kind == DISK_SCSI && (string_has_prefix(d->model, "QEMU") ||
                                                    string_has_prefix(d->model, "Virtual disk") ||
                                                    string_has_prefix(d->model, "VBOX")));
}

/* A dm device's role, from dm/uuid (set by cryptsetup, LVM, multipathd). */
static void dm_kind(const struct sysroot *sr, const char *name, char *kind, size_t ksize, char *detail, size_t dsize) {
        _cleanup_free_ char *uuid = NULL, *dmname = NULL;
        char path[PATH_MAX];

        bufprintf(path, sizeof(path), "/sys/class/block/%s/dm/uuid", name);
        (void) sysfs_read_attr(sr, path, &uuid);
        bufprintf(path, sizeof(path), "/sys/class/block/%s/dm/name", name);
        (void) sysfs_read_attr(sr, path, &dmname);
        bufprintf(kind, ksize, "%s", !uuid ? "dm" : string_has_prefix(uuid, "CRYPT-") ? "dm-crypt" :
                 string_has_prefix(uuid, "LVM-") ? "lvm" : string_has_prefix(uuid, "mpath-") ? "multipath" : "dm");
        bufprintf(detail, dsize, "%s", dmname ? dmname : "");
}

static int walk(const struct sysroot *sr, struct backing_info *b, const char *name, char **stack, size_t depth);

static int walk_slaves(const struct sysroot *sr, struct backing_info *b, const char *name, char **slaves,
                       char **stack, size_t depth) {
        char kind[16], detail[96] = "";
        int r = 0;

        if (strneq(name, "md", 2)) {
                _cleanup_free_ char *level = NULL;
                char path[PATH_MAX];

                bufprintf(path, sizeof(path), "/sys/class/block/%s/md/level", name);
                (void) sysfs_read_attr(sr, path, &level);
                bufprintf(kind, sizeof(kind), "md");
                bufprintf(detail, sizeof(detail), "%s", level ? level : "");
        } else
                dm_kind(sr, name, kind, sizeof(kind), detail, sizeof(detail));
        /* A fork (RAID members, a VG over several PVs): name the branches. */
        if (slaves[0] && slaves[1]) {
                size_t off = strlen(detail);

                for (char **sl = slaves; *sl && off < sizeof(detail); sl++) {
                        int k = snprintf(detail + off, sizeof(detail) - off, "%s%s", sl == slaves ?
                                         (off ? " of " : "of ") : "+", *sl);
                        if (k < 0)
                                break;
                        off += (size_t) k;
                }
        }
        add_layer(b, name, kind, detail);
        for (char **s = slaves; *s; s++) {
                int k = walk(sr, b, *s, stack, depth + 1);
                if (k < 0 && r == 0)
                        r = k;
        }
        return r;
}

/* The members of one dm or md device (RAID members, LVM PVs). */
#define SLAVES_MAX_ENTRIES 64

static int walk(const struct sysroot *sr, struct backing_info *b, const char *name, char **stack, size_t depth) {
        _cleanup_strv_free_ char **slaves = NULL;
        _cleanup_free_ char *target = NULL;
        char path[PATH_MAX], self[32], parent[32];
        int r;

        if (depth >= BLOCKDEV_MAX_DEPTH) {
                set_error(b, -ELOOP, "device stack deeper than 16 at %s", name);
                return -ELOOP;
        }
        for (size_t i = 0; i < depth; i++)
                if (streq(stack[i], name)) {
                        set_error(b, -ELOOP, "loop in slaves/ at %s", name);
                        return -ELOOP;
                }
        stack[depth] = (char *) name;

        bufprintf(path, sizeof(path), "/sys/class/block/%s", name);
        r = sysfs_readlink(sr, path, &target);
        if (r < 0) {
                set_error(b, r, "/sys/class/block/%s: %s", name, r == -ENOENT ? "no such device" : "not a sysfs link");
                return r;
        }
        if (!sysfs_exists(sr, path)) {
                set_error(b, -ENOENT, "/sys/class/block/%s: dangling link", name);
                return -ENOENT;
        }
        if (blockdev_name_from_link(target, self, sizeof(self), parent, sizeof(parent)) < 0) {
                set_error(b, -EINVAL, "/sys/class/block/%s: unexpected link target", name);
                return -EINVAL;
        }

        bufprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
        if (sysfs_exists(sr, path)) {
                if (!parent[0]) {
                        set_error(b, -EINVAL, "%s: partition without a parent disk in its sysfs path", name);
                        return -EINVAL;
                }
                add_layer(b, name, "partition", parent);
                return walk(sr, b, parent, stack, depth + 1);
        }

        bufprintf(path, sizeof(path), "/sys/class/block/%s/slaves", name);
        r = sysfs_list_dir(sr, path, SLAVES_MAX_ENTRIES, &slaves);
        if (r < 0 && r != -ENOENT) {
                set_error(b, r, "%s/slaves unreadable", name);
                return r;
        }
        if (r >= 0 && slaves[0])
                return walk_slaves(sr, b, name, slaves, stack, depth);

        add_disk(sr, b, name, target);
        return 0;
}

int blockdev_backing(const struct sysroot *sr, const char *path, struct backing_info *ret) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        _cleanup_free_ char *target = NULL;
        struct mount_entry me = {};
        struct backing_info b = {};
        char devlink[64], name[32];
        char *stack[BLOCKDEV_MAX_DEPTH] = {};
        int r;

        r = nearest_existing(sr, path, b.path, sizeof(b.path));
        if (r < 0)
                return r;
        r = resolve_in_root(sr, b.path, b.resolved, sizeof(b.resolved));
        if (r < 0)
                return r;
        r = mount_table_load(sr, &mt);
        if (r < 0)
                return r;
        r = mount_table_find(mt, b.resolved, &me);
        if (r < 0)
                return r;
        bufprintf(b.mountpoint, sizeof(b.mountpoint), "%s", me.target);
        bufprintf(b.fstype, sizeof(b.fstype), "%s", me.fstype ? me.fstype : "?");
        bufprintf(b.source, sizeof(b.source), "%s", me.source ? me.source : "?");
        b.mount_ro = me.read_only;
        find_devno(sr, &me, &b);
        mount_entry_done(&me);

        if (b.major == 0) {
                set_error(&b, -ENODEV, "no block device behind %s", b.fstype);
                *ret = b;
                return 0;
        }
        bufprintf(devlink, sizeof(devlink), "/sys/dev/block/%u:%u", b.major, b.minor);
        r = sysfs_readlink(sr, devlink, &target);
        if (r < 0)
                set_error(&b, r, "%s unreadable", devlink);
        else if (!sysfs_exists(sr, devlink))
                set_error(&b, -ENOENT, "%s: dangling link", devlink);
        else if (blockdev_name_from_link(target, name, sizeof(name), NULL, 0) < 0)
                set_error(&b, -EINVAL, "%s: unexpected link target", devlink);
        else
                (void) walk(sr, &b, name, stack, 0);
        *ret = b;
        return 0;
}
