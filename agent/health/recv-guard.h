/* SPDX-License-Identifier: MIT */
/*
 * Refusing control bytes in requests that libmicrohttpd hides (RFC 9110 5.5).
 * libmicrohttpd 0.9.72 and 0.9.75 (Debian 11 and 12) cut the request line and
 * every header line at a NUL (strlen on their read buffer) and pass other
 * control bytes; `Bearer <token>\0junk` reaches the handler as the bare token.
 * They keep no raw bytes and have no read hook, and MHD_OPTION_STRICT_FOR_CLIENT
 * does not cover this (1.0's MHD_OPTION_CLIENT_DISCIPLINE_LVL refuses a NUL
 * itself, not the other control bytes). So the bytes are checked as
 * libmicrohttpd receives them: recv-guard.c defines recv(), to which the
 * dynamic linker binds libmicrohttpd's recv() calls (the executable comes
 * first in the lookup scope; the Makefile exports the symbol). Every other
 * caller gets plain recv(). Plain-text connections only: over TLS recv() sees
 * ciphertext (libmicrohttpd 1.0 still refuses the NUL there).
 */
#pragma once

#include <stdbool.h>

/* Check what is received on the accepted socket fd from now on. -ENOMEM. */
int recv_guard_watch(int fd);

/* Stop checking fd (before it is closed: its number is reused). */
void recv_guard_unwatch(int fd);

/* A control byte arrived on fd since recv_guard_watch(). */
bool recv_guard_tainted(int fd);

/* recv() of this executable is the one the dynamic linker hands out (the
 * symbol is exported): libmicrohttpd's reads go through the guard. */
bool recv_guard_bound(void);
