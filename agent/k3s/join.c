/* SPDX-License-Identifier: MIT */
#include "join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../shared/blob.h"
#include "../shared/curl-util.h"
#include "../shared/dl-curl.h"

#define CACERTS_MAX (1024 * 1024)

int k3s_token_ca_hash(const char *token, char ret[65]) {
        const char *sep;

        if (!string_has_prefix(token, "K10"))
                return -ENOENT;
        sep = strstr(token, "::");
        if (!sep || sep - token != 3 + 64)
                return -EBADMSG;
        for (const char *p = token + 3; p < sep; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return -EBADMSG;
        memcpy(ret, token + 3, 64);
        ret[64] = 0;
        return 0;
}

struct body {
        char *data;
        size_t size;
        bool over;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct body *b = userdata;
        size_t n = size * nmemb;
        char *d;

        if (b->size + n > CACERTS_MAX) {
                b->over = true;
                return 0;
        }
        d = realloc(b->data, b->size + n + 1);
        if (!d)
                return 0;
        memcpy(d + b->size, ptr, n);
        b->data = d;
        b->size += n;
        return n;
}

int k3s_server_ca_hash(const char *server, char ret[65], char **ret_error) {
        _cleanup_free_ char *url = NULL;
        char errbuf[CURL_ERROR_SIZE] = "";
        struct body b = {};
        long status = 0;
        CURLcode cc;
        CURL *c;
        int r;

        r = dlopen_curl(NULL);
        if (r < 0)
                return r;
        if (asprintf(&url, "%s/cacerts", server) < 0) {
                url = NULL;
                return -ENOMEM;
        }
        c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_allow_protocols(c, false, false);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
        /* Unverified on purpose: the token's hash is what verifies it. */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        if (cc != CURLE_OK || b.over) {
                if (ret_error && asprintf(ret_error, "%s: %s", url,
                                          b.over ? "larger than 1 MiB"
                                          : errbuf[0] ? errbuf : curl_easy_strerror(cc)) < 0)
                        *ret_error = NULL;
                free(b.data);
                return -EHOSTUNREACH;
        }
        r = blob_sha256_mem(b.data ? b.data : "", b.size, ret);
        free(b.data);
        return r;
}
