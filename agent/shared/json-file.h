/* SPDX-License-Identifier: MIT */
/*
 * nodeprep's JSON state files (applied.json, k3s-install.json,
 * openfaas-install.json, ...): one JSON object per file, read capped and
 * strictly, written pretty-printed and atomically through the root context.
 * What a file may contain is checked by the module that owns it.
 */
#pragma once

#include <json-c/json.h>

#include "../basic/sysroot.h"

/* Where the state files live (design.md's file locations). */
#define STATE_DIR "/var/lib/nodeprep"

#define JSON_FILE_MAX (4u * 1024 * 1024)

/* Read a JSON object file (capped at JSON_FILE_MAX). -ENOENT when absent, -EBADMSG
 * when it is not a JSON object. */
int json_file_read(const struct sysroot *sr, const char *path, json_object **ret);
/* Write obj (pretty, one trailing newline, mode 0644) atomically, creating
 * the directory that holds path (0755) when it is missing. */
int json_file_write(const struct sysroot *sr, const char *path, json_object *obj);
/* Same, but leaves an identical file alone (a no-op apply writes nothing). */
int json_file_write_if_changed(const struct sysroot *sr, const char *path, json_object *obj);
