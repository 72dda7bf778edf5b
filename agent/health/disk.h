/* SPDX-License-Identifier: MIT */
/*
 * The data disk, probed actively: statvfs for space and the read-only flag,
 * then a canary (write 4 KiB, fsync, unlink) in a worker thread under a
 * timeout, so a disk that hangs makes the check fail instead of hanging the
 * collector. Every run probes afresh: when the disk recovers, so does the
 * result (node-problem-detector's read-only condition is a latch). Before
 * K3s creates data_dir only the space of the nearest existing ancestor is
 * measured: no canary is written there (under the unit's ProtectSystem=strict
 * that ancestor is read-only by design).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

struct disk_probe;

struct disk_result {
        int err;                /* statvfs failed */
        char *path;             /* the directory probed (nearest existing ancestor of data_dir) */
        bool exists;            /* data_dir itself exists; else only space is measured */
        uint64_t size_bytes, avail_bytes;
        uint64_t files, files_avail;
        bool readonly;
        int canary_err;         /* 0, -errno of the write/fsync, -ETIMEDOUT, -EBUSY (still stuck) */
        double canary_seconds;  /* of the last completed canary */
        double stuck_seconds;   /* with -EBUSY: how long the pending canary has been running */
};

int disk_probe_new(struct disk_probe **ret);
/* A canary still stuck in the kernel is left to its thread. */
struct disk_probe *disk_probe_free(struct disk_probe *dp);

int disk_probe_run(struct disk_probe *dp, const struct sysroot *sr, const char *data_dir, unsigned timeout_ms,
                   struct disk_result *ret);
void disk_result_done(struct disk_result *r);
