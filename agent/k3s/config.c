/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../basic/dl-yaml.h"

#include "../basic/cleanup.h"

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

static int emit_body(yaml_emitter_t *e, const struct k3s_install_options *o, const char *token_path) {
        static char *const default_disable[] = { (char *) "traefik", NULL };
        bool server = o->role == K3S_ROLE_SERVER;
        int r = 0;

        if (server) {
                /* A quoted "0600": YAML 1.1 would read 0600 as octal 384. */
                r = key_value(e, "write-kubeconfig-mode", "0600", true);
                if (r >= 0)
                        r = key_list(e, "disable", o->disable ? o->disable : default_disable);
                if (r >= 0 && o->cluster_init)
                        r = key_value(e, "cluster-init", "true", false);
                if (r >= 0)
                        r = key_value(e, "datastore-endpoint", o->datastore_endpoint, true);
                if (r >= 0)
                        r = key_list(e, "tls-san", o->tls_san);
        }
        if (r >= 0)
                r = key_value(e, "server", o->server, true);
        if (r >= 0)
                r = key_value(e, "token-file", token_path, true);
        if (r >= 0)
                r = key_value(e, "node-ip", o->node_ip, true);
        return r;
}

static void emitter_deletep(yaml_emitter_t *e) {
        yaml_emitter_delete(e);
}

int k3s_config_render(const struct k3s_install_options *o, const char *token_path, char **ret) {
        _cleanup_(emitter_deletep) yaml_emitter_t e = {};
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
                r = emit_body(&e, o, token_path);
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
        return 0;
}
