/* SPDX-License-Identifier: MIT */
#include "errmsg.h"

#include <stdio.h>
#include <stdlib.h>

int error_msgv(char **ret_error, int r, const char *fmt, va_list ap) {
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        return r;
}

int error_msg(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        error_msgv(ret_error, r, fmt, ap);
        va_end(ap);
        return r;
}

int error_atv(char **ret_error, int r, const char *file, unsigned line, const char *fmt, va_list ap) {
        char *msg = NULL;
        int n;

        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        if (line > 0)
                n = asprintf(ret_error, "%s:%u: %s", file, line, msg ? msg : "out of memory");
        else
                n = asprintf(ret_error, "%s: %s", file, msg ? msg : "out of memory");
        if (n < 0)
                *ret_error = NULL;
        free(msg);
        return r;
}

int error_at(char **ret_error, int r, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        error_atv(ret_error, r, file, line, fmt, ap);
        va_end(ap);
        return r;
}
