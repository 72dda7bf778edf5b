/* SPDX-License-Identifier: MIT */
#include "checklist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

const char *check_status_to_string(enum check_status s) {
        switch (s) {
        case CHECK_OK: return "ok";
        case CHECK_WARN: return "warn";
        case CHECK_FAIL: return "fail";
        case CHECK_NA: return "n/a";
        case CHECK_UNKNOWN: return "unknown";
        }
        return "unknown";
}

static int dup_or_null(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int check_addv(struct check_list *l, const char *group, const char *name, enum check_status status,
               const char *evidence, const char *hint, const char *reason_fmt, va_list ap) {
        struct check_item it = { .status = status };

        if (l->n == l->allocated) {
                size_t na = l->allocated ? l->allocated * 2 : 32;
                struct check_item *p = reallocarray(l->items, na, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                l->items = p;
                l->allocated = na;
        }
        if (vasprintf(&it.reason, reason_fmt, ap) < 0) {
                it.reason = NULL;
                return -ENOMEM;
        }
        if (dup_or_null(group, &it.group) < 0 || dup_or_null(name, &it.name) < 0 ||
            dup_or_null(evidence, &it.evidence) < 0 || dup_or_null(hint, &it.hint) < 0) {
                free(it.group), free(it.name), free(it.evidence), free(it.hint), free(it.reason);
                return -ENOMEM;
        }
        l->items[l->n++] = it;
        return 0;
}

int check_add(struct check_list *l, const char *group, const char *name, enum check_status status,
              const char *evidence, const char *hint, const char *reason_fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, reason_fmt);
        r = check_addv(l, group, name, status, evidence, hint, reason_fmt, ap);
        va_end(ap);
        return r;
}

size_t check_list_failed(const struct check_list *l) {
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].status == CHECK_FAIL)
                        n++;
        return n;
}

void check_list_done(struct check_list *l) {
        for (size_t i = 0; i < l->n; i++) {
                struct check_item *it = &l->items[i];

                free(it->group), free(it->name), free(it->reason), free(it->evidence), free(it->hint);
        }
        free(l->items);
        *l = (struct check_list) {};
}

const char *check_errno_reason(int r) {
        switch (-r) {
        case ENOENT: return "missing";
        case EFBIG: return "file too large (junk?)";
        case EBADMSG: return "garbage content (binary data)";
        case EINVAL: return "unparsable content";
        case ERANGE: return "value out of range";
        case ENODATA: return "empty file";
        case ELOOP: return "symlink loop";
        case EACCES: case EPERM: return "permission denied";
        case ENOTDIR: return "not a directory";
        case ENOMEM: return "out of memory";
        default: return strerror(-r);
        }
}
