/* SPDX-License-Identifier: MIT */
/*
 * One bounded HTTP request with libcurl, for the Kubernetes API and the
 * OpenFaaS gateway: a deadline for the whole request, a cap on the answer
 * (the answer is cut there and says so), no redirects, no proxy (both peers
 * are on this node), credentials from memory (PEM blobs, Basic auth), and
 * chosen response headers captured. Nothing is printed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_BODY_DEFAULT (8u << 20)        /* a full Pod or Deployment list fits many times */

struct http_request {
        const char *method;             /* NULL: GET */
        const char *url;
        const char *body;               /* NULL: none */
        const char *content_type;       /* with body; default application/json */
        const char *ca_pem, *cert_pem, *key_pem;        /* NULL: system CA store, no client cert */
        const char *user, *password;    /* Basic auth when user is set */
        unsigned timeout_ms;            /* whole request; 0: 10 s */
        size_t max_body;                /* 0: HTTP_MAX_BODY_DEFAULT */
        const char *capture_header;     /* e.g. "X-Call-Id"; NULL: none */
};

struct http_response {
        long status;
        char *body;                     /* NUL-terminated, never NULL after success */
        size_t size;
        bool truncated;                 /* the answer was longer than max_body */
        char *header;                   /* value of capture_header, or NULL */
};

/* 0 when an HTTP answer came (any status); -ETIMEDOUT, -ECONNREFUSED, -EIO
 * otherwise, with the URL and libcurl's reason in ret_error. */
int http_do(const struct http_request *req, struct http_response *ret, char **ret_error);
void http_response_done(struct http_response *r);
