/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of `nodeprep serve`: libmicrohttpd with its own epoll thread.
 * It answers from the published snapshot only (pre-built responses shared by
 * reference), so a request costs no /proc read and a slow collector never
 * blocks it. Limits: GET/HEAD only (405), request line + headers capped (431),
 * no request bodies (413), connections beyond max_connections get 503, and a
 * connection idle for timeout_sec (a client that sends nothing) is closed.
 */
#pragma once

#include <stdbool.h>

#include "snapshot.h"

struct health_server_options {
        const char *listen;             /* "ADDR:PORT", used when listen_fd < 0 */
        int listen_fd;                  /* from socket activation, or -1 */
        unsigned max_connections;
        unsigned timeout_sec;
        unsigned max_request_bytes;
        unsigned stale_after_sec;       /* /readyz fails when the snapshot is older */
        const char *token;              /* bearer token required (except /livez), or NULL */
        const char *tls_cert_pem, *tls_key_pem;
};

struct health_server;

/* Start serving snap (a reference is taken). -EADDRINUSE etc. on bind
 * failure, -EINVAL on a bad address. */
int health_server_start(const struct health_server_options *o, struct health_snapshot *snap,
                        struct health_server **ret);

/* Replace the snapshot; in-flight responses keep the old one alive. */
int health_server_publish(struct health_server *s, struct health_snapshot *snap);

/* A reload changed the collection interval: /readyz's staleness limit follows. */
void health_server_set_stale_after(struct health_server *s, unsigned sec);

/* Requests refused with 503 since start. */
unsigned long health_server_rejected(const struct health_server *s);

struct health_server *health_server_stop(struct health_server *s);
