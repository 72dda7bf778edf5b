/* SPDX-License-Identifier: MIT */
/*
 * Tuning profiles: INI files read with inih. A profile may include parents
 * (parents first, later wins); every entry remembers the file and line it came
 * from, so every error names its place.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keys.h"

/* Caps: a profile is a short hand-written file. */
#define PROFILE_LINE_MAX 190          /* bytes per line (inih reads 200-byte lines) */
#define PROFILE_LINES_MAX 20000
#define PROFILE_KEYS_MAX 1024         /* sysctl keys in one resolved profile */
#define PROFILE_INCLUDE_DEPTH 16
#define PROFILE_NAME_MAX 64

enum modifier {
        MOD_EXACT,
        MOD_AT_LEAST,   /* ">=N": never lowers a higher live value */
        MOD_AT_MOST,    /* "<=N": never raises a lower live value */
        MOD_OWNER,      /* "auto": the owner sizes it at run time; observe only */
};

struct origin {
        char *file;
        unsigned line;
};

struct profile_entry {
        char *key;              /* canonical dotted name */
        char *value;            /* normalized, without modifier */
        enum modifier mod;
        bool unchecked;         /* unknown key, opted in with '?' or [sysctl.unchecked] */
        const struct known_key *known;  /* NULL when unchecked */
        struct origin origin;
};

struct profile {
        char *name;
        char *description;
        char *file;
        char **chain;           /* files in the order they were merged */
        struct profile_entry *entries;
        size_t n_entries;
        char **modules;
        struct origin modules_origin;
        uint64_t nofile;        /* 0: not set */
        struct origin nofile_origin;
};

struct profile *profile_free(struct profile *p);
void profile_freep(struct profile **p);
#define _cleanup_profile_ __attribute__((cleanup(profile_freep)))

/* Parse one file's contents (no includes resolved); includes are returned in
 * ret_includes with their line numbers. For fuzzing and unit tests. */
int profile_parse_stream(FILE *f, const char *filename, struct profile **ret,
                         char ***ret_includes, unsigned **ret_include_lines, char **ret_error);

/* Find and load PROFILE (a name looked up in search_path, or a path when it
 * contains '/'), resolving includes. On -EINVAL/-ELOOP/-ENOENT/-E2BIG the
 * message in ret_error names file:line. */
/* profile-trust.c: the opened profile file and every directory above it
 * must be owned by root (or by the user running nodeprep) and not writable by
 * group or others (a sticky directory such as /tmp excepted), as sshd's
 * StrictModes demands of authorized_keys. -EPERM naming path, mode, owner. */
int profile_check_trust(int fd, const char *real_path, char **ret_error);

int profile_load(const char *name_or_path, char * const *search_path,
                 struct profile **ret, char **ret_error);

const struct profile_entry *profile_find(const struct profile *p, const char *key);

const char *modifier_to_string(enum modifier m);

/* Render "value" with its modifier as written in a profile (">=2097152"). */
int profile_entry_format(const struct profile_entry *e, char **ret);

/* Cross-key invariants, checked before anything is written. live(key) may be
 * NULL (lint) or return the live value for keys the profile does not set.
 * Returns -EINVAL with the first broken invariant in ret_error. */
typedef const char *(*live_lookup_t)(const char *key, void *userdata);
int profile_check_invariants(const struct profile *p, live_lookup_t live, void *userdata,
                             char **ret_error);

/* Advisories: warnings with a reason, never errors. Returns a NULL-terminated
 * vector of messages (possibly empty). */
int profile_advisories(const struct profile *p, live_lookup_t live, void *userdata, char ***ret);

/* The directories searched for profiles: /etc/nodeprep/profiles under the
 * root, then the shipped ones (/usr/share/nodeprep/profiles, or the source
 * tree's profiles/ when nodeprep runs from its build tree). */
int profile_default_search_path(const char *root_host_path, char ***ret);

/* Names of *.ini files found on the search path (first wins). */
int profile_list(char * const *search_path, char ***ret_names, char ***ret_files);
