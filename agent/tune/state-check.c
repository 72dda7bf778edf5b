/* SPDX-License-Identifier: MIT */
/*
 * The state files are input: a journal or record changed by hand, by a bug or
 * by an attacker is checked as strictly as a profile before anything acts on
 * it. Names must be canonical sysctl names (so they map into /proc/sys and
 * nowhere else), values of the key's type, sizes capped. A bad file is
 * -EBADMSG with the file and entry named; nothing is touched.
 */
#include <errno.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "../shared/json-util.h"
#include "keys.h"
#include "persist.h"
#include "tune-state.h"
#include "sysctl.h"

#define STATE_KEYS_MAX 4096
#define STATE_FILE_CONTENT_MAX (1024 * 1024)
#define STATE_NAME_MAX 255
#define MODULE_NAME_MAX 64

/* Printable text: no control characters but tabs (vectors), so nothing read
 * from a state file can start a new line where it is echoed. */
static bool printable(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                        return false;
        return true;
}

static int check_name(const char *file, const char *key, char **ret_error) {
        _cleanup_free_ char *canon = NULL;

        if (sysctl_normalize_name(key, &canon) < 0 || !streq(canon, key))
                return error_msg(ret_error, -EBADMSG, "%s: entry '%.80s': not a canonical sysctl name", file, key);
        return 0;
}

/* A program a journalled kernel.core_pattern may restore: a package's (under
 * /usr or /lib: systemd-coredump, apport), never one in /tmp or /var. */
static bool packaged_program(const char *pattern) {
        size_t len = strcspn(pattern + 1, " \t");

        return (string_has_prefix(pattern + 1, "/usr/") || string_has_prefix(pattern + 1, "/lib/")) &&
               !memmem(pattern + 1, len, "/../", 4) && !memmem(pattern + 1, len, "/./", 3);
}

static int check_value(const char *file, const char *key, json_object *v, bool original, char **ret_error) {
        _cleanup_free_ char *copy = NULL, *why = NULL;
        const struct known_key *k = known_key_find(key);
        const char *value, *runs;
        int r;

        if (json_object_get_type(v) != json_type_string)
                return error_msg(ret_error, -EBADMSG, "%s: entry %s: the value is not a string", file, key);
        value = json_object_get_string(v);
        if (strlen(value) >= SYSCTL_VALUE_MAX || !printable(value))
                return error_msg(ret_error, -EBADMSG, "%s: entry %s: the value is too long or has control characters",
                                 file, key);
        runs = key_runs_program(key, value);
        if (runs && !(original && streq(key, "kernel.core_pattern") && packaged_program(value)))
                return error_msg(ret_error, -EBADMSG, "%s: entry %s: %s; refusing to write it", file, key, runs);
        if (!k)
                return 0;
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        r = known_key_check_value(k, normalize_blanks(copy), &why);
        /* An original is what the kernel had: it may lie outside the range
         * nodeprep sets, but never be of another type. */
        if (r == -EINVAL || (r < 0 && !original))
                return error_msg(ret_error, -EBADMSG, "%s: entry %s: %s", file, key, why ? why : "invalid value");
        return 0;
}

static int check_version(const char *file, json_object *doc, char **ret_error) {
        json_object *v;

        if (!json_object_object_get_ex(doc, "version", &v) || json_object_get_type(v) != json_type_int ||
            json_object_get_int64(v) != 1)
                return error_msg(ret_error, -EBADMSG, "%s: \"version\" is not 1", file);
        return 0;
}

