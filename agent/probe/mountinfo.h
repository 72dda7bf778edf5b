/* SPDX-License-Identifier: MIT */
/*
 * The mount table of the node, from /proc/self/mountinfo under the root,
 * parsed by libmount (never by hand). Lookups by path walk up to the longest
 * mountpoint that is a prefix, with no filesystem access, so they work on a
 * fixture tree exactly as on the live host.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "../basic/sysroot.h"

#define MOUNTINFO_MAX_SIZE (16 * 1024 * 1024)

struct mount_table;

struct mount_entry {
        char *target;
        char *source;           /* may be NULL */
        char *fstype;           /* may be NULL */
        char *options;          /* VFS + fs options, may be NULL */
        dev_t devno;            /* MAJ:MIN field */
        bool read_only;
};

/* Parse <root>/proc/self/mountinfo. Bad lines are skipped and counted. */
int mount_table_load(const struct sysroot *sr, struct mount_table **ret);
/* Parse a stream (the fuzz target and unit tests use this). */
int mount_table_parse_stream(FILE *f, const char *name, struct mount_table **ret);
struct mount_table *mount_table_free(struct mount_table *mt);
void mount_table_freep(struct mount_table **mt);

unsigned mount_table_bad_lines(const struct mount_table *mt);
unsigned mount_table_size(const struct mount_table *mt);

/* The mount that holds path (longest mountpoint prefix; the top of a stack
 * of overmounts). -ENOENT when no mount covers it. */
int mount_table_find(const struct mount_table *mt, const char *path, struct mount_entry *ret);
void mount_entry_done(struct mount_entry *e);

/* Any mount of fstype at prefix or below it (fuse.lxcfs under /proc). */
bool mount_table_has_fstype_under(const struct mount_table *mt, const char *fstype, const char *prefix);
/* The fstype mounted at exactly target (topmost), or NULL. */
const char *mount_table_fstype_at(const struct mount_table *mt, const char *target);
/* The target of a cgroup v1 hierarchy with controller in its options. */
const char *mount_table_cgroup1_with(const struct mount_table *mt, const char *controller);
