/* SPDX-License-Identifier: MIT */
#include "fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/log.h"
#include "../shared/curl-cleanup.h"
#include "../shared/curl-util.h"
#include "../shared/dl-curl.h"
#include "blob.h"
#include "curl-cleanup.h"
#include "curl-util.h"
#include "dl-curl.h"

#ifndef NODEPREP_VERSION
#define NODEPREP_VERSION "0.1.0"
#endif

void fetch_options_init(struct fetch_options *o) {
        *o = (struct fetch_options) {
                .connect_timeout_sec = 15,
                .low_speed_limit = 1024,
                .low_speed_time_sec = 30,
                .retries = 4,
                .backoff_ms = 1000,
                .deadline_sec = 1200,
        };
}

static void set_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        (void) error_msgv(&s, 0, fmt, ap);
        va_end(ap);
        free(*ret_error);
        *ret_error = s;
}

static bool host_is_loopback(const char *host) {
        struct in_addr a4;
        struct in6_addr a6;
        char buf[64];
        size_t n = strlen(host);

        if (strcasecmp(host, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (n > 2 && n < sizeof(buf) && host[0] == '[' && host[n - 1] == ']') {
                memcpy(buf, host + 1, n - 2);
                buf[n - 2] = 0;
                return inet_pton(AF_INET6, buf, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
        }
        return false;
}

/* libcurl, loaded at the top of every entry point (shared/dlopen.h). */
static int load_curl(char **ret_error) {
        const char *why = NULL;
        int r = dlopen_curl(&why);

        if (r < 0)
                set_error(ret_error, "%s", why ? why : "libcurl is not available");
        return r;
}

int fetch_url_allowed(const struct fetch_options *o, const char *url) {
        _cleanup_(curl_url_cleanupp) CURLU *u = NULL;
        _cleanup_(curl_freep) char *scheme = NULL;
        _cleanup_(curl_freep) char *host = NULL;
        int r;

        r = load_curl(NULL);
        if (r < 0)
                return r;
        u = curl_url();
        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
                return -EINVAL;
        if (strcasecmp(scheme, "https") == 0)
                return 0;
        if (strcasecmp(scheme, "http") == 0 && (o->allow_http || host_is_loopback(host)))
                return 0;
        return -EPROTONOSUPPORT;
}

/* What every transfer starts with: libcurl loaded and the URL's scheme allowed. */
static int fetch_begin(const struct fetch_options *o, const char *url, char **ret_error) {
        int r = load_curl(ret_error);

        if (r < 0)
                return r;
        r = fetch_url_allowed(o, url);
        if (r < 0)
                set_error(ret_error, "%s: only https (or http to a loopback mirror) is allowed", url);
        return r;
}

/* The common options: protocols, timeouts, low-speed abort. Redirects to
 * plain http are refused unless allow_http: a loopback http mirror must not
 * bounce us to http elsewhere. */
static CURL *easy_new(const struct fetch_options *o, const char *url, bool follow) {
        CURL *c = curl_easy_init();

        if (!c)
                return NULL;
        if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
            curl_allow_protocols(c, false, true) != CURLE_OK ||
            curl_allow_protocols(c, true, o->allow_http) != CURLE_OK) {
                curl_easy_cleanup(c);
                return NULL;
        }
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_sec);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_sec);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "nodeprep/" NODEPREP_VERSION);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
        return c;
}

/* libcurl's detailed message ("Recv failure: Connection reset by peer")
 * when it left one, its generic one otherwise. */
static const char *curl_message(CURLcode cc, const char *errbuf) {
        return errbuf && errbuf[0] ? errbuf : curl_easy_strerror(cc);
}