int state_check_originals(json_object *doc, char **ret_error) {
        json_object *keys;
        int r;

        r = check_version(STATE_ORIGINALS, doc, ret_error);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(doc, "keys", &keys) || json_object_get_type(keys) != json_type_object)
                return error_msg(ret_error, -EBADMSG, "%s: \"keys\" is not an object", STATE_ORIGINALS);
        if (json_object_object_length(keys) > STATE_KEYS_MAX)
                return error_msg(ret_error, -EBADMSG, "%s: more than %d keys", STATE_ORIGINALS, STATE_KEYS_MAX);
        json_object_object_foreach(keys, key, val) {
                r = check_name(STATE_ORIGINALS, key, ret_error);
                if (r >= 0)
                        r = check_value(STATE_ORIGINALS, key, val, true, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_applied_key(json_object *k, size_t i, char **ret_error) {
        const char *key = json_field_string(k, "key"), *mod = json_field_string(k, "modifier");
        json_object *v, *p;
        int r;

        if (json_object_get_type(k) != json_type_object || !key || !mod ||
            !json_object_object_get_ex(k, "value", &v) ||
            !json_object_object_get_ex(k, "persisted", &p) || json_object_get_type(p) != json_type_boolean)
                return error_msg(ret_error, -EBADMSG, "%s: keys[%zu]: needs key, value, modifier and persisted",
                                 STATE_APPLIED, i);
        r = check_name(STATE_APPLIED, key, ret_error);
        if (r < 0)
                return r;
        if (!streq(mod, "exact") && !streq(mod, ">=") && !streq(mod, "<="))
                return error_msg(ret_error, -EBADMSG, "%s: entry %s: unknown modifier", STATE_APPLIED, key);
        return check_value(STATE_APPLIED, key, v, false, ret_error);
}

static int check_applied_files(json_object *files, char **ret_error) {
        if (json_object_get_type(files) != json_type_object)
                return error_msg(ret_error, -EBADMSG, "%s: \"files\" is not an object", STATE_APPLIED);
        json_object_object_foreach(files, path, content) {
                bool ours = false;

                for (int f = 0; f < _PERSIST_MAX; f++)
                        ours = ours || streq(path, persisted_file_path(f));
                if (!ours)
                        return error_msg(ret_error, -EBADMSG, "%s: files: '%.80s' is not a file nodeprep writes",
                                         STATE_APPLIED, path);
                if (json_object_get_type(content) != json_type_string ||
                    json_object_get_string_len(content) > STATE_FILE_CONTENT_MAX)
                        return error_msg(ret_error, -EBADMSG, "%s: files: %s: not a string of at most %d bytes",
                                         STATE_APPLIED, path, STATE_FILE_CONTENT_MAX);
        }
        return 0;
}

static int check_applied_modules(json_object *mods, char **ret_error) {
        if (json_object_get_type(mods) != json_type_array || json_object_array_length(mods) > STATE_KEYS_MAX)
                return error_msg(ret_error, -EBADMSG, "%s: \"modules\" is not an array", STATE_APPLIED);
        for (size_t i = 0; i < json_object_array_length(mods); i++) {
                json_object *m = json_object_array_get_idx(mods, i);
                const char *s = json_object_get_string(m);

                if (json_object_get_type(m) != json_type_string || !*s || strlen(s) > MODULE_NAME_MAX ||
                    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(s))
                        return error_msg(ret_error, -EBADMSG, "%s: modules[%zu]: not a module name", STATE_APPLIED, i);
        }
        return 0;
}

int state_check_applied(json_object *doc, char **ret_error) {
        const char *profile = json_field_string(doc, "profile"), *file = json_field_string(doc, "file");
        json_object *keys, *files, *mods, *nofile;
        int r;

        r = check_version(STATE_APPLIED, doc, ret_error);
        if (r < 0)
                return r;
        if (!profile || !*profile || strlen(profile) > STATE_NAME_MAX || !printable(profile) ||
            strchr(profile, '\t') || (file && (strlen(file) > 4096 || !printable(file))))
                return error_msg(ret_error, -EBADMSG, "%s: \"profile\" or \"file\" is missing or not a plain name",
                                 STATE_APPLIED);
        if (!json_object_object_get_ex(doc, "keys", &keys) || json_object_get_type(keys) != json_type_array ||
            json_object_array_length(keys) > STATE_KEYS_MAX)
                return error_msg(ret_error, -EBADMSG, "%s: \"keys\" is not an array of at most %d",
                                 STATE_APPLIED, STATE_KEYS_MAX);
        for (size_t i = 0; i < json_object_array_length(keys); i++) {
                r = check_applied_key(json_object_array_get_idx(keys, i), i, ret_error);
                if (r < 0)
                        return r;
        }
        if (!json_object_object_get_ex(doc, "files", &files) || !json_object_object_get_ex(doc, "modules", &mods))
                return error_msg(ret_error, -EBADMSG, "%s: \"files\" or \"modules\" is missing", STATE_APPLIED);
        r = check_applied_files(files, ret_error);
        if (r >= 0)
                r = check_applied_modules(mods, ret_error);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(doc, "nofile", &nofile) &&
            (json_object_get_type(nofile) != json_type_int || json_object_get_int64(nofile) < 1 ||
             json_object_get_int64(nofile) > (INT64_C(1) << 30)))
                return error_msg(ret_error, -EBADMSG, "%s: \"nofile\" is not a limit", STATE_APPLIED);
        return 0;
}
