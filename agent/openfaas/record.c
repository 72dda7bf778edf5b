/* SPDX-License-Identifier: MIT */
#include "record.h"

#include <errno.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/json-file.h"
#include "openfaas.h"

int openfaas_record_load(const struct sysroot *sr, struct openfaas_record *ret) {
        json_object *o = NULL;
        int r = json_file_read(sr, OPENFAAS_RECORD, &o);

        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }
        ret->obj = o;
        return 0;
}

void openfaas_record_new(struct openfaas_record *rec) {
        rec->obj = json_object_new_object();
        json_object_object_add(rec->obj, "files", json_object_new_object());
}

void openfaas_record_done(struct openfaas_record *rec) {
        json_object_put(rec->obj);
        rec->obj = NULL;
}

int openfaas_record_save(const struct sysroot *sr, const struct openfaas_record *rec) {
        return json_file_write_if_changed(sr, OPENFAAS_RECORD, rec->obj);
}

int openfaas_record_remove(const struct sysroot *sr) {
        return sysroot_unlink(sr, OPENFAAS_RECORD);
}

void openfaas_record_set(struct openfaas_record *rec, const char *key, const char *value) {
        json_object_object_add(rec->obj, key, value ? json_object_new_string(value) : NULL);
}

void openfaas_record_set_int(struct openfaas_record *rec, const char *key, int value) {
        json_object_object_add(rec->obj, key, json_object_new_int(value));
}

const char *openfaas_record_get(const struct openfaas_record *rec, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(rec->obj, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int openfaas_record_get_int(const struct openfaas_record *rec, const char *key, int def) {
        json_object *v;

        if (!json_object_object_get_ex(rec->obj, key, &v) || !json_object_is_type(v, json_type_int))
                return def;
        return json_object_get_int(v);
}

static json_object *files(const struct openfaas_record *rec) {
        json_object *f;

        if (!json_object_object_get_ex(rec->obj, "files", &f) || !json_object_is_type(f, json_type_object)) {
                f = json_object_new_object();
                json_object_object_add(rec->obj, "files", f);
        }
        return f;
}

void openfaas_record_add_file(struct openfaas_record *rec, const char *path, const char *sha256) {
        json_object_object_add(files(rec), path, json_object_new_string(sha256));
}

const char *openfaas_record_file(const struct openfaas_record *rec, const char *path) {
        json_object *v;

        if (!json_object_object_get_ex(files(rec), path, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}
