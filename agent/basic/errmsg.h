/* SPDX-License-Identifier: MIT */
/* Errors that carry a message for the operator: domain code returns -errno and
 * describes the failure (with its place: file:line, key, URL) in *ret_error.
 * This is the one place that formats such a message; parsers keep only their
 * own policy (first error wins, stop reading) around it. */
#pragma once

#include <stdarg.h>

/* Format *ret_error (NULL when out of memory) and return r. *ret_error is
 * overwritten, not freed: callers that replace an earlier message free it. */
int error_msg(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int error_msgv(char **ret_error, int r, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* The same, placed: "FILE:LINE: message", or "FILE: message" when line is 0
 * (no line known). When the message cannot be formatted, "out of memory"
 * stands in for it so the place still reaches the operator. */
int error_at(char **ret_error, int r, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
int error_atv(char **ret_error, int r, const char *file, unsigned line, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
