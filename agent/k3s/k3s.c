/* SPDX-License-Identifier: MIT */
/* Roles, unit names, and the step-by-step result every k3s operation returns. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "k3s.h"

const char *k3s_role_to_string(enum k3s_role r) {
        return r == K3S_ROLE_AGENT ? "agent" : "server";
}

int k3s_role_from_string(const char *s, enum k3s_role *ret) {
        if (streq(s, "server"))
                *ret = K3S_ROLE_SERVER;
        else if (streq(s, "agent"))
                *ret = K3S_ROLE_AGENT;
        else
                return -EINVAL;
        return 0;
}

const char *k3s_unit_name(enum k3s_role r) {
        return r == K3S_ROLE_AGENT ? "k3s-agent.service" : "k3s.service";
}

const char *k3s_step_status_to_string(enum k3s_step_status s) {
        static const char *const names[] = {
                [K3S_STEP_OK] = "ok", [K3S_STEP_CHANGED] = "changed", [K3S_STEP_UNCHANGED] = "unchanged",
                [K3S_STEP_SKIPPED] = "skipped", [K3S_STEP_WAITING] = "waiting", [K3S_STEP_FAILED] = "failed",
        };
        return (size_t) s < ELEMENTSOF(names) ? names[s] : "?";
}

void k3s_result_init(struct k3s_result *r) {
        *r = (struct k3s_result) {};
}

static void steps_free(struct k3s_step *steps, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(steps[i].name);
                free(steps[i].detail);
        }
        free(steps);
}

void k3s_result_done(struct k3s_result *r) {
        free(r->version);
        free(r->error);
        steps_free(r->steps, r->n_steps);
        *r = (struct k3s_result) {};
}

void k3s_step(struct k3s_result *r, const char *name, enum k3s_step_status status, const char *fmt, ...) {
        _cleanup_free_ char *copy = NULL, *detail = NULL;
        struct k3s_step *steps;
        va_list ap;

        /* The detail first: its format may hold %m, this caller's errno. */
        if (fmt) {
                va_start(ap, fmt);
                if (vasprintf(&detail, fmt, ap) < 0)
                        detail = NULL;
                va_end(ap);
        }
        copy = strdup(name);
        steps = reallocarray(r->steps, r->n_steps + 1, sizeof(*steps));
        if (!copy || !steps)
                return;
        r->steps = steps;
        r->steps[r->n_steps++] = (struct k3s_step) { TAKE_PTR(copy), status, TAKE_PTR(detail) };
}

int k3s_result_move_steps(struct k3s_result *to, struct k3s_result *from) {
        struct k3s_step *steps;

        if (from->n_steps == 0)
                return 0;
        steps = reallocarray(to->steps, to->n_steps + from->n_steps, sizeof(*steps));
        if (!steps)
                return -ENOMEM;
        memcpy(steps + to->n_steps, from->steps, from->n_steps * sizeof(*steps));
        to->steps = steps;
        to->n_steps += from->n_steps;
        free(from->steps);
        from->steps = NULL;
        from->n_steps = 0;
        return 0;
}

const struct k3s_step *k3s_result_failed_step(const struct k3s_result *r) {
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].status == K3S_STEP_FAILED)
                        return &r->steps[i];
        return NULL;
}
