/* SPDX-License-Identifier: MIT */
/*
 * A line reader for inih's ini_parse_stream(). Debian's inih passes no line
 * number to the handler, so we count lines here, and enforce the caps: a line
 * longer than max_line, a NUL byte, or more than max_lines lines stop the
 * parse with an error code and the line where it happened.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct line_reader {
        FILE *f;
        size_t max_line;
        unsigned max_lines;
        bool strip_leading;     /* no inih multi-line continuations (sysctl.d) */
        unsigned lineno;        /* of the line last returned */
        bool stop;              /* set by a handler to end the parse early */
        int error;              /* -E2BIG line too long, -EBADMSG NUL, -EFBIG too many lines */
};

/* Matches inih's ini_reader; stream is a struct line_reader. */
char *line_reader_read(char *str, int num, void *stream);

/* A message for lr->error, e.g. "line too long (max 190 bytes)". */
const char *line_reader_strerror(const struct line_reader *lr, char *buf, size_t size);

/* After ini_parse_stream(line_reader_read, lr, ...) returned r, the first
 * failure of the read itself, as "FILE:LINE: message" (errmsg.h) in
 * *ret_error, returning -EINVAL: the reader's cap, inih's syntax error at line
 * r, inih's own failure (r < 0), a read error on lr->f. 0 when there was
 * none. Every INI parser reports these the same way. */
int line_reader_ini_error(struct line_reader *lr, int r, const char *filename, char **ret_error);
