/* SPDX-License-Identifier: MIT */
/*
 * Pure request helpers of the health server (no libmicrohttpd here, so they
 * are unit-tested and fuzzed alone): which endpoint a path names, whether an
 * Authorization header carries the bearer token, whether request bytes hold
 * a control byte, and the --listen address.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum route_kind {
        ROUTE_NONE,             /* 404 */
        ROUTE_LIVEZ,
        ROUTE_READYZ,
        ROUTE_READYZ_CHECK,     /* /readyz/NAME */
        ROUTE_METRICS,
        ROUTE_STATUS,
};

struct route {
        enum route_kind kind;
        int check;              /* enum health_check_id with ROUTE_READYZ_CHECK */
};

/* path without the query (libmicrohttpd strips it). One trailing '/' is
 * accepted on the fixed paths. */
struct route route_parse(const char *path);

/* Shorter tokens are refused at start-up: guessable. */
#define HEALTH_TOKEN_MIN 16

/* "Bearer <token>" (scheme case-insensitive), compared in time that depends
 * on neither the token's length nor where a guess first differs. */
bool bearer_matches(const char *authorization, const char *token);

/* A byte no request line or header section may hold (RFC 9110 5.5, RFC 9112
 * 2.2): 0x00-0x1F but HTAB, CR and LF (the line ends are libmicrohttpd's to
 * judge), and DEL. Bytes from 0x80 up (obs-text) are allowed. The server
 * takes no request bodies, so every byte a client sends is one of those. */
bool request_bytes_have_control(const void *p, size_t n);

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" (all of IPv4). -EINVAL otherwise. */
int listen_address_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool sockaddr_is_loopback(const struct sockaddr *sa);
