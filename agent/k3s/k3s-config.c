/* SPDX-License-Identifier: MIT */
#include "k3s-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../shared/dl-yaml.h"

#include "../basic/cleanup.h"
#include "../basic/parse.h"

struct outbuf {
        char *data;
        size_t size;
};

static int out_write(void *data, unsigned char *buffer, size_t size) {
        struct outbuf *b = data;
        char *n = realloc(b->data, b->size + size + 1);

        if (!n)
                return 0;
        memcpy(n + b->size, buffer, size);
        b->size += size;
        n[b->size] = 0;
        b->data = n;
        return 1;
}

static int scalar(yaml_emitter_t *e, const char *s, bool quoted) {
        yaml_event_t ev;

        if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) strlen(s), 1, 1,
                                          quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE))
                return -ENOMEM;
        return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
}

static int key_value(yaml_emitter_t *e, const char *key, const char *value, bool quoted) {
        int r;

        if (!value)
                return 0;
        r = scalar(e, key, false);
        return r < 0 ? r : scalar(e, value, quoted);
}

static int key_list(yaml_emitter_t *e, const char *key, char * const *values) {
        yaml_event_t ev;
        int r;

        if (!values || !values[0])
                return 0;
        r = scalar(e, key, false);
        if (r < 0)
                return r;
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
                return -EIO;
        for (char * const *v = values; *v; v++) {
                r = scalar(e, *v, false);
                if (r < 0)
                        return r;
        }
        if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
                return -EIO;
        return 0;
}

/* What the drop-in would set but the operator's files already do: kept
 * theirs, listed for the step's detail. */
struct render_ctx {
        yaml_emitter_t *e;
        const struct k3s_conf *op;
        FILE *kept;
};

/* A scalar flag, unless an operator's file sets it (K3s lets the later file
 * win, and ours is 50-: a silent override is what nodeprep must not do).
 * group: another flag that means the same (token-file vs token). */
static int scalar_flag(struct render_ctx *c, const char *key, const char *group, const char *value, bool quoted) {
        const struct k3s_conf_entry *theirs;

        if (!value)
                return 0;
        theirs = c->op ? k3s_conf_get(c->op, key) : NULL;
        if (!theirs && group && c->op)
                theirs = k3s_conf_get(c->op, group);
        if (theirs) {
                size_t n = strv_length(theirs->values);

                if (c->kept)
                        fprintf(c->kept, "%skept %s=%s from %s:%u (nodeprep's: %s)", ftell(c->kept) ? "; " : "",
                                theirs->key, n ? theirs->values[n - 1] : "",
                                theirs->file, theirs->line, streq(theirs->key, "token") ? "token-file" : value);
                return 0;
        }
        return key_value(c->e, key, value, quoted);
}

/* A repeatable flag: appended ("key+"), so the operator's list stays
 * (pkg/configfilearg/parser.go: "+" appends, a plain key replaces). */
static int list_flag(struct render_ctx *c, const char *key, char * const *values) {
        char plus[64];

        snprintf(plus, sizeof(plus), "%s+", key);
        return key_list(c->e, plus, values);
}

static int emit_body(struct render_ctx *c, const struct k3s_install_options *o, const char *token_path) {
        static char *const default_disable[] = { (char *) "traefik", NULL };
        bool server = o->role == K3S_ROLE_SERVER;
        int r = 0;

        if (server) {
                /* A quoted "0600": YAML 1.1 would read 0600 as octal 384. */
                r = scalar_flag(c, "write-kubeconfig-mode", NULL, "0600", true);
                if (r >= 0)
                        r = list_flag(c, "disable", o->disable ? o->disable : default_disable);
                if (r >= 0 && o->cluster_init)
                        r = scalar_flag(c, "cluster-init", NULL, "true", false);
                if (r >= 0)
                        r = scalar_flag(c, "datastore-endpoint", NULL, o->datastore_endpoint, true);
                if (r >= 0)
                        r = list_flag(c, "tls-san", o->tls_san);
        }
        if (r >= 0)
                r = scalar_flag(c, "server", NULL, o->server, true);
        if (r >= 0)
                r = scalar_flag(c, "token-file", "token", token_path, true);
        if (r >= 0)
                r = scalar_flag(c, "node-ip", NULL, o->node_ip, true);
        return r;
}

static void emitter_deletep(yaml_emitter_t *e) {
        yaml_emitter_delete(e);
}

static int config_render(const struct k3s_install_options *o, const char *token_path, const struct k3s_conf *op,
                         char **ret, char **ret_kept) {
        _cleanup_(emitter_deletep) yaml_emitter_t e = {};
        _cleanup_free_ char *kept = NULL;
        size_t kept_size = 0;
        struct render_ctx ctx = { .e = &e, .op = op };
        struct outbuf b = {};
        yaml_event_t ev;
        int r;
        static const char header[] = "# Written by nodeprep (k3s install); changes are overwritten.\n";

        if (!yaml_emitter_initialize(&e))
                return -ENOMEM;
        if (!out_write(&b, (unsigned char *) header, sizeof(header) - 1))
                return -ENOMEM;
        yaml_emitter_set_output(&e, out_write, &b);
        yaml_emitter_set_unicode(&e, 1);

        r = -EIO;
        if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev) &&
            yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(&e, &ev) &&
            yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) &&
            yaml_emitter_emit(&e, &ev)) {
                ctx.kept = open_memstream(&kept, &kept_size);
                r = ctx.kept ? emit_body(&ctx, o, token_path) : -ENOMEM;
                if (ctx.kept && fclose(ctx.kept) != 0 && r >= 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
                            yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
                            yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) ? 0 : -EIO;
        }
        if (r < 0) {
                free(b.data);
                return r;
        }
        *ret = b.data;
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
