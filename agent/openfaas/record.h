/* SPDX-License-Identifier: MIT */
/*
 * What install wrote (/var/lib/nodeprep/openfaas-install.json): each file
 * with its sha256, and the options that shaped it, as the K3s installer
 * records its own (k3s/manifest.h). Uninstall removes exactly those files,
 * and only while their hash is still ours.
 */
#pragma once

#include <json-c/json.h>

#include "../basic/sysroot.h"

struct openfaas_record {
        json_object *obj;       /* {"edition","chart_version","expose","function_timeout_sec","files":{path:sha}} */
};

/* -ENOENT when nodeprep installed nothing. */
int openfaas_record_load(const struct sysroot *sr, struct openfaas_record *ret);
void openfaas_record_new(struct openfaas_record *rec);
void openfaas_record_done(struct openfaas_record *rec);
int openfaas_record_save(const struct sysroot *sr, const struct openfaas_record *rec);
int openfaas_record_remove(const struct sysroot *sr);

void openfaas_record_set(struct openfaas_record *rec, const char *key, const char *value);
void openfaas_record_set_int(struct openfaas_record *rec, const char *key, int value);
const char *openfaas_record_get(const struct openfaas_record *rec, const char *key);
int openfaas_record_get_int(const struct openfaas_record *rec, const char *key, int def);
void openfaas_record_add_file(struct openfaas_record *rec, const char *path, const char *sha256);
/* The recorded sha256 of path, or NULL. */
const char *openfaas_record_file(const struct openfaas_record *rec, const char *path);
