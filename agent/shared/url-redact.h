/* SPDX-License-Identifier: MIT */
/*
 * A URL as nodeprep may print, log or store it: scheme, host, port and path
 * only (a report URL or datastore endpoint may carry a user and password or
 * a token in the query). basic/redact.h scrubs our own command line.
 */
#pragma once

/* "https://u:p@host:8443/x?token=t#f" -> "https://host:8443/x" (libcurl's
 * URL parser, so what is cut is what curl would send). Unparseable input
 * gives "(a URL that does not parse)"; without libcurl, the URL with its
 * userinfo, query and fragment overwritten (url_scrub_in_place()). Returns
 * NULL only when out of memory. */
char *url_redact(const char *url);
