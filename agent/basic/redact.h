/* SPDX-License-Identifier: MIT */
/*
 * Secrets in URLs: a report URL or datastore endpoint may carry a user and
 * password (userinfo) or a token in the query. What nodeprep prints, logs or
 * stores shows only scheme, host, port and path; and the copy on our own
 * command line (/proc/PID/cmdline, readable by every user) is overwritten
 * once parsed, as mysql does with -p.
 */
#pragma once

/* "https://u:p@host:8443/x?token=t#f" -> "https://host:8443/x" (libcurl's
 * URL parser, so what is cut is what curl would send). Unparseable input
 * gives "(a URL that does not parse)". Returns NULL only when out of memory. */
char *url_redact(const char *url);

/* Overwrite the userinfo, query and fragment of the URL in s, in place
 * (same length: 'x's), so /proc/self/cmdline no longer shows them. */
void url_scrub_in_place(char *s);
