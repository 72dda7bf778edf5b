/* SPDX-License-Identifier: MIT */
#include "tune-json.h"

#include <stdlib.h>

#include "../basic/cleanup.h"

static json_object *string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *key_to_json(const struct tune_key_result *k) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "key", json_object_new_string(k->key));
        json_object_object_add(o, "before", string_or_null(k->before));
        json_object_object_add(o, "after", string_or_null(k->after));
        json_object_object_add(o, "desired", string_or_null(k->desired));
        json_object_object_add(o, "action", json_object_new_string(tune_action_to_string(k->action)));
        json_object_object_add(o, "scope", json_object_new_string(k->known ? key_scope_to_string(k->known->scope)
                                                                           : "unknown"));
        json_object_object_add(o, "owner", json_object_new_string(k->known ? key_owner_to_string(k->known->owner)
                                                                           : "unknown"));
        json_object_object_add(o, "boot_file", string_or_null(k->boot_file));
        json_object_object_add(o, "overridden_by", string_or_null(k->overridden_by));
        json_object_object_add(o, "procps_overridden_by", string_or_null(k->procps_overridden_by));
        json_object_object_add(o, "origin", json_object_new_string(k->origin));
        json_object_object_add(o, "line", json_object_new_int((int) k->line));
        return o;
}

static json_object *keys_to_json(const struct tune_result *r) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < r->n_keys; i++)
                json_object_array_add(arr, key_to_json(&r->keys[i]));
        return arr;
}

static json_object *files_to_json(const struct tune_file_result *files, size_t n) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < n; i++) {
                json_object *o = json_object_new_object();

                if (!o)
                        break;
                json_object_object_add(o, "path", json_object_new_string(files[i].path));
                json_object_object_add(o, "action", json_object_new_string(tune_file_action_to_string(files[i].action)));
                json_object_array_add(arr, o);
        }
        return arr;
}

/* Apply adds "after" (loaded, or why not) and puts it before "action". */
static json_object *modules_to_json(const struct tune_result *r) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < r->n_modules; i++) {
                const struct tune_module_result *m = &r->modules[i];
                json_object *o = json_object_new_object();

                if (!o)
                        break;
                json_object_object_add(o, "name", json_object_new_string(m->name));
                json_object_object_add(o, "before", json_object_new_string(module_state_to_string(m->before)));
                if (m->after)
                        json_object_object_add(o, "after", json_object_new_string(m->after));
                json_object_object_add(o, "action", json_object_new_string(m->load ? "load" : "keep"));
                json_object_array_add(arr, o);
        }
        return arr;
}

static json_object *strv_to_json(char * const *l) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && l && l[i]; i++)
                json_object_array_add(arr, json_object_new_string(l[i]));
        return arr;
}

/* plan: changed, would_change, profile, keys, modules, files, nofile,
 * warnings; apply: changed, [would_change,] dry_run, profile, keys, files,
 * warnings, modules. The contract fixed both orders. */
json_object *tune_result_to_json(const struct tune_result *r) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
        if (r->run != TUNE_RUN_APPLY)
                json_object_object_add(o, "would_change", json_object_new_boolean(r->would_change));
        if (r->run != TUNE_RUN_PLAN)
                json_object_object_add(o, "dry_run", json_object_new_boolean(r->run == TUNE_RUN_DRY_RUN));
        json_object_object_add(o, "profile", json_object_new_string(r->profile));
        json_object_object_add(o, "keys", keys_to_json(r));
        if (r->run == TUNE_RUN_PLAN)
                json_object_object_add(o, "modules", modules_to_json(r));
        json_object_object_add(o, "files", files_to_json(r->files, r->n_files));
        if (r->run == TUNE_RUN_PLAN && r->nofile)
                json_object_object_add(o, "nofile", json_object_new_int64((int64_t) r->nofile));
        json_object_object_add(o, "warnings", strv_to_json(r->warnings));
        if (r->run != TUNE_RUN_PLAN)
                json_object_object_add(o, "modules", modules_to_json(r));
        return o;
}

static json_object *verify_entries_to_json(const char *what, const struct tune_verify_entry *e, size_t n) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < n; i++) {
                json_object *o = json_object_new_object();

                if (!o)
                        break;
                json_object_object_add(o, what, json_object_new_string(e[i].name));
                json_object_object_add(o, "expected", string_or_null(e[i].expected));
                json_object_object_add(o, "live", string_or_null(e[i].live));
                json_object_object_add(o, "status", json_object_new_string(tune_sync_to_string(e[i].status)));
                if (e[i].overridden_by)
                        json_object_object_add(o, "overridden_by", json_object_new_string(e[i].overridden_by));
                json_object_array_add(arr, o);
        }
        return arr;
}

json_object *tune_verify_result_to_json(const struct tune_verify_result *r) {
        _cleanup_free_ const char **drifted = NULL;
        json_object *o;

        if (tune_verify_drifted(r, &drifted) < 0)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        json_object_object_add(o, "changed", json_object_new_boolean(false));
        json_object_object_add(o, "profile", string_or_null(r->profile));
        json_object_object_add(o, "keys", verify_entries_to_json("key", r->keys, r->n_keys));
        json_object_object_add(o, "files", verify_entries_to_json("path", r->files, r->n_files));
        json_object_object_add(o, "modules", verify_entries_to_json("name", r->modules, r->n_modules));
        json_object_object_add(o, "drifted", strv_to_json((char * const *) drifted));
        json_object_object_add(o, "in_sync", json_object_new_boolean(r->n_drifted == 0));
        return o;
}

json_object *tune_rollback_result_to_json(const struct tune_rollback_result *r) {
        json_object *o = json_object_new_object(), *keys = json_object_new_array();

        if (!o || !keys) {
                json_object_put(o);
                json_object_put(keys);
                return NULL;
        }
        for (size_t i = 0; i < r->n_keys; i++) {
                const struct tune_rollback_key *k = &r->keys[i];
                json_object *e = json_object_new_object();

                if (!e)
                        break;
                json_object_object_add(e, "key", json_object_new_string(k->key));
                json_object_object_add(e, "before", string_or_null(k->before));
                json_object_object_add(e, "after", json_object_new_string(k->after));
                json_object_object_add(e, "action", json_object_new_string(k->restore ? "restore" : "keep"));
                json_object_array_add(keys, e);
        }
        json_object_object_add(o, "keys", keys);
        json_object_object_add(o, "files", files_to_json(r->files, r->n_files));
        json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
        json_object_object_add(o, "dry_run", json_object_new_boolean(r->dry_run));
        if (r->dry_run)
                json_object_object_add(o, "would_change", json_object_new_boolean(r->would_change));
        json_object_object_add(o, "journal", json_object_new_boolean(r->journal));
        return o;
}
