/* SPDX-License-Identifier: MIT */
#include "kubeconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../shared/dl-crypto.h"
#include "../shared/yaml-doc.h"

#define PEM_MAX (64u << 10)

/* base64 -> NUL-terminated bytes (a PEM is text). */
static int decode_b64(const char *in, char **ret) {
        size_t len = strlen(in), pad = 0;
        _cleanup_free_ char *out = NULL;
        int n, r;

        r = dlopen_crypto(NULL);
        if (r < 0)
                return r;
        if (len == 0 || len % 4 != 0 || len > PEM_MAX)
                return -EBADMSG;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        n = EVP_DecodeBlock((unsigned char *) out, (const unsigned char *) in, (int) len);
        if (n < 0)
                return -EBADMSG;
        /* EVP_DecodeBlock counts the padding as zero bytes. */
        pad = (in[len - 1] == '=') + (in[len - 2] == '=');
        n -= (int) pad;
        out[n] = 0;
        if (memchr(out, 0, (size_t) n))
                return -EBADMSG;
        *ret = TAKE_PTR(out);
        return 0;
}

/* The entry of a named list (clusters, contexts, users) called name. */
static yaml_node_t *named(struct yaml_doc *d, const char *list, const char *name, const char *inner) {
        yaml_node_t *seq = yaml_doc_get(d, yaml_doc_root(d), list);

        for (size_t i = 0; i < yaml_doc_seq_len(seq); i++) {
                yaml_node_t *e = yaml_doc_seq_item(d, seq, i);
                const char *n = yaml_doc_get_str(d, e, "name");

                if (n && (!name || streq(n, name)))
                        return yaml_doc_get(d, e, inner);
        }
        return NULL;
}

static int pem_field(struct yaml_doc *d, yaml_node_t *map, const char *key, const char *where, char **ret,
                     char **ret_error) {
        const char *v = yaml_doc_get_str(d, map, key);
        int r;

        if (!v)
                return error_msg(ret_error, -EBADMSG, "%s: no %s (only embedded data is supported)", where, key);
        r = decode_b64(v, ret);
        if (r < 0)
                return error_msg(ret_error, r, "%s.%s: not base64 PEM", where, key);
        if (!strstr(*ret, "-----BEGIN ")) {
                free(*ret);
                *ret = NULL;
                return error_msg(ret_error, -EBADMSG, "%s.%s: not a PEM block", where, key);
        }
        return 0;
}

int kubeconfig_parse(const char *text, size_t size, struct kubeconfig *ret, char **ret_error) {
        struct yaml_doc d;
        struct kubeconfig k = {};
        yaml_node_t *ctx, *cluster, *user;
        const char *cur, *server;
        int r;

        r = yaml_doc_load(&d, text, size, ret_error);
        if (r < 0)
                return r == -ENODATA ? -EBADMSG : r;
        cur = yaml_doc_get_str(&d, yaml_doc_root(&d), "current-context");
        ctx = named(&d, "contexts", cur, "context");
        if (!ctx) {
                r = error_msg(ret_error, -EBADMSG, "no context %s", cur ? cur : "(first)");
                goto out;
        }
        cluster = named(&d, "clusters", yaml_doc_get_str(&d, ctx, "cluster"), "cluster");
        user = named(&d, "users", yaml_doc_get_str(&d, ctx, "user"), "user");
        if (!cluster || !user) {
                r = error_msg(ret_error, -EBADMSG, "the context's %s is missing", cluster ? "user" : "cluster");
                goto out;
        }
        server = yaml_doc_get_str(&d, cluster, "server");
        if (!server || (!strneq(server, "https://", 8))) {
                r = error_msg(ret_error, -EBADMSG, "cluster.server: %s", server ? "not https" : "missing");
                goto out;
        }
        k.server = strdup(server);
        if (!k.server) {
                r = -ENOMEM;
                goto out;
        }
        r = pem_field(&d, cluster, "certificate-authority-data", "cluster", &k.ca_pem, ret_error);
        if (r >= 0)
                r = pem_field(&d, user, "client-certificate-data", "user", &k.cert_pem, ret_error);
        if (r >= 0)
                r = pem_field(&d, user, "client-key-data", "user", &k.key_pem, ret_error);
out:
        yaml_doc_done(&d);
        if (r < 0) {
                kubeconfig_done(&k);
                return r;
        }
        *ret = k;
        return 0;
}

int kubeconfig_load(const struct sysroot *sr, const char *path, struct kubeconfig *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        size_t size;
        int r;

        r = sysroot_read_file(sr, path, KUBECONFIG_MAX_SIZE, &text, &size);
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", path, strerror(-r));
        r = kubeconfig_parse(text, size, ret, &err);
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", path, err ? err : strerror(-r));
        return 0;
}

void kubeconfig_done(struct kubeconfig *k) {
        free(k->server);
        free(k->ca_pem);
        if (k->key_pem)
                explicit_bzero(k->key_pem, strlen(k->key_pem));
        free(k->cert_pem);
        free(k->key_pem);
        *k = (struct kubeconfig) {};
}
