/* SPDX-License-Identifier: MIT */
/*
 * The named checks: figures in, a verdict per check out with a one-line
 * reason, in the one verdict enum (verdict/checklist.h). Serve never reports
 * warn: a warning from a shared rule becomes fail or ok as
 * verdict/verdict-facts.h says; unknown (could not tell) does not fail
 * /readyz. The per-fact rules are verdict/verdict-rules.h, shared with
 * `nodeprep check`. What stays here is judging counters by their increase:
 * an evaluator remembers the previous values, when each last went up, and
 * the recent steal samples, so an overflow keeps its check failed for the
 * hold time and then clears by itself.
 */
#pragma once

#include "../verdict/checklist.h"
#include "collect.h"
#include "health-config.h"

#define HEALTH_REASON_MAX 320

struct health_check_result {
        enum check_status status;
        char reason[HEALTH_REASON_MAX];
};

struct health_eval;

int health_eval_new(struct health_eval **ret);
struct health_eval *health_eval_free(struct health_eval *e);

/* Judge f against c and the history in e (then remember f). Disabled checks
 * are left as n/a with reason "disabled". ret_steal_percent: the steal over
 * the window, negative when unknown. */
void health_evaluate(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                     struct health_check_result out[_HC_MAX], double *ret_steal_percent);
