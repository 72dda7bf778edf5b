/* SPDX-License-Identifier: MIT */
#include "k3s-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../shared/dl-yaml.h"
#include "../shared/yaml-emit.h"

static void key_list(struct yaml_out *y, const char *key, char * const *values) {
        if (!values || !values[0])
                return;
        yaml_out_str(y, key);
        yaml_out_flow_seq_start(y);
        for (char * const *v = values; *v; v++)
                yaml_out_str(y, *v);
        yaml_out_seq_end(y);
}

/* What the drop-in would set but the operator's files already do: kept
 * theirs, listed for the step's detail. */
struct render_ctx {
        struct yaml_out *y;
        const struct k3s_conf *op;
        FILE *kept;
};

/* Flags whose value is a credential (pkg/cli/cmds/server.go: token,
 * agent-token, the datastore endpoint's userinfo, the etcd S3 keys): the
 * step's detail names them but never shows the value. */
static bool k3s_flag_is_secret(const char *key) {
        static const char *const secret[] = { "token", "agent-token", "datastore-endpoint",
                                              "etcd-s3-access-key", "etcd-s3-secret-key" };

        for (size_t i = 0; i < ELEMENTSOF(secret); i++)
                if (streq(key, secret[i]))
                        return true;
        return false;
}

/* A scalar flag, unless an operator's file sets it (K3s lets the later file
 * win, and ours is 50-: a silent override is what nodeprep must not do).
 * group: another flag that means the same (token-file vs token). */
static void scalar_flag(struct render_ctx *c, const char *key, const char *group, const char *value, bool quoted) {
        const struct k3s_conf_entry *theirs;

        if (!value)
                return;
        theirs = c->op ? k3s_conf_get(c->op, key) : NULL;
        if (!theirs && group && c->op)
                theirs = k3s_conf_get(c->op, group);
        if (theirs) {
                size_t n = strv_length(theirs->values);
                bool secret = k3s_flag_is_secret(theirs->key);

                fprintf(c->kept, "%skept %s=%s from %s:%u (nodeprep's: %s)", ftell(c->kept) ? "; " : "",
                        theirs->key, secret ? "(secret)" : n ? theirs->values[n - 1] : "",
                        theirs->file, theirs->line,
                        streq(theirs->key, "token") ? "token-file" : secret ? "(secret)" : value);
                return;
        }
        if (quoted)
                yaml_out_kv_quoted(c->y, key, value);
        else
                yaml_out_kv(c->y, key, value);
}

/* A repeatable flag: appended ("key+"), so the operator's list stays
 * (pkg/configfilearg/parser.go: "+" appends, a plain key replaces). */
static void list_flag(struct render_ctx *c, const char *key, char * const *values) {
        char plus[64];

        snprintf(plus, sizeof(plus), "%s+", key);
        key_list(c->y, plus, values);
}

static void emit_body(struct render_ctx *c, const struct k3s_install_options *o, const char *token_path) {
        static char *const default_disable[] = { (char *) "traefik", NULL };

        if (o->role == K3S_ROLE_SERVER) {
                /* A quoted "0600": YAML 1.1 would read 0600 as octal 384. */
                scalar_flag(c, "write-kubeconfig-mode", NULL, "0600", true);
                list_flag(c, "disable", o->disable ? o->disable : default_disable);
                if (o->cluster_init)
                        scalar_flag(c, "cluster-init", NULL, "true", false);
                scalar_flag(c, "datastore-endpoint", NULL, o->datastore_endpoint, true);
                list_flag(c, "tls-san", o->tls_san);
        }
        scalar_flag(c, "server", NULL, o->server, true);
        scalar_flag(c, "token-file", "token", token_path, true);
        scalar_flag(c, "node-ip", NULL, o->node_ip, true);
}

static void yaml_out_donep(struct yaml_out *y) {
        yaml_out_done(y);
}

static int config_render(const struct k3s_install_options *o, const char *token_path, const struct k3s_conf *op,
                         char **ret, char **ret_kept) {
        _cleanup_(yaml_out_donep) struct yaml_out y = {};
        _cleanup_free_ char *kept = NULL, *body = NULL;
        size_t kept_size = 0, body_size;
        struct render_ctx ctx = { .y = &y, .op = op };
        char *text;
        int r;
        static const char header[] = "# Written by nodeprep (k3s install); changes are overwritten.\n";

        r = yaml_out_begin(&y);
        if (r < 0)
                return r;
        ctx.kept = open_memstream(&kept, &kept_size);
        if (!ctx.kept)
                return -ENOMEM;
        yaml_out_doc_start_implicit(&y);
        yaml_out_map_start(&y);
        emit_body(&ctx, o, token_path);
        yaml_out_map_end(&y);
        yaml_out_doc_end(&y);
        if (fclose(ctx.kept) != 0)
                return -ENOMEM;
        r = yaml_out_finish(&y, &body, &body_size);
        if (r < 0)
                return r;
        if (asprintf(&text, "%s%s", header, body) < 0)
                return -ENOMEM;
        *ret = text;
        if (ret_kept)
                *ret_kept = kept && kept[0] ? TAKE_PTR(kept) : NULL;
        return 0;
}

/* libyaml is loaded before the emitter exists: its cleanup calls libyaml. */
int k3s_config_render(const struct k3s_install_options *o, const char *token_path, const struct k3s_conf *op,
                      char **ret, char **ret_kept) {
        int r = dlopen_yaml(NULL);

        return r < 0 ? r : config_render(o, token_path, op, ret, ret_kept);
}
