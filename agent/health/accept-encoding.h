/* SPDX-License-Identifier: MIT */
/* The Accept-Encoding request header (RFC 9110 section 12.5.3), as far as the
 * health server needs it: may the response be gzipped? */
#pragma once

#include <stdbool.h>

/* True when the header accepts gzip ("gzip" or "x-gzip", or "*" without gzip
 * named) with a weight above 0. NULL or a malformed element: not accepted. */
bool accept_encoding_allows_gzip(const char *header);
