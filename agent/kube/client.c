/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "kube.h"

int kube_request(const struct kubeconfig *kc, const char *method, const char *path, const char *body,
                 struct http_response *ret, char **ret_error) {
        _cleanup_free_ char *url = NULL;
        struct http_request req = {
                .method = method, .body = body, .ca_pem = kc->ca_pem, .cert_pem = kc->cert_pem,
                .key_pem = kc->key_pem, .timeout_ms = KUBE_REQUEST_TIMEOUT_MS,
        };
        int r;

        if (asprintf(&url, "%s%s", kc->server, path) < 0)
                return -ENOMEM;
        req.url = url;
        r = http_do(&req, ret, ret_error);
        if (r < 0)
                return r;
        if (ret->truncated) {
                http_response_done(ret);
                return error_msg(ret_error, -EFBIG, "%s: answer larger than %u bytes, cut off", path,
                                 HTTP_MAX_BODY_DEFAULT);
        }
        return 0;
}

int kube_json_parse(const char *text, size_t size, json_object **ret) {
        json_tokener *tok;
        json_object *o;

        if (size > HTTP_MAX_BODY_DEFAULT || size > (size_t) INT32_MAX)
                return -EFBIG;
        tok = json_tokener_new_ex(64);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int) size);
        /* A complete value, and nothing but blanks after it. */
        if (o && json_tokener_get_error(tok) == json_tokener_success) {
                size_t end = json_tokener_get_parse_end(tok);

                for (; end < size; end++)
                        if (!strchr(" \t\r\n", text[end]))
                                break;
                if (end < size) {
                        json_object_put(o);
                        o = NULL;
                }
        } else if (o) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        if (!o)
                return -EBADMSG;
        *ret = o;
        return 0;
}

const char *kube_str(json_object *obj, const char *const *path) {
        for (; *path; path++)
                if (!obj || !json_object_object_get_ex(obj, *path, &obj))
                        return NULL;
        return obj && json_object_is_type(obj, json_type_string) ? json_object_get_string(obj) : NULL;
}

int64_t kube_int(json_object *obj, const char *const *path, int64_t def) {
        for (; *path; path++)
                if (!obj || !json_object_object_get_ex(obj, *path, &obj))
                        return def;
        return obj && json_object_is_type(obj, json_type_int) ? json_object_get_int64(obj) : def;
}

json_object *kube_items(json_object *list) {
        json_object *items;

        if (!list || !json_object_object_get_ex(list, "items", &items) || !json_object_is_type(items, json_type_array))
                return NULL;
        return items;
}

char *kube_status_message(const char *text, size_t size) {
        json_object *o;
        const char *m;
        char *s = NULL;

        if (kube_json_parse(text, size, &o) < 0)
                return NULL;
        m = KUBE_STR(o, "message");
        if (m)
                s = strndup(m, 512);
        json_object_put(o);
        return s;
}

void kube_condition_get(json_object *obj, const char *type, struct kube_condition *ret) {
        json_object *status, *conds;

        *ret = (struct kube_condition) {};
        if (!obj || !json_object_object_get_ex(obj, "status", &status) ||
            !json_object_object_get_ex(status, "conditions", &conds) || !json_object_is_type(conds, json_type_array))
                return;
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                const char *t = KUBE_STR(c, "type"), *s = KUBE_STR(c, "status");

                if (!t || !s || !streq(t, type))
                        continue;
                ret->found = true;
                ret->is_true = streq(s, "True");
                snprintf(ret->reason, sizeof(ret->reason), "%s", KUBE_STR(c, "reason") ?: "");
                snprintf(ret->message, sizeof(ret->message), "%s", KUBE_STR(c, "message") ?: "");
                return;
        }
}
