/* SPDX-License-Identifier: MIT */
/* gzip (RFC 1952) of a rendered body, once per snapshot, for scrapers that
 * send "Accept-Encoding: gzip" (Prometheus does). */
#pragma once

#include "snapshot.h"

/* -EOPNOTSUPP when zlib cannot be loaded: the body is then served as is. */
int body_gzip(const struct body *in, struct body *ret);
