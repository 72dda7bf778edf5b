/* SPDX-License-Identifier: MIT */
/*
 * The tuning engine: plan, apply, verify and rollback of a profile. Each
 * returns its result as one JSON object (the shape of the CLI contract), which
 * the command layer prints as JSON or as a table. The engine never prints.
 *
 * Return values: 0 success; -EINVAL invalid input (message in ret_error, with
 * file:line); -EPERM not permitted here; -EEXIST a file nodeprep does not own
 * is in the way; -ENOENT a key is missing under --strict; any other negative
 * errno: the operation failed and the system was restored.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/sysroot.h"
#include "profile.h"

struct apply_options {
        bool dry_run;
        bool no_persist;
        bool strict;            /* a missing key fails the apply */
        bool only_per_netns;    /* --allow-netns in a child netns: never touch global state */
};

int tune_plan(const struct sysroot *sr, const struct profile *p, json_object **ret, char **ret_error);
int tune_apply(const struct sysroot *sr, const struct profile *p, const struct apply_options *o,
               json_object **ret, char **ret_error);
/* ret_drift: true when anything is out of sync (or nothing was applied). */
int tune_verify(const struct sysroot *sr, json_object **ret, bool *ret_drift, char **ret_error);
/* only_per_netns: refuse (-EPERM) when the journal holds any key that is not
 * per-netns, so a rollback in a child netns never touches global state. */
int tune_rollback(const struct sysroot *sr, bool dry_run, bool only_per_netns, json_object **ret, char **ret_error);
