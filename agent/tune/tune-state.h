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

#define STATE_ORIGINALS STATE_DIR "/originals.json"
#define STATE_APPLIED STATE_DIR "/applied.json"

/* Add ops[i].from as the original of ops[i].key unless a value is already
 * journalled. ret_created tells whether the journal did not exist before. */
int state_journal_originals(const struct sysroot *sr, const struct write_op *ops, size_t n, bool *ret_created,
                            char **ret_error);

/* The journalled originals: a JSON object key -> value (caller owns),
 * checked by state_check_originals(). */
int state_load_originals(const struct sysroot *sr, json_object **ret, char **ret_error);

/* The applied record, checked by state_check_applied(). */
int state_load_applied(const struct sysroot *sr, json_object **ret, char **ret_error);

/* state-check.c: a whole originals.json / applied.json document, as strictly
 * as a profile (canonical names, values of the key's type, no program-running
 * values, sizes capped). -EBADMSG naming the file and entry. */
int state_check_originals(json_object *doc, char **ret_error);
int state_check_applied(json_object *doc, char **ret_error);

int state_remove(const struct sysroot *sr, const char *path);
