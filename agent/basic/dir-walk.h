/* SPDX-License-Identifier: MIT */
/* One walk over a directory's entries, for the recursive removers (the
 * gateway's empty-webroot rmdir, K3s's rm -rf of its data dirs). */
#pragma once

#include <dirent.h>
#include <stdbool.h>

/* Called with the open directory's fd and one entry (never . or ..). */
typedef int (*dir_entry_fn)(int dfd, const struct dirent *de, void *userdata);

/* Open NAME below the directory fd PARENT without following a symlink at
 * NAME and call fn on each entry. keep_going: visit every entry and return
 * the first error; otherwise stop at the first error. -errno when NAME cannot
 * be opened as a directory. */
int dir_walk_at(int parent, const char *name, bool keep_going, dir_entry_fn fn, void *userdata);
