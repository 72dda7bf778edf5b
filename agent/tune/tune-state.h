/* SPDX-License-Identifier: MIT */
/*
 * nodeprep's state in /var/lib/nodeprep: the originals journal (every key's
 * value before nodeprep first wrote it; written and fsynced before the first
 * sysctl write, and never overwritten by a later apply, only extended) and the
 * record of the applied profile (what verify compares against).
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/sysroot.h"
#include "../shared/json-file.h"
#include "order.h"
#include "profile.h"

#define STATE_ORIGINALS STATE_DIR "/originals.json"
#define STATE_APPLIED STATE_DIR "/applied.json"

/* Add ops[i].from as the original of ops[i].key unless a value is already
 * journalled. ret_created tells whether the journal did not exist before. */
int state_journal_originals(const struct sysroot *sr, const struct write_op *ops, size_t n, bool *ret_created,
                            char **ret_error);

/* The journalled originals, in the journal's order, checked by
 * state_check_originals(). */
struct tune_original {
        char *key;
        char *value;
};

struct tune_originals {
        struct tune_original *entries;
        size_t n;
};

int state_load_originals(const struct sysroot *sr, struct tune_originals *ret, char **ret_error);
void tune_originals_done(struct tune_originals *o);

/* The record of the applied profile (applied.json): what verify compares
 * against, and the facts other modules need (the [limits] nofile K3s's unit
 * gets, the values the limits checks compare). */
struct tune_applied_key {
        char *key;
        char *value;
        enum modifier mod;      /* exact, >= or <= */
        bool persisted;
};

struct tune_applied_file {
        char *path;
        char *content;          /* the exact bytes written */
};

struct tune_applied {
        char *profile;
        char *file;             /* NULL when the record has none */
        struct tune_applied_key *keys;
        size_t n_keys;
        char **modules;         /* NULL-terminated, never NULL once loaded */
        uint64_t nofile;        /* 0: not set */
        struct tune_applied_file *files;
        size_t n_files;
};

/* Read and check (state_check_applied()) the record: -ENOENT when no profile
 * was applied, -EBADMSG naming the file and entry when it is not one. */
int tune_applied_load(const struct sysroot *sr, struct tune_applied *ret, char **ret_error);
void tune_applied_done(struct tune_applied *a);
#define _cleanup_tune_applied_ __attribute__((cleanup(tune_applied_done)))

/* The applied profile's [limits] nofile; 0 when none (or no valid record). */
uint64_t tune_applied_nofile(const struct sysroot *sr);

/* The recorded value of key, or NULL. */
const struct tune_applied_key *tune_applied_find(const struct tune_applied *a, const char *key);

/* Write the record (leaving an identical file alone). The writer does not
 * take or free anything in a. */
int tune_applied_record(const struct sysroot *sr, const struct tune_applied *a);

/* state-check.c: a whole originals.json / applied.json document, as strictly
 * as a profile (canonical names, values of the key's type, no program-running
 * values, sizes capped). -EBADMSG naming the file and entry. */
int state_check_originals(json_object *doc, char **ret_error);
int state_check_applied(json_object *doc, char **ret_error);

int state_remove(const struct sysroot *sr, const char *path);
