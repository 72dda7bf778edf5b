/* SPDX-License-Identifier: MIT */
/* Errors that carry a message for the operator: domain code returns -errno and
 * describes the failure (with its place: file:line, key, URL) in *ret_error. */
#pragma once

/* Format *ret_error (NULL when out of memory) and return r. */
int error_msg(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
