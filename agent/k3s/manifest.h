/* SPDX-License-Identifier: MIT */
/*
 * What install wrote, with hashes (/var/lib/nodeprep/k3s-install.json), so
 * uninstall removes exactly that and nothing an operator changed or made.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/sysroot.h"
#include "k3s.h"

struct k3s_manifest {
        json_object *obj;       /* {"version","role","unit","server","traefik_disabled","files":{path:sha},"links":[...]} */
};

/* -ENOENT when nothing was installed by nodeprep. */
int k3s_manifest_load(const struct sysroot *sr, struct k3s_manifest *ret);
void k3s_manifest_new(struct k3s_manifest *m);
void k3s_manifest_done(struct k3s_manifest *m);
int k3s_manifest_save(const struct sysroot *sr, const struct k3s_manifest *m);

void k3s_manifest_set(struct k3s_manifest *m, const char *key, const char *value);
void k3s_manifest_set_bool(struct k3s_manifest *m, const char *key, bool value);
const char *k3s_manifest_get(const struct k3s_manifest *m, const char *key);
bool k3s_manifest_get_bool(const struct k3s_manifest *m, const char *key);
void k3s_manifest_add_file(struct k3s_manifest *m, const char *path, const char *sha256);
void k3s_manifest_add_link(struct k3s_manifest *m, const char *path);
bool k3s_manifest_has_link(const struct k3s_manifest *m, const char *path);
