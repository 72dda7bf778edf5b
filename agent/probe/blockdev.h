/* SPDX-License-Identifier: MIT */
/*
 * Which block device backs a directory (K3s's data directory): libmount over
 * the root's mountinfo, then /sys/dev/block/MAJ:MIN, through partitions and
 * dm/md slaves, to the disk(s), each classified by its sysfs device link.
 * Virtual disks are called virtual: virtio-blk's "rotational" flag is set by
 * the guest driver or the provider and says nothing about the media.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../basic/sysroot.h"

#define BLOCKDEV_MAX_DEPTH 16
#define BLOCKDEV_MAX_DISKS 8

enum disk_kind {
        DISK_NVME,
        DISK_VIRTIO_BLK,
        DISK_VIRTIO_SCSI,
        DISK_SCSI,              /* SATA/SAS/USB through the SCSI layer */
        DISK_XEN,
        DISK_MMC,
        DISK_LOOP,
        DISK_NETWORK,           /* nbd, rbd */
        DISK_RAM,               /* zram, brd */
        DISK_OTHER,
};

struct blockdev_layer {
        char name[32];          /* dm-0, md0, vda1 */
        char kind[16];          /* partition, dm-crypt, lvm, dm, md */
        char detail[96];        /* dm name, md level */
};

struct blockdev_disk {
        char name[32];
        enum disk_kind kind;
        char model[64];
        const char *emulated;   /* for NVMe: why it is virtual, or NULL */
        int rotational;         /* -1 unknown */
        bool virtual_disk;      /* media unknown, no SMART */
};

struct backing_info {
        char path[PATH_MAX];            /* the nearest existing ancestor */
        char resolved[PATH_MAX];        /* path with symlinks resolved inside the root */
        char mountpoint[PATH_MAX];
        char fstype[32];
        char source[128];
        bool mount_ro;
        unsigned major, minor;
        char devno_from[64];            /* "stat" or "mountinfo" or "mount source" */
        struct blockdev_layer layers[BLOCKDEV_MAX_DEPTH];
        size_t n_layers;
        struct blockdev_disk disks[BLOCKDEV_MAX_DISKS];
        size_t n_disks;
        /* When resolution stopped: -errno and what (for "unknown: ..."). */
        int error;
        char error_what[160];
};

/* Resolve path. Returns < 0 only when nothing at all could be said (no
 * mount table); partial results carry ->error. */
int blockdev_backing(const struct sysroot *sr, const char *path, struct backing_info *ret);

const char *disk_kind_to_string(enum disk_kind k);

/* "virtual disk (virtio-blk): media unknown, SMART n/a" and friends. */
void blockdev_describe_disk(const struct blockdev_disk *d, char *buf, size_t size);

/* The block device name of a sysfs device link target
 * ("../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda" → vda) and its
 * parent's name when the target is a partition ("…/block/vda/vda1" → vda). */
int blockdev_name_from_link(const char *target, char *name, size_t size, char *parent, size_t psize);
/* Classify a whole disk from its name and sysfs link target. */
enum disk_kind blockdev_classify(const char *name, const char *target);

struct latency_result {
        unsigned samples;
        double p50_ms, p99_ms, max_ms;
        bool direct;            /* O_DIRECT was honoured */
};
/* O_DIRECT 4 KiB write + fdatasync, n times, on an unnamed temporary file in
 * dir (O_TMPFILE: nothing is left behind). Live only. */
int blockdev_latency(const struct sysroot *sr, const char *dir, unsigned n, struct latency_result *ret);
