/* SPDX-License-Identifier: MIT */
/*
 * The result of `nodeprep check` and of the health server's named checks: a
 * flat list of items, each with a group, a name, one of five states, a
 * one-line reason, the evidence it rests on (file or probe) and a hint when
 * something is wrong. Domain code fills the list; commands print it.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

enum check_status {
        CHECK_OK,
        CHECK_WARN,
        CHECK_FAIL,
        CHECK_NA,       /* does not apply here (no NVMe, skipped under --root) */
        CHECK_UNKNOWN,  /* could not tell: unreadable or garbage input */
};

struct check_item {
        char *group;
        char *name;
        enum check_status status;
        char *reason;
        char *evidence;         /* may be NULL */
        char *hint;             /* may be NULL */
        uint16_t port;          /* the TCP port a port item is about; 0 for the others */
};

struct check_list {
        struct check_item *items;
        size_t n, allocated;
};

const char *check_status_to_string(enum check_status s);

/* Append an item; reason is a printf format. Strings are copied. */
int check_add(struct check_list *l, const char *group, const char *name, enum check_status status,
              const char *evidence, const char *hint, const char *reason_fmt, ...)
        __attribute__((format(printf, 7, 8)));
int check_addv(struct check_list *l, const char *group, const char *name, enum check_status status,
               const char *evidence, const char *hint, const char *reason_fmt, va_list ap)
        __attribute__((format(printf, 7, 0)));

size_t check_list_failed(const struct check_list *l);
void check_list_done(struct check_list *l);

/* "unknown: <reason>" for an errno from a reader: the wording used for
 * truncated, garbage or unreadable input. */
const char *check_errno_reason(int r);
