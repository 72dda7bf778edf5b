/* SPDX-License-Identifier: MIT */
/*
 * HTTP(S) downloads with libcurl, for release assets: https only (plain http
 * only to a loopback mirror, or with allow_http), connect timeout, low-speed
 * abort, bounded retries with exponential backoff, resume with Range after a
 * cut, proxy variables honoured (libcurl reads http_proxy, https_proxy,
 * no_proxy itself). Errors are negative errno plus a message naming the URL;
 * the module never prints, progress goes to a callback.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef void (*fetch_progress_fn)(void *userdata, const char *name, uint64_t now, uint64_t total, bool done);

struct fetch_options {
        bool allow_http;                /* plain http to any host (explicit opt-in) */
        long connect_timeout_sec;       /* default 15 */
        long low_speed_limit;           /* bytes/s; default 1024 */
        long low_speed_time_sec;        /* below the limit this long: abort; default 30 */
        unsigned retries;               /* attempts after the first; default 4 */
        unsigned backoff_ms;            /* first pause, doubled per retry; default 1000 */
        unsigned deadline_sec;          /* one file, all attempts together; default 1200 */
        fetch_progress_fn progress;     /* may be NULL */
        void *userdata;
};

void fetch_options_init(struct fetch_options *o);

/* 0 when the options allow fetching url; -EPROTONOSUPPORT otherwise. */
int fetch_url_allowed(const struct fetch_options *o, const char *url);

/* GET url without following redirects; ret_location is the redirect target
 * (NULL when the answer was no redirect). Retries 5xx and network errors. */
int fetch_redirect(const struct fetch_options *o, const char *url, long *ret_status,
                   char **ret_location, char **ret_error);

/* GET a small document into memory (at most max bytes; -EFBIG beyond). */
int fetch_small(const struct fetch_options *o, const char *url, size_t max,
                char **ret, size_t *ret_size, char **ret_error);

struct fetch_file_result {
        char sha256[65];                /* of what was downloaded */
        uint64_t size;
        unsigned attempts;
        unsigned resumes;               /* attempts that continued with Range */
};

/* Download url into dirfd/name through a verified temporary file (blob.h),
 * at most max_size bytes: a declared Content-Length above it is refused
 * before a byte is written (-EFBIG), and so is one the filesystem has no
 * room for (-ENOSPC); a body that grows past it is cut (-EFBIG). All
 * attempts together end at deadline_sec (-ETIMEDOUT). -EBADMSG on a hash
 * mismatch (both hashes named in ret_error). The old file stays as it was
 * on every error, and no temporary file is left. */
int fetch_file(const struct fetch_options *o, const char *url, int dirfd, const char *name,
               const char *expected_sha256, mode_t mode, uint64_t max_size, struct fetch_file_result *ret,
               char **ret_error);
