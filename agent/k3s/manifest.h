/* SPDX-License-Identifier: MIT */
/*
 * What install wrote, with hashes (/var/lib/nodeprep/k3s-install.json), so
 * uninstall removes exactly that and nothing an operator changed or made.
 *
 * The manifest is world-readable, so it holds no hash of a file with a
 * secret in it (the token copy, the env file, the config drop-in): for those
 * it says "secret", and their hashes live in k3s-install.secrets.json (0600).
 *
 * It is input, not code: on load every entry is checked against what the
 * installer can write (an allow-list of paths, k3s*.service units, the keys
 * it records); anything else refuses the whole file, naming the entry, so a
 * tampered manifest cannot make uninstall delete /etc/passwd or stop sshd.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/sysroot.h"
#include "k3s.h"

#define K3S_MANIFEST_SECRETS "/var/lib/nodeprep/k3s-install.secrets.json"

struct k3s_manifest {
        json_object *obj;       /* {"version","role","unit","server","traefik_disabled","files":{path:sha|"secret"},"links":[...]} */
        json_object *secrets;   /* {path: sha} */
};

/* -ENOENT when nothing was installed by nodeprep; -EINVAL (ret_error names
 * the file and the entry) when the file holds anything install cannot have
 * written; -EBADMSG when it is no JSON object. */
int k3s_manifest_load(const struct sysroot *sr, struct k3s_manifest *ret, char **ret_error);
void k3s_manifest_new(struct k3s_manifest *m);
void k3s_manifest_done(struct k3s_manifest *m);
int k3s_manifest_save(const struct sysroot *sr, const struct k3s_manifest *m);
/* Both files; a missing one is fine. */
int k3s_manifest_remove(const struct sysroot *sr);

/* The check of load, on a parsed object (also for tests and fuzzing). */
int k3s_manifest_validate(json_object *obj, json_object *secrets, char **ret_error);
/* A path install may write, and a unit it may manage. */
bool k3s_manifest_path_allowed(const char *path);
bool k3s_manifest_link_allowed(const char *path);
bool k3s_manifest_unit_allowed(const char *unit);

void k3s_manifest_set(struct k3s_manifest *m, const char *key, const char *value);
void k3s_manifest_set_bool(struct k3s_manifest *m, const char *key, bool value);
const char *k3s_manifest_get(const struct k3s_manifest *m, const char *key);
bool k3s_manifest_get_bool(const struct k3s_manifest *m, const char *key);
void k3s_manifest_add_file(struct k3s_manifest *m, const char *path, const char *sha256);
/* A file with a secret in it: its hash goes to the 0600 side file only. */
void k3s_manifest_add_secret_file(struct k3s_manifest *m, const char *path, const char *sha256);
/* The hash recorded for path (from either file), or NULL. */
const char *k3s_manifest_file_hash(const struct k3s_manifest *m, const char *path);
void k3s_manifest_add_link(struct k3s_manifest *m, const char *path);
bool k3s_manifest_has_link(const struct k3s_manifest *m, const char *path);