static bool curl_transient(CURLcode cc) {
        switch (cc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

static bool http_transient(long status) {
        return status == 408 || status == 429 || status >= 500;
}

static int errno_for(CURLcode cc, long status) {
        if (cc == CURLE_OK || cc == CURLE_HTTP_RETURNED_ERROR) {
                if (status == 404 || status == 410)
                        return -ENOENT;
                if (status == 401 || status == 403)
                        return -EACCES;
                return -EREMOTEIO;
        }
        switch (cc) {
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EPROTONOSUPPORT;
        case CURLE_WRITE_ERROR:
                return -EIO;
        default:
                return -ECONNRESET;
        }
}

static void backoff(const struct fetch_options *o, unsigned attempt) {
        uint64_t ms = (uint64_t) o->backoff_ms << (attempt < 10 ? attempt : 10);
        struct timespec ts;

        if (ms > 30000)
                ms = 30000;
        ts.tv_sec = (time_t) (ms / 1000);
        ts.tv_nsec = (long) (ms % 1000) * 1000000L;
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* A growing memory buffer with a cap. */
struct membuf {
        char *data;
        size_t size, max;
        bool overflow;
};

static size_t mem_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct membuf *m = userdata;
        size_t n = size * nmemb;
        char *nd;

        if (m->size + n > m->max) {
                m->overflow = true;
                return 0;
        }
        nd = realloc(m->data, m->size + n + 1);
        if (!nd)
                return 0;
        m->data = nd;
        memcpy(m->data + m->size, ptr, n);
        m->size += n;
        m->data[m->size] = 0;
        return n;
}

int fetch_redirect(const struct fetch_options *o, const char *url, long *ret_status,
                   char **ret_location, char **ret_error) {
        long status = 0;
        int r;

        r = fetch_begin(o, url, ret_error);
        if (r < 0)
                return r;
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(curl_easy_cleanupp) CURL *c = easy_new(o, url, false);
                struct membuf body = { .max = 64 * 1024 };
                char *loc = NULL, errbuf[CURL_ERROR_SIZE] = "";
                CURLcode cc;

                if (!c)
                        return -ENOMEM;
                curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
                curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
                cc = curl_easy_perform(c);
                free(body.data);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                if (cc == CURLE_OK && !http_transient(status)) {
                        if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK)
                                loc = NULL;
                        *ret_status = status;
                        if (!loc || status < 300 || status > 399) {
                                *ret_location = NULL;
                                return 0;
                        }
                        *ret_location = strdup(loc);
                        return *ret_location ? 0 : -ENOMEM;
                }
                if (cc != CURLE_OK)
                        set_error(ret_error, "%s: %s", url, curl_message(cc, errbuf));
                else
                        set_error(ret_error, "%s: HTTP %ld", url, status);
                if ((cc != CURLE_OK && !curl_transient(cc)) || attempt >= o->retries) {
                        *ret_status = status;
                        return errno_for(cc, status);
                }
                log_debug("%s: attempt %u failed, retrying", url, attempt + 1);
                backoff(o, attempt);
        }
}

int fetch_small(const struct fetch_options *o, const char *url, size_t max,
                char **ret, size_t *ret_size, char **ret_error) {
        int r = fetch_begin(o, url, ret_error);

        if (r < 0)
                return r;
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(curl_easy_cleanupp) CURL *c = easy_new(o, url, true);
                struct membuf body = { .max = max };
                char errbuf[CURL_ERROR_SIZE] = "";
                long status = 0;
                CURLcode cc;

                if (!c)
                        return -ENOMEM;
                curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
                curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
                curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
                cc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                if (cc == CURLE_OK) {
                        if (!body.data) {
                                body.data = strdup("");
                                if (!body.data)
                                        return -ENOMEM;
                        }
                        *ret = body.data;
                        *ret_size = body.size;
                        return 0;
                }
                free(body.data);
                if (body.overflow) {
                        set_error(ret_error, "%s: larger than %zu bytes", url, max);
                        return -EFBIG;
                }
                if (cc == CURLE_HTTP_RETURNED_ERROR)
                        set_error(ret_error, "%s: HTTP %ld", url, status);
                else
                        set_error(ret_error, "%s: %s", url, curl_message(cc, errbuf));
                if (!(curl_transient(cc) || (cc == CURLE_HTTP_RETURNED_ERROR && http_transient(status))) ||
                    attempt >= o->retries)
                        return errno_for(cc, status);
                backoff(o, attempt);
        }
}

