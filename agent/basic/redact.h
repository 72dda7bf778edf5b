/* SPDX-License-Identifier: MIT */
/*
 * Secrets in URLs: a report URL or datastore endpoint may carry a user and
 * password (userinfo) or a token in the query. The copy on our own command
 * line (/proc/PID/cmdline, readable by every user) is overwritten once
 * parsed, as mysql does with -p; what nodeprep prints, logs or stores goes
 * through url_redact() (shared/url-redact.h, libcurl's URL parser).
 */
#pragma once

/* Overwrite the userinfo, query and fragment of the URL in s, in place
 * (same length: 'x's), so /proc/self/cmdline no longer shows them. */
void url_scrub_in_place(char *s);
