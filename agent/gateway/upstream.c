/* SPDX-License-Identifier: MIT */
/*
 * Which address nginx proxies to. --upstream wins. Without it, the address
 * `nodeprep openfaas install` recorded in OPENFAAS_GATEWAY_FILE: the gateway
 * Service's ClusterIP, because by default OpenFaaS publishes no port on the
 * node (exposeServices false, agent/openfaas/README.md), so 127.0.0.1:8080
 * would reach nothing; this is how `bootstrap --openfaas --domain` chains the
 * two stages. Without that record, 127.0.0.1:8080 (a gateway on this host,
 * as the usual guide has it). plan, apply and verify resolve it alike, so
 * verify renders what apply wrote.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/state-paths.h"
#include "internal.h"

#define RECORD_MAX 4096         /* the file is one short line */

static void json_putp(json_object **o) {
        json_object_put(*o);
}

int gw_openfaas_upstream_parse(const char *text, size_t size, char ret[GATEWAY_UPSTREAM_MAX], char **ret_error) {
        _cleanup_(json_putp) json_object *root = NULL;
        _cleanup_free_ char *err = NULL;
        struct gateway_options scratch;
        struct json_tokener *tok;
        json_object *v;
        bool whole;

        if (size > RECORD_MAX || memchr(text, 0, size))
                return error_msg(ret_error, -EBADMSG, OPENFAAS_GATEWAY_FILE ": too large or binary");
        tok = json_tokener_new_ex(4);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, text, (int) size);
        whole = json_tokener_get_error(tok) == json_tokener_success;
        /* install.c ends the object with a newline; nothing else may follow. */
        for (size_t i = whole ? json_tokener_get_parse_end(tok) : size; i < size; i++)
                if (!strchr(" \t\r\n", text[i]))
                        whole = false;
        json_tokener_free(tok);
        if (!whole || !json_object_is_type(root, json_type_object))
                return error_msg(ret_error, -EBADMSG, OPENFAAS_GATEWAY_FILE ": not a JSON object");
        if (!json_object_object_get_ex(root, "upstream", &v) || !json_object_is_type(v, json_type_string))
                return error_msg(ret_error, -EBADMSG, OPENFAAS_GATEWAY_FILE ": no \"upstream\" string");
        /* The same validation as --upstream: the value goes into nginx's
         * configuration. */
        gateway_options_init(&scratch);
        if (gateway_set_upstream(&scratch, json_object_get_string(v), &err) < 0)
                return error_msg(ret_error, -EBADMSG, OPENFAAS_GATEWAY_FILE ": upstream: %s", err ? err : "invalid");
        memcpy(ret, scratch.upstream, GATEWAY_UPSTREAM_MAX);
        return 0;
}

int gw_options_resolve(const struct sysroot *sr, const struct gateway_options *o, struct gateway_options *ret,
                       const char **ret_from, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        char upstream[GATEWAY_UPSTREAM_MAX];
        size_t size;
        int r;

        if (o->upstream_given) {
                *ret = *o;
                *ret_from = "--upstream";
                return 0;
        }
        r = sysroot_read_file(sr, OPENFAAS_GATEWAY_FILE, RECORD_MAX, &text, &size);
        if (r == -ENOENT) {
                *ret = *o;
                *ret_from = "default";
                return 0;
        }
        if (r < 0)
                return error_msg(ret_error, r == -EFBIG ? -EBADMSG : r, OPENFAAS_GATEWAY_FILE ": %s; or pass --upstream",
                                 strerror(-r));
        r = gw_openfaas_upstream_parse(text, size, upstream, ret_error);
        if (r < 0)
                return r;
        *ret = *o;
        memcpy(ret->upstream, upstream, sizeof(upstream));
        *ret_from = OPENFAAS_GATEWAY_FILE;
        return 0;
}
