/* SPDX-License-Identifier: MIT */
#include "linereader.h"

#include <errno.h>

#include "errmsg.h"

char *line_reader_read(char *str, int num, void *stream) {
        struct line_reader *lr = stream;
        size_t n = 0, cap = num > 2 ? (size_t) num - 2 : 0;
        bool leading = lr->strip_leading;
        int ch = EOF;

        if (lr->stop || lr->error)
                return NULL;
        if (lr->max_line && cap > lr->max_line)
                cap = lr->max_line;
        lr->lineno++;
        /* Unlocked: the stream belongs to this reader alone, and getc()'s
         * lock per character was a fifth of a no-op apply's instructions. */
        while ((ch = getc_unlocked(lr->f)) != EOF) {
                if (ch == 0) {
                        lr->error = -EBADMSG;
                        return NULL;
                }
                if (ch == '\n')
                        break;
                if (leading && (ch == ' ' || ch == '\t'))
                        continue;
                leading = false;
                if (n >= cap) {
                        lr->error = -E2BIG;
                        return NULL;
                }
                str[n++] = (char) ch;
        }
        if (n == 0 && ch == EOF && !ferror(lr->f)) {
                lr->lineno--;
                return NULL;
        }
        if (lr->max_lines && lr->lineno > lr->max_lines) {
                lr->error = -EFBIG;
                return NULL;
        }
        str[n++] = '\n';
        str[n] = 0;
        return str;
}

const char *line_reader_strerror(const struct line_reader *lr, char *buf, size_t size) {
        switch (lr->error) {
        case -E2BIG:
                snprintf(buf, size, "line too long (max %zu bytes)", lr->max_line);
                break;
        case -EBADMSG:
                snprintf(buf, size, "NUL byte in file");
                break;
        case -EFBIG:
                snprintf(buf, size, "too many lines (max %u)", lr->max_lines);
                break;
        default:
                snprintf(buf, size, "read error");
        }
        return buf;
}

int line_reader_ini_error(struct line_reader *lr, int r, const char *filename, char **ret_error) {
        char buf[128];

        if (lr->error)
                return error_at(ret_error, -EINVAL, filename, lr->lineno, "%s",
                                line_reader_strerror(lr, buf, sizeof(buf)));
        if (r > 0) {
                lr->lineno = (unsigned) r;
                return error_at(ret_error, -EINVAL, filename, lr->lineno,
                                "syntax error (expected [section] or key = value)");
        }
        if (r < 0)
                return error_at(ret_error, -EINVAL, filename, lr->lineno, "cannot parse (inih error %d)", r);
        if (ferror(lr->f))
                return error_at(ret_error, -EINVAL, filename, lr->lineno, "read error");
        return 0;
}
