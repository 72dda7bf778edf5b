/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

void gateway_result_init(struct gateway_result *r) {
        *r = (struct gateway_result) {};
}

void gateway_result_done(struct gateway_result *r) {
        for (unsigned i = 0; i < r->n_files; i++) {
                free(r->files[i].path);
                free(r->files[i].before);
                free(r->files[i].after);
        }
        free(r->files);
        for (unsigned i = 0; i < r->n_steps; i++)
                free(r->steps[i].detail);
        free(r->steps);
        free(r->nginx_message);
        free(r->hint);
        free(r->error);
        *r = (struct gateway_result) {};
}

int gateway_result_step(struct gateway_result *r, const char *name, const char *status, const char *fmt, ...) {
        struct gateway_step *s;
        va_list ap;
        char *detail = NULL;

        if (r->n_steps >= 64)
                return -E2BIG;
        s = realloc(r->steps, (r->n_steps + 1) * sizeof(*s));
        if (!s)
                return -ENOMEM;
        r->steps = s;
        va_start(ap, fmt);
        if (vasprintf(&detail, fmt, ap) < 0)
                detail = NULL;
        va_end(ap);
        s = &r->steps[r->n_steps++];
        snprintf(s->name, sizeof(s->name), "%s", name);
        snprintf(s->status, sizeof(s->status), "%s", status);
        s->detail = detail;
        return 0;
}

const char *gateway_action_to_string(enum gateway_action a) {
        static const char *const names[] = {
                [GATEWAY_KEEP] = "keep", [GATEWAY_CREATE] = "create", [GATEWAY_UPDATE] = "update",
                [GATEWAY_REMOVE] = "remove", [GATEWAY_CONFLICT] = "conflict", [GATEWAY_MODIFIED] = "modified",
        };
        return (unsigned) a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}
