/* SPDX-License-Identifier: MIT */
/*
 * A snapshot on the wire between the collector (root) and the unprivileged
 * network process (privsep.h): what the server needs of it, the rendered
 * bodies and the verdicts (for /readyz?exclude= and /readyz/NAME), nothing
 * of the figures but their time. The decoder trusts nothing: every length is
 * checked, trailing bytes refused (a fuzz target).
 */
#pragma once

#include <stddef.h>

#include "snapshot.h"

#define WIRE_MAX (64u * 1024 * 1024)

int health_snapshot_encode(const struct health_snapshot *s, char **ret, size_t *ret_size);
/* -EBADMSG when data is not an encoded snapshot. */
int health_snapshot_decode(const char *data, size_t size, struct health_snapshot **ret);
