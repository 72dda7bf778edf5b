/* SPDX-License-Identifier: MIT */
/*
 * Privilege separation of `nodeprep serve` (as OpenBSD daemons split a
 * privileged parent from the process that talks to the network): the
 * collector keeps root to read /proc, /sys and /dev/nvme*; a forked child
 * runs libmicrohttpd as nobody with no capabilities and no new privileges.
 * It needs nothing else: the parent sends each snapshot already rendered
 * (wire.h) over a socket pair. The listening socket is bound by the parent.
 *
 * A frontend is either that child or, when nodeprep is not root (nothing to
 * drop), the server in-process.
 */
#pragma once

#include <stdbool.h>

#include "server.h"
#include "snapshot.h"

struct health_frontend;

int health_frontend_start(const struct health_server_options *o, struct health_snapshot *first,
                          struct health_frontend **ret);
int health_frontend_publish(struct health_frontend *fe, struct health_snapshot *snap);
struct health_frontend *health_frontend_stop(struct health_frontend *fe);
