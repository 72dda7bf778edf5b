/* SPDX-License-Identifier: MIT */
/*
 * Which sysctl.d file wins at boot. systemd-sysctl reads /etc, /run,
 * /usr/local/lib, /usr/lib (and /lib) sysctl.d; a basename in an earlier
 * directory replaces the same basename in a later one; a symlink to /dev/null
 * masks; all files are then read sorted by basename and the last assignment
 * wins, explicit assignments beating globs. Debian links 99-sysctl.conf to
 * ../sysctl.conf, so a drop-in must sort after it. procps `sysctl --system`
 * additionally reads /etc/sysctl.conf last.
 */
#pragma once

#include "../basic/sysroot.h"

#define NODEPREP_SYSCTL_DROPIN "/etc/sysctl.d/99-zz-nodeprep.conf"

#include <stdbool.h>
#include <stdio.h>

struct boot_config;

/* One "key = value" line of a sysctl.d file. */
struct sysctl_assignment {
        char *key;      /* canonical dotted name, or a glob pattern */
        char *value;    /* blanks normalized */
        size_t file;    /* index of the file it came from */
        bool glob;
};

/* Append the assignments of one sysctl.d-format file ('-' prefixes dropped,
 * comments skipped, leading blanks ignored; parsed with inih). Returns 0 or
 * the line reader's error (a file past the caps is read up to them). */
int sysctl_conf_parse_stream(FILE *f, struct sysctl_assignment **a, size_t *n, size_t file_index);
void sysctl_assignments_free(struct sysctl_assignment *a, size_t n);

int boot_config_scan(const struct sysroot *sr, struct boot_config **ret);
struct boot_config *boot_config_free(struct boot_config *bc);
void boot_config_freep(struct boot_config **bc);
#define _cleanup_boot_config_ __attribute__((cleanup(boot_config_freep)))

/* The file (node path) whose assignment of key systemd-sysctl applies last,
 * or NULL when no file sets it. ret_value may be NULL. */
const char *boot_config_winner(const struct boot_config *bc, const char *key, const char **ret_value);

/* Like boot_config_winner() but as if our drop-in (basename ours) held key:
 * returns the file that would still override it, or NULL when ours wins. */
const char *boot_config_overrider(const struct boot_config *bc, const char *key, const char *ours);

/* Under procps `sysctl --system`: /etc/sysctl.conf is applied after all
 * drop-ins. Returns "/etc/sysctl.conf" when it sets key, else NULL. */
const char *boot_config_procps_overrider(const struct boot_config *bc, const char *key);
