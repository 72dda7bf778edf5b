/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "openfaas.h"

const char *openfaas_step_status_to_string(enum openfaas_step_status s) {
        static const char *const names[] = {
                [STEP_OK] = "ok", [STEP_CHANGED] = "changed", [STEP_UNCHANGED] = "unchanged",
                [STEP_SKIPPED] = "skipped", [STEP_WAITING] = "waiting", [STEP_FAILED] = "failed",
        };

        return (size_t) s < ELEMENTSOF(names) ? names[s] : "?";
}

void openfaas_result_init(struct openfaas_result *r) {
        *r = (struct openfaas_result) { .edition = "ce" };
}

void openfaas_result_done(struct openfaas_result *r) {
        for (size_t i = 0; i < r->n_steps; i++) {
                free(r->steps[i].name);
                free(r->steps[i].detail);
        }
        free(r->steps);
        free(r->chart_version);
        free(r->gateway);
        free(r->failed_step);
        free(r->error);
        free(r->warning);
        *r = (struct openfaas_result) {};
}

static void vstep(struct openfaas_result *r, const char *name, enum openfaas_step_status status,
                  const char *fmt, va_list ap) {
        struct openfaas_step *n = realloc(r->steps, (r->n_steps + 1) * sizeof(*n));
        char *detail = NULL;

        if (!n)
                return;
        r->steps = n;
        if (fmt && vasprintf(&detail, fmt, ap) < 0)
                detail = NULL;
        r->steps[r->n_steps++] = (struct openfaas_step) { .name = strdup(name), .status = status, .detail = detail };
        if (status == STEP_CHANGED)
                r->changed = true;
}

void openfaas_step(struct openfaas_result *r, const char *name, enum openfaas_step_status status,
                   const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vstep(r, name, status, fmt, ap);
        va_end(ap);
}

int openfaas_fail(struct openfaas_result *res, int r, const char *name, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vstep(res, name, STEP_FAILED, fmt, ap);
        va_end(ap);
        if (!res->failed_step) {
                res->failed_step = strdup(name);
                free(res->error);
                if (res->n_steps && res->steps[res->n_steps - 1].detail &&
                    asprintf(&res->error, "%s: %s", name, res->steps[res->n_steps - 1].detail) < 0)
                        res->error = NULL;
        }
        return r;
}
