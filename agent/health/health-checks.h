/* SPDX-License-Identifier: MIT */
/*
 * The named checks: figures in, a verdict per check out (ok, fail, unknown,
 * n/a) with a one-line reason. Counters are judged by their increase: an
 * evaluator remembers the previous values, when each last went up, and the
 * recent steal samples, so an overflow keeps its check failed for the hold
 * time and then clears by itself.
 */
#pragma once

#include "collect.h"
#include "health-config.h"

enum health_status {
        HS_OK,
        HS_FAIL,
        HS_UNKNOWN,     /* could not tell: the source failed; does not fail /readyz */
        HS_NA,          /* does not apply on this node */
};

#define HEALTH_REASON_MAX 320

struct health_check_result {
        enum health_status status;
        char reason[HEALTH_REASON_MAX];
};

const char *health_status_name(enum health_status s);

struct health_eval;

int health_eval_new(struct health_eval **ret);
struct health_eval *health_eval_free(struct health_eval *e);

/* Judge f against c and the history in e (then remember f). Disabled checks
 * are left as n/a with reason "disabled". ret_steal_percent: the steal over
 * the window, negative when unknown. */
void health_evaluate(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                     struct health_check_result out[_HC_MAX], double *ret_steal_percent);
