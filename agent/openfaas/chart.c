/* SPDX-License-Identifier: MIT */
#include "chart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/fileio.h"
#include "../shared/blob.h"
#include "../shared/yaml-doc.h"

static bool is_sha256_hex(const char *s) {
        if (!s || strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdef", *s))
                        return false;
        return true;
}

int chart_index_find(const char *text, size_t size, const char *name, const char *version,
                     struct chart_entry *ret, char **ret_error) {
        struct yaml_doc d;
        yaml_node_t *list;
        int r;

        r = yaml_doc_load(&d, text, size, ret_error);
        if (r < 0)
                return r == -ENODATA ? -EBADMSG : r;
        list = yaml_doc_get(&d, yaml_doc_get(&d, yaml_doc_root(&d), "entries"), name);
        r = -ENOENT;
        for (size_t i = 0; i < yaml_doc_seq_len(list); i++) {
                yaml_node_t *e = yaml_doc_seq_item(&d, list, i);
                const char *v = yaml_doc_get_str(&d, e, "version"), *digest = yaml_doc_get_str(&d, e, "digest");
                const char *url = yaml_doc_scalar(yaml_doc_seq_item(&d, yaml_doc_get(&d, e, "urls"), 0));

                if (!v || !streq(v, version))
                        continue;
                if (!is_sha256_hex(digest) || !url || !*url || strlen(url) > 400) {
                        r = error_msg(ret_error, -EBADMSG, "entries.%s[%zu] (%s): %s", name, i, version,
                                      !is_sha256_hex(digest) ? "digest is not 64 hex digits" : "no usable urls[0]");
                        break;
                }
                *ret = (struct chart_entry) {};
                snprintf(ret->version, sizeof(ret->version), "%s", v);
                memcpy(ret->digest, digest, 65);
                ret->url = strdup(url);
                r = ret->url ? 0 : -ENOMEM;
                break;
        }
        yaml_doc_done(&d);
        if (r == -ENOENT)
                return error_msg(ret_error, r, "no chart %s version %s in the index", name, version);
        return r;
}

void chart_entry_done(struct chart_entry *e) {
        free(e->url);
        e->url = NULL;
}

void chart_done(struct chart *c) {
        free(c->data);
        *c = (struct chart) {};
}

static int read_host_file(const char *path, size_t max, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int r;

        if (fd < 0)
                return error_msg(ret_error, -errno, "%s: %s", path, strerror(errno));
        r = read_fd_capped(fd, max, ret, ret_size);
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", path, r == -EFBIG ? "too large" : strerror(-r));
        return 0;
}

/* Relative index URLs are relative to the repository (helm pkg/repo/chartrepo.go ResolveReferenceURL). */
static int resolve_url(const char *base, const char *url, char **ret) {
        size_t bl = strlen(base);

        if (strstr(url, "://"))
                return (*ret = strdup(url)) ? 0 : -ENOMEM;
        while (bl && base[bl - 1] == '/')
                bl--;
        return asprintf(ret, "%.*s/%s", (int) bl, base, url) < 0 ? -ENOMEM : 0;
}

static int expected_digest(const struct openfaas_options *o, char ret[65], char **ret_url, char **ret_error) {
        const char *repo = o->chart_url ? o->chart_url : OPENFAAS_CHART_REPO;
        _cleanup_free_ char *index_url = NULL, *text = NULL, *err = NULL;
        struct chart_entry e;
        size_t size;
        int r;

        if (o->chart_file && !o->chart_url) {
                memcpy(ret, OPENFAAS_CHART_SHA256, 65);
                return 0;
        }
        if (asprintf(&index_url, "%s%sindex.yaml", repo, repo[strlen(repo) - 1] == '/' ? "" : "/") < 0)
                return -ENOMEM;
        r = fetch_small(&o->fetch, index_url, OPENFAAS_INDEX_MAX, &text, &size, &err);
        if (r < 0)
                return error_msg(ret_error, r, "%s", err ? err : index_url);
        r = chart_index_find(text, size, "openfaas", OPENFAAS_CHART_VERSION, &e, &err);
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", index_url, err ? err : strerror(-r));
        memcpy(ret, e.digest, 65);
        r = resolve_url(repo, e.url, ret_url);
        chart_entry_done(&e);
        return r;
}

int chart_obtain(const struct openfaas_options *o, struct chart *ret, char **ret_error) {
        _cleanup_free_ char *url = NULL, *err = NULL;
        struct chart c = {};
        char want[65];
        int r;

        r = expected_digest(o, want, &url, ret_error);
        if (r < 0)
                return r;
        snprintf(c.source, sizeof(c.source), "%s", o->chart_file ? o->chart_file : url);
        if (o->chart_file)
                r = read_host_file(o->chart_file, OPENFAAS_CHART_MAX, &c.data, &c.size, ret_error);
        else {
                r = fetch_small(&o->fetch, url, OPENFAAS_CHART_MAX, &c.data, &c.size, &err);
                if (r < 0)
                        r = error_msg(ret_error, r, "%s", err ? err : url);
        }
        if (r < 0)
                return r;
        r = blob_sha256_mem(c.data, c.size, c.sha256);
        if (r < 0) {
                chart_done(&c);
                return r;
        }
        if (!streq(c.sha256, want)) {
                r = error_msg(ret_error, -EBADMSG, "%s: sha256 %s, but the index says %s", c.source, c.sha256, want);
                chart_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
