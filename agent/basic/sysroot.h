/* SPDX-License-Identifier: MIT */
/*
 * The root context. Every read and write of /proc, /sys, /etc, /var, /usr and
 * /run goes through one struct sysroot, so "--root DIR" points nodeprep at a
 * fixture tree (like lscpu --sysroot, util-linux's path_cxt). Paths handed to
 * these functions are absolute as seen on the node ("/proc/sys/..."); they are
 * resolved under the root, and under a fixture root symlinks cannot escape it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sysroot {
        int dirfd;      /* the root directory */
        char *path;     /* "/" when live */
        bool live;      /* false under --root: live-only probes are skipped */
};

int sysroot_new(const char *root, struct sysroot **ret);
struct sysroot *sysroot_free(struct sysroot *sr);
void sysroot_freep(struct sysroot **sr);
#define _cleanup_sysroot_ __attribute__((cleanup(sysroot_freep)))

/* The path as the host sees it (root prefix + path); for messages and for
 * libraries that want a path (libmount). */
int sysroot_host_path(const struct sysroot *sr, const char *path, char **ret);

/* openat() under the root; returns an fd or -errno. */
int sysroot_open(const struct sysroot *sr, const char *path, int flags, mode_t mode);

/* Read a whole file, at most max_size bytes (-EFBIG beyond). The buffer is
 * NUL-terminated; ret_size excludes the NUL. */
int sysroot_read_file(const struct sysroot *sr, const char *path, size_t max_size,
                      char **ret, size_t *ret_size);

/* Read a small text file (sysfs/procfs attribute), trailing newlines removed. */
int sysroot_read_string(const struct sysroot *sr, const char *path, char **ret);

int sysroot_access(const struct sysroot *sr, const char *path, int mode);

/* mkdir -p under the root, with mode for the created components. */
int sysroot_mkdir_p(const struct sysroot *sr, const char *path, mode_t mode);

/* Open the directory that holds path and return its fd; *ret_base points into
 * path at the last component. */
int sysroot_open_parent(const struct sysroot *sr, const char *path, const char **ret_base);

/* Atomically replace path with content: tmp + fsync + rename + dir fsync. */
int sysroot_write_atomic(const struct sysroot *sr, const char *path,
                         const char *content, size_t size, mode_t mode);

/* Remove the temporary files a crash in sysroot_write_atomic(path) can leave
 * behind (".#NAME.*" next to it). Returns how many were removed. */
int sysroot_unlink_atomic_leftovers(const struct sysroot *sr, const char *path);

/* Remove path; a missing file is success. The directory is fsynced. */
int sysroot_unlink(const struct sysroot *sr, const char *path);
