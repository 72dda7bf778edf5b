/* SPDX-License-Identifier: MIT */
/* The bootstrap result document: build, write, read back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "bootstrap.h"

static const char *const stage_names[_BS_MAX] = {
        [BS_PREFLIGHT] = "preflight",
        [BS_PROFILE] = "profile",
        [BS_K3S] = "k3s",
        [BS_READY] = "ready",
        [BS_OPENFAAS] = "openfaas",
        [BS_GATEWAY] = "gateway",
        [BS_SERVICE] = "service",
        [BS_REPORT] = "report",
};

static const char *const status_names[] = {
        [STAGE_OK] = "ok",
        [STAGE_CHANGED] = "changed",
        [STAGE_DONE] = "done",
        [STAGE_SKIPPED] = "skipped",
        [STAGE_FAILED] = "failed",
        [STAGE_NOT_RUN] = "not-run",
};

const char *bootstrap_stage_name(enum bootstrap_stage s) {
        return s >= 0 && s < _BS_MAX ? stage_names[s] : "?";
}

const char *stage_status_name(enum stage_status s) {
        return s >= 0 && s < (int) ELEMENTSOF(status_names) ? status_names[s] : "?";
}

/* RFC 3339 UTC, as provisioners log it. */
static json_object *now_utc(void) {
        char buf[32];
        time_t t = time(NULL);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return NULL;
        return json_object_new_string(buf);
}

json_object *bootstrap_result_new(const char *nodeprep_version, const char *profile, const char *role) {
        json_object *doc = json_object_new_object();

        if (!doc)
                return NULL;
        json_object_object_add(doc, "changed", json_object_new_boolean(false));
        json_object_object_add(doc, "ok", json_object_new_boolean(false));
        json_object_object_add(doc, "nodeprep_version", json_object_new_string(nodeprep_version));
        json_object_object_add(doc, "profile", profile ? json_object_new_string(profile) : NULL);
        json_object_object_add(doc, "role", json_object_new_string(role));
        json_object_object_add(doc, "started_at", now_utc());
        json_object_object_add(doc, "stages", json_object_new_array());
        return doc;
}

int bootstrap_stage_add(json_object *doc, enum bootstrap_stage s, enum stage_status st, uint64_t duration_ms,
                        const char *detail, json_object *sub) {
        json_object *stages, *o;

        if (!json_object_object_get_ex(doc, "stages", &stages)) {
                json_object_put(sub);
                return -EINVAL;
        }
        o = json_object_new_object();
        if (!o) {
                json_object_put(sub);
                return -ENOMEM;
        }
        json_object_object_add(o, "name", json_object_new_string(bootstrap_stage_name(s)));
        json_object_object_add(o, "status", json_object_new_string(stage_status_name(st)));
        json_object_object_add(o, "changed", json_object_new_boolean(st == STAGE_CHANGED));
        json_object_object_add(o, "detail", json_object_new_string(detail ? detail : ""));
        json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t) duration_ms));
        if (sub)
                json_object_object_add(o, "result", sub);
        json_object_array_add(stages, o);
        if (st == STAGE_CHANGED)
                json_object_object_add(doc, "changed", json_object_new_boolean(true));
        return 0;
}

int bootstrap_result_finish(json_object *doc, int exit_code, const char *failed_stage, const char *error,
                            const char *hint, uint64_t duration_ms) {
        json_object_object_add(doc, "ok", json_object_new_boolean(exit_code == 0));
        json_object_object_add(doc, "exit_code", json_object_new_int(exit_code));
        json_object_object_add(doc, "failed_stage", failed_stage ? json_object_new_string(failed_stage) : NULL);
        json_object_object_add(doc, "error", error ? json_object_new_string(error) : NULL);
        json_object_object_add(doc, "hint", hint ? json_object_new_string(hint) : NULL);
        json_object_object_add(doc, "finished_at", now_utc());
        json_object_object_add(doc, "duration_ms", json_object_new_int64((int64_t) duration_ms));
        return 0;
}

int bootstrap_result_write(const struct sysroot *sr, json_object *doc) {
        const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_free_ char *content = NULL;
        int r;

        if (!text)
                return -ENOMEM;
        if (asprintf(&content, "%s\n", text) < 0)
                return -ENOMEM;
        r = sysroot_mkdir_p(sr, "/var/lib/nodeprep", 0755);
        if (r < 0)
                return r;
        return sysroot_write_atomic(sr, BOOTSTRAP_RESULT_PATH, content, strlen(content), 0644);
}

/* Parse exactly one JSON object from text (no trailing garbage). */
static int parse_object(const char *text, size_t size, json_object **ret) {
        json_tokener *tok;
        json_object *o;
        bool complete;

        if (size > BOOTSTRAP_RESULT_MAX || size > INT32_MAX)
                return -EFBIG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int) size);
        complete = json_tokener_get_error(tok) == json_tokener_success;
        /* Only whitespace may follow the object. */
        for (size_t i = complete ? json_tokener_get_parse_end(tok) : size; i < size; i++)
                if (!strchr(" \t\r\n", text[i])) {
                        complete = false;
                        break;
                }
        json_tokener_free(tok);
        if (!o || !complete || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

int bootstrap_previous_parse(const char *text, size_t size, struct bootstrap_previous *ret) {
        struct bootstrap_previous p = {};
        json_object *o = NULL, *v;
        int r;

        r = parse_object(text, size, &o);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "ok", &v) || !json_object_is_type(v, json_type_boolean) ||
            !json_object_object_get_ex(o, "stages", NULL)) {
                json_object_put(o);
                return -EBADMSG;
        }
        p.ok = json_object_get_boolean(v);
        if (json_object_object_get_ex(o, "exit_code", &v) && json_object_is_type(v, json_type_int))
                p.exit_code = json_object_get_int(v);
        if (p.exit_code < 0 || p.exit_code > 255)
                r = -EBADMSG;
        /* The stage is echoed in a message: only a name we know, never the
         * file's text. */
        if (json_object_object_get_ex(o, "failed_stage", &v) && json_object_is_type(v, json_type_string)) {
                r = -EBADMSG;
                for (int s = 0; s < _BS_MAX; s++)
                        if (streq(json_object_get_string(v), stage_names[s])) {
                                snprintf(p.failed_stage, sizeof(p.failed_stage), "%s", stage_names[s]);
                                r = 0;
                                break;
                        }
        } else if (v && !json_object_is_type(v, json_type_null))
                r = -EBADMSG;
        json_object_put(o);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int bootstrap_previous_load(const struct sysroot *sr, struct bootstrap_previous *ret) {
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        int r;

        r = sysroot_read_file(sr, BOOTSTRAP_RESULT_PATH, BOOTSTRAP_RESULT_MAX, &text, &n);
        if (r < 0)
                return r;
        return bootstrap_previous_parse(text, n, ret);
}

int bootstrap_command_output_parse(const char *text, size_t size, json_object **ret) {
        size_t end = size;

        if (size > BOOTSTRAP_RESULT_MAX)
                return -EFBIG;
        /* Walk the lines from the last; the first that is an object wins. */
        while (end > 0) {
                size_t start = end;
                json_object *o = NULL;

                while (start > 0 && text[start - 1] != '\n')
                        start--;
                if (end > start && parse_object(text + start, end - start, &o) >= 0) {
                        *ret = o;
                        return 0;
                }
                end = start > 0 ? start - 1 : 0;
        }
        return -EBADMSG;
}