struct file_xfer {
        struct blob_sink *sink;
        CURL *curl;
        const struct fetch_options *o;
        const char *name;
        int dirfd;
        uint64_t max_size;
        uint64_t offset;        /* what the sink held when this attempt started */
        bool checked;           /* the response code was looked at */
        bool restarted;
        int error;
        uint64_t declared;      /* Content-Length of a refused answer */
        uint64_t free_bytes;    /* what the filesystem had then */
        char errbuf[CURL_ERROR_SIZE];
};

/* Leave this much free besides the file: a full /usr breaks the node. */
#define FREE_SPACE_RESERVE (16u << 20)

/* Before the first byte: the size the server declares must fit the cap
 * and the filesystem. */
static int check_declared_size(struct file_xfer *x) {
        curl_off_t len = -1;
        struct statvfs sv;
        uint64_t total;

        if (curl_easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) != CURLE_OK || len < 0)
                return 0;
        total = x->offset + (uint64_t) len;
        x->declared = total;
        if (total > x->max_size)
                return -EFBIG;
        if (fstatvfs(x->dirfd, &sv) == 0) {
                x->free_bytes = (uint64_t) sv.f_bavail * sv.f_frsize;
                if ((uint64_t) len + FREE_SPACE_RESERVE > x->free_bytes)
                        return -ENOSPC;
        }
        return 0;
}

static size_t file_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct file_xfer *x = userdata;
        size_t n = size * nmemb;

        if (!x->checked) {
                long status = 0;

                x->checked = true;
                curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
                /* We asked for a range and got the whole file: start over. */
                if (x->offset > 0 && status != 206) {
                        x->error = blob_sink_reset(x->sink);
                        if (x->error < 0)
                                return 0;
                        x->restarted = true;
                        x->offset = 0;
                }
                x->error = check_declared_size(x);
                if (x->error < 0)
                        return 0;
        }
        if (blob_sink_size(x->sink) + n > x->max_size) {
                x->error = -EFBIG;
                return 0;
        }
        x->error = blob_sink_write(x->sink, ptr, n);
        return x->error < 0 ? 0 : n;
}

static int file_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        struct file_xfer *x = userdata;

        (void) ultotal, (void) ulnow;
        /* Only once the body flows: an error page is no progress. */
        if (x->o->progress && dltotal > 0 && x->checked)
                x->o->progress(x->o->userdata, x->name, x->offset + (uint64_t) dlnow,
                               x->offset + (uint64_t) dltotal, false);
        return 0;
}

static uint64_t mono_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static int file_attempt(const struct fetch_options *o, const char *url, struct file_xfer *x, uint64_t deadline_ms,
                        long *ret_status, CURLcode *ret_cc) {
        _cleanup_(curl_easy_cleanupp) CURL *c = easy_new(o, url, true);

        if (!c)
                return -ENOMEM;
        x->curl = c;
        x->checked = false;
        x->offset = blob_sink_size(x->sink);
        x->error = 0;
        x->errbuf[0] = 0;
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, file_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024L);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, file_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
        /* What is left of the file's deadline, for this attempt. */
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) (deadline_ms > mono_ms() ? deadline_ms - mono_ms() : 1));
        if (x->offset > 0)
                curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) x->offset);
        *ret_cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
        x->curl = NULL;
        return x->error;
}

static void size_error(const struct file_xfer *x, const char *url, int r, char **ret_error) {
        if (r == -ENOSPC)
                set_error(ret_error, "%s: %llu bytes do not fit: %llu MiB free next to %s (%u MiB kept free)", url,
                          (unsigned long long) x->declared, (unsigned long long) (x->free_bytes >> 20), x->name,
                          FREE_SPACE_RESERVE >> 20);
        else if (x->declared > x->max_size)
                set_error(ret_error, "%s: declares %llu bytes, over the %llu MiB cap for %s; nothing written", url,
                          (unsigned long long) x->declared, (unsigned long long) (x->max_size >> 20), x->name);
        else
                set_error(ret_error, "%s: more than the %llu MiB cap for %s; cut off", url,
                          (unsigned long long) (x->max_size >> 20), x->name);
}

