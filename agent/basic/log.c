/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static enum log_level max_level = LOG_LEVEL_NOTICE;

void log_set_max_level(enum log_level level) {
        max_level = level;
}

enum log_level log_get_max_level(void) {
        return max_level;
}

int log_full_errno(enum log_level level, int error, const char *format, ...) {
        int e = abs(error);

        if (level <= max_level) {
                va_list ap;
                int saved = errno;

                errno = e;
                fputs("nodeprep: ", stderr);
                va_start(ap, format);
                vfprintf(stderr, format, ap);
                va_end(ap);
                fputc('\n', stderr);
                errno = saved;
        }
        return -e;
}
