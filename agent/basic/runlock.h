/* SPDX-License-Identifier: MIT */
/*
 * The run lock: one exclusive flock(2) on /run/nodeprep.lock (inside the
 * root under --root) held by every command that changes the node, for its
 * whole read-modify-write. cloud-init's bootstrap and an Ansible run that
 * arrive together then run one after the other instead of interleaving their
 * journal, drop-in and manifest updates.
 *
 * The holder writes "PID COMMAND" into the file, so a run that gives up can
 * name who holds it. The lock is released by the kernel when the holder's fd
 * closes, also on kill -9: a stale file never blocks anyone. The holder
 * removes the file before letting go (and /run when it made it, which only a
 * fixture tree lacks), so a run leaves the tree as it found it; a waiter that
 * locked a file removed meanwhile sees it is no longer the one at the path
 * and tries again (the usual protocol for removable lock files).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

#define RUN_LOCK_PATH "/run/nodeprep.lock"

struct run_lock_holder {
        char text[128];         /* "PID COMMAND" of the holder, printable, or "" when unknown */
};

struct run_lock {
        const struct sysroot *sr;
        int fd;                 /* -1: not held */
        bool made_run_dir;
};
#define RUN_LOCK_NONE { .fd = -1 }

/*
 * Take the lock, waiting up to timeout_ms (0: try once). Returns 0 with *ret
 * held, -ETIMEDOUT with ret_holder filled when another run kept it, or
 * another -errno from creating the file.
 */
int run_lock_acquire(const struct sysroot *sr, const char *command, unsigned long timeout_ms,
                     struct run_lock_holder *ret_holder, struct run_lock *ret);

/* Remove the file and let go; a lock not held is left alone. */
void run_lock_release(struct run_lock *lock);
#define _cleanup_run_lock_ __attribute__((cleanup(run_lock_release)))