int fetch_file(const struct fetch_options *o, const char *url, int dirfd, const char *name,
               const char *expected_sha256, mode_t mode, uint64_t max_size, struct fetch_file_result *ret,
               char **ret_error) {
        _cleanup_blob_sink_ struct blob_sink *sink = NULL;
        struct file_xfer x = { .o = o, .name = name, .dirfd = dirfd, .max_size = max_size };
        uint64_t deadline_ms = mono_ms() + (uint64_t) (o->deadline_sec ? o->deadline_sec : 1200) * 1000u;
        int r;

        *ret = (struct fetch_file_result) {};
        r = fetch_begin(o, url, ret_error);
        if (r < 0)
                return r;
        r = blob_sink_open(dirfd, name, &sink);
        if (r < 0) {
                set_error(ret_error, "cannot create a temporary file next to %s: %s", name, strerror(-r));
                return r;
        }
        x.sink = sink;
        for (unsigned attempt = 0;; attempt++) {
                long status = 0;
                CURLcode cc;

                if (attempt > 0 && blob_sink_size(sink) > 0)
                        ret->resumes++;
                ret->attempts++;
                r = file_attempt(o, url, &x, deadline_ms, &status, &cc);
                if (r == -EFBIG || r == -ENOSPC) {
                        size_error(&x, url, r, ret_error);
                        return r;
                }
                if (r < 0) {
                        set_error(ret_error, "writing %s: %s", name, strerror(-r));
                        return r;
                }
                if (cc == CURLE_OK)
                        break;
                if (mono_ms() >= deadline_ms) {
                        set_error(ret_error, "%s: not complete after the %u s deadline for one file (%llu bytes in "
                                  "%u attempt(s))", url, o->deadline_sec ? o->deadline_sec : 1200,
                                  (unsigned long long) blob_sink_size(sink), attempt + 1);
                        return -ETIMEDOUT;
                }
                /* 416: our range starts at or past the end; start over. */
                if (cc == CURLE_HTTP_RETURNED_ERROR && status == 416) {
                        set_error(ret_error, "%s: HTTP 416 for a resumed download", url);
                        if (attempt >= o->retries)
                                return -EREMOTEIO;
                        r = blob_sink_reset(sink);
                        if (r < 0)
                                return r;
                } else {
                        if (cc == CURLE_HTTP_RETURNED_ERROR)
                                set_error(ret_error, "%s: HTTP %ld", url, status);
                        else
                                set_error(ret_error, "%s: %s after %llu bytes", url, curl_message(cc, x.errbuf),
                                          (unsigned long long) blob_sink_size(sink));
                        if (!(curl_transient(cc) || (cc == CURLE_HTTP_RETURNED_ERROR && http_transient(status))) ||
                            attempt >= o->retries) {
                                if (attempt > 0 && ret_error && *ret_error)
                                        set_error(ret_error, "%s: %s (after %u attempts)", url,
                                                  cc == CURLE_HTTP_RETURNED_ERROR ? "HTTP error" : curl_message(cc, x.errbuf),
                                                  attempt + 1);
                                return errno_for(cc, status);
                        }
                }
                log_debug("%s: attempt %u failed, retrying", url, attempt + 1);
                backoff(o, attempt);
        }
        ret->size = blob_sink_size(sink);
        if (o->progress)
                o->progress(o->userdata, name, ret->size, ret->size, true);
        r = blob_sink_commit(sink, expected_sha256, mode, ret->sha256);
        if (r == -EBADMSG)
                set_error(ret_error, "%s: sha256 mismatch: expected %s, got %s", url, expected_sha256, ret->sha256);
        else if (r < 0)
                set_error(ret_error, "installing %s: %s", name, strerror(-r));
        return r;
}
