/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing /proc/sys through the root context. Names are kept in
 * the canonical dotted form; values are compared after collapsing blanks, the
 * way the kernel prints vectors.
 */
#pragma once

#include "../basic/sysroot.h"

#define SYSCTL_NAME_MAX 256
#define SYSCTL_VALUE_MAX 4096

/* Canonical dotted name from "a.b.c" or "a/b/c" (systemd's sysctl_normalize:
 * when the first separator is '/', dots and slashes swap). Rejects empty
 * components, "..", and characters outside [A-Za-z0-9_.:@/+-]. */
int sysctl_normalize_name(const char *name, char **ret);

/* "/proc/sys/net/core/somaxconn" for "net.core.somaxconn". */
int sysctl_path(const char *name, char **ret);

/* -ENOENT when the key does not exist (module not loaded, other netns). */
int sysctl_read(const struct sysroot *sr, const char *name, char **ret);

/* One write(2) of value + "\n". */
int sysctl_write(const struct sysroot *sr, const char *name, const char *value);

/* Write and read back; -EIO when the kernel accepted but kept another value. */
int sysctl_write_verify(const struct sysroot *sr, const char *name, const char *value);

/* Value equality after blank normalization (both already normalized). */
int sysctl_value_equal(const char *a, const char *b);
