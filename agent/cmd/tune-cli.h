/* SPDX-License-Identifier: MIT */
/* `nodeprep apply` as a function, for bootstrap's profile stage: the same
 * profile lookup, guards and errors as the command. */
#pragma once

#include <stdbool.h>

#include "../tune/engine.h"
#include "cli.h"

/* Load the profile name (from cli's profile path), check the write guards
 * (unless o->dry_run; they set o->only_per_netns) and apply it. Returns
 * EXIT_OK with *ret and *ret_profile (which *ret borrows from; free both),
 * or the exit code after printing the error as the command does. */
int tune_cli_apply(struct cli *cli, const char *name, struct apply_options *o, bool allow_netns,
                   struct profile **ret_profile, struct tune_result *ret);
