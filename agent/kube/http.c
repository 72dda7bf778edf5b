/* SPDX-License-Identifier: MIT */
#include "http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../shared/curl-util.h"
#include "../shared/dl-curl.h"

struct sink {
        char *data;
        size_t size, max;
        bool truncated;
        const char *header_name;
        char *header;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *s = userdata;
        size_t n = size * nmemb, take = n;
        char *p;

        if (s->size + take > s->max) {
                take = s->max - s->size;
                s->truncated = true;
        }
        if (take == 0)
                return n;
        p = realloc(s->data, s->size + take + 1);
        if (!p)
                return 0;
        memcpy(p + s->size, ptr, take);
        s->size += take;
        p[s->size] = 0;
        s->data = p;
        /* Keep reading (and dropping) so the connection ends cleanly. */
        return n;
}

static size_t header_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *s = userdata;
        size_t n = size * nmemb, len = s->header_name ? strlen(s->header_name) : 0;

        if (len && !s->header && n > len + 1 && strncasecmp(ptr, s->header_name, len) == 0 && ptr[len] == ':') {
                const char *v = ptr + len + 1;
                size_t vl = n - len - 1;

                while (vl && (*v == ' ' || *v == '\t'))
                        v++, vl--;
                while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
                        vl--;
                s->header = strndup(v, vl > 256 ? 256 : vl);
        }
        return n;
}

static void blob(CURL *c, CURLoption opt, const char *pem) {
        struct curl_blob b = { .data = (void *) pem, .len = strlen(pem), .flags = CURL_BLOB_COPY };

        curl_easy_setopt(c, opt, &b);
}

/* The cluster CA. curl >= 7.77 takes it from memory; Debian 11's 7.74 only
 * from a path, so there it goes through a memfd that lives as long as the
 * transfer (*fd, closed by the caller), never through a file on disk. */
static int set_ca(CURL *c, const char *pem, int *fd) {
#if LIBCURL_VERSION_NUM >= 0x074d00
        (void) fd;
        blob(c, CURLOPT_CAINFO_BLOB, pem);
        return 0;
#else
        char path[64];
        size_t len = strlen(pem);

        *fd = memfd_create("nodeprep-kube-ca", MFD_CLOEXEC);
        if (*fd < 0)
                return -errno;
        if (write(*fd, pem, len) != (ssize_t) len)
                return -EIO;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
        curl_easy_setopt(c, CURLOPT_CAINFO, path);
        return 0;
#endif
}

static int errno_for(CURLcode cc) {
        switch (cc) {
        case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
        case CURLE_OUT_OF_MEMORY: return -ENOMEM;
        default: return -EIO;
        }
}

int http_do(const struct http_request *req, struct http_response *ret, char **ret_error) {
        struct sink s = { .max = req->max_body ? req->max_body : HTTP_MAX_BODY_DEFAULT,
                          .header_name = req->capture_header };
        char errbuf[CURL_ERROR_SIZE] = "", ctype[128];
        struct curl_slist *headers = NULL;
        _cleanup_close_ int ca_fd = -1;
        long status = 0;
        CURLcode cc;
        CURL *c;
        int r;

        r = dlopen_curl(NULL);
        if (r < 0)
                return error_msg(ret_error, r, "libcurl is not available");
        c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_URL, req->url);
        curl_allow_protocols(c, false, true);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) (req->timeout_ms ? req->timeout_ms : 10000));
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_write);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
        if (req->method)
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body) {
                snprintf(ctype, sizeof(ctype), "Content-Type: %s",
                         req->content_type ? req->content_type : "application/json");
                headers = curl_slist_append(headers, ctype);
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(req->body));
        }
        headers = curl_slist_append(headers, "Accept: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        if (req->ca_pem && set_ca(c, req->ca_pem, &ca_fd) < 0) {
                curl_easy_cleanup(c);
                curl_slist_free_all(headers);
                return error_msg(ret_error, -EIO, "%s: cannot hand the cluster CA to libcurl", req->url);
        }
        if (req->cert_pem)
                blob(c, CURLOPT_SSLCERT_BLOB, req->cert_pem);
        if (req->key_pem)
                blob(c, CURLOPT_SSLKEY_BLOB, req->key_pem);
        if (req->user) {
                curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
                curl_easy_setopt(c, CURLOPT_USERNAME, req->user);
                curl_easy_setopt(c, CURLOPT_PASSWORD, req->password ? req->password : "");
        }
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        curl_slist_free_all(headers);
        if (cc != CURLE_OK) {
                free(s.data);
                free(s.header);
                return error_msg(ret_error, errno_for(cc), "%s: %s", req->url,
                                 errbuf[0] ? errbuf : curl_easy_strerror(cc));
        }
        if (!s.data) {
                s.data = strdup("");
                if (!s.data) {
                        free(s.header);
                        return -ENOMEM;
                }
        }
        *ret = (struct http_response) { .status = status, .body = s.data, .size = s.size,
                                        .truncated = s.truncated, .header = s.header };
        return 0;
}

void http_response_done(struct http_response *r) {
        free(r->body);
        free(r->header);
        *r = (struct http_response) {};
}
