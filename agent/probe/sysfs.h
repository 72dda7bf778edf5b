/* SPDX-License-Identifier: MIT */
/*
 * Small readers for sysfs/procfs attributes through the root context, shared
 * by the probes: bounded, strict, and honest about garbage (-EBADMSG for
 * binary junk, -ENODATA for an empty file, -EFBIG for a huge one).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../basic/sysroot.h"

/* Attribute files are at most this big; anything larger is junk. */
#define SYSFS_ATTR_MAX 4096

/* One attribute as a trimmed printable string; -ENODATA when empty,
 * -EBADMSG when it holds control characters or bytes that are not text. */
int sysfs_read_attr(const struct sysroot *sr, const char *path, char **ret);
int sysfs_read_u64(const struct sysroot *sr, const char *path, uint64_t *ret);

/* readlink(2) under the root (the link itself is not followed). */
int sysfs_readlink(const struct sysroot *sr, const char *path, char **ret);

/* The names in a directory (no "." entries), sorted; at most max entries
 * (-E2BIG beyond). ret is a NULL-terminated vector. */
int sysfs_list_dir(const struct sysroot *sr, const char *path, size_t max, char ***ret);

/* True when a path exists under the root (symlinks followed). */
bool sysfs_exists(const struct sysroot *sr, const char *path);

/* The active entry of a "[bracketed]" list (queue/scheduler). */
int sysfs_bracketed(const char *s, char **ret);

/* Printable text: no control characters except tab/newline, no NUL. */
bool text_is_printable(const char *s, size_t n);

/* snprintf into a fixed buffer where truncation is acceptable for text
 * (messages, names); returns -ENAMETOOLONG when it truncated, so callers
 * building paths can refuse. */
int bufprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
