/* SPDX-License-Identifier: MIT */
/*
 * The tuning engine: plan, apply, verify and rollback of a profile. Each
 * fills a typed result (what was found, what was done, key by key); the
 * command layer renders it as the CLI's JSON or as a table, and other callers
 * (bootstrap, the health server) read the fields. The engine never prints.
 *
 * Return values: 0 success; -EINVAL invalid input (message in ret_error, with
 * file:line); -EPERM not permitted here; -EEXIST a file nodeprep does not own
 * is in the way; -ENOENT a key is missing under --strict; any other negative
 * errno: the operation failed and the system was restored.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../basic/sysroot.h"
#include "../shared/kmod-util.h"
#include "keys.h"
#include "persist.h"
#include "profile.h"

struct apply_options {
        bool dry_run;
        bool no_persist;
        bool strict;            /* a missing key fails the apply */
        bool only_per_netns;    /* --allow-netns in a child netns: never touch global state */
};

/* What plan/apply does with a key. */
enum tune_action {
        TUNE_ACTION_SET,
        TUNE_ACTION_KEEP,
        TUNE_ACTION_AT_LEAST_SATISFIED,
        TUNE_ACTION_AT_MOST_SATISFIED,
        TUNE_ACTION_OWNED_ELSEWHERE,
        TUNE_ACTION_MISSING,
};
const char *tune_action_to_string(enum tune_action a);

enum tune_file_action {
        TUNE_FILE_KEEP,
        TUNE_FILE_WRITE,
        TUNE_FILE_REMOVE,
        TUNE_FILE_NOT_OURS,     /* rollback leaves a file nodeprep did not write */
};
const char *tune_file_action_to_string(enum tune_file_action a);

/* One key of a plan or apply. The strings are borrowed from the result's plan
 * and from the profile: valid until tune_result_done(), while the profile
 * lives. NULL: the JSON null (before: the key cannot be read). */
struct tune_key_result {
        const char *key;
        const char *before;
        const char *after;
        char *desired;                  /* owned: the value as written, ">=2097152" */
        enum tune_action action;
        const struct known_key *known;  /* scope and owner; NULL: unknown (unchecked) */
        const char *boot_file;          /* the file whose value wins at boot */
        const char *overridden_by;      /* a file sorting after nodeprep's drop-in */
        const char *procps_overridden_by;
        const char *origin;
        unsigned line;
};

struct tune_module_result {
        const char *name;
        enum module_state before;
        bool load;                      /* action "load" (else "keep") */
        const char *after;              /* apply only: "loaded" or why not; NULL: plan */
};

struct tune_file_result {
        const char *path;
        enum tune_file_action action;
};

/* plan, apply --dry-run and apply report the same facts; what is reported
 * (and in which order the CLI shows it) depends on the run. */
enum tune_run {
        TUNE_RUN_PLAN,
        TUNE_RUN_DRY_RUN,
        TUNE_RUN_APPLY,
};

struct plan;

struct tune_result {
        enum tune_run run;
        const char *profile;
        bool changed;                   /* apply: something was written */
        bool would_change;              /* plan and dry run */
        struct tune_key_result *keys;
        size_t n_keys;
        struct tune_module_result *modules;
        size_t n_modules;
        struct tune_file_result files[_PERSIST_MAX];
        size_t n_files;
        char * const *warnings;         /* NULL-terminated */
        uint64_t nofile;                /* plan: [limits] nofile; 0: not set */
        struct plan *plan;              /* owns the strings above */
};

void tune_result_done(struct tune_result *r);

/* Keys whose value apply changes (after set and different from before). */
size_t tune_result_changed_keys(const struct tune_result *r);

int tune_plan(const struct sysroot *sr, const struct profile *p, struct tune_result *ret, char **ret_error);
int tune_apply(const struct sysroot *sr, const struct profile *p, const struct apply_options *o,
               struct tune_result *ret, char **ret_error);

enum tune_sync {
        TUNE_SYNC_IN_SYNC,
        TUNE_SYNC_MISSING,
        TUNE_SYNC_DRIFT,
        TUNE_SYNC_OVERRIDDEN_AT_BOOT,
        TUNE_SYNC_MODIFIED,             /* a persisted file differs from what was written */
};
const char *tune_sync_to_string(enum tune_sync s);

/* One key, file or module of verify; all strings owned. */
struct tune_verify_entry {
        char *name;                     /* key, path or module name */
        char *expected;
        char *live;                     /* NULL: missing */
        enum tune_sync status;
        char *overridden_by;            /* keys: the file that wins at boot; else NULL */
};

struct tune_verify_result {
        char *profile;
        struct tune_verify_entry *keys, *files, *modules;
        size_t n_keys, n_files, n_modules;
        size_t n_drifted;               /* entries not in sync */
};

void tune_verify_result_done(struct tune_verify_result *r);

/* The names of the entries out of sync, keys first, then files, modules.
 * Borrowed from r; NULL-terminated (caller frees the array only). */
int tune_verify_drifted(const struct tune_verify_result *r, const char ***ret);

/* -ENOENT (message in ret_error) when no profile was applied. */
int tune_verify(const struct sysroot *sr, struct tune_verify_result *ret, char **ret_error);

struct tune_rollback_key {
        char *key;
        char *before;                   /* NULL: cannot be read */
        char *after;                    /* the journalled original */
        bool restore;                   /* action "restore" (else "keep") */
};

struct tune_rollback_result {
        struct tune_rollback_key *keys;
        size_t n_keys;
        struct tune_file_result files[_PERSIST_MAX];
        size_t n_files;
        bool changed, dry_run;
        bool would_change;              /* dry run */
        bool journal;                   /* an originals journal existed */
};

void tune_rollback_result_done(struct tune_rollback_result *r);

/* only_per_netns: refuse (-EPERM) when the journal holds any key that is not
 * per-netns, so a rollback in a child netns never touches global state. */
int tune_rollback(const struct sysroot *sr, bool dry_run, bool only_per_netns, struct tune_rollback_result *ret,
                  char **ret_error);
