/* SPDX-License-Identifier: MIT */
/*
 * The facts both `nodeprep check` and `nodeprep serve` judge, and the one
 * place where their verdicts may differ. Both call the same rule
 * (verdict/verdict-rules.h) with the same thresholds (verdict/thresholds.h);
 * serve then passes the verdict through verdict_serve(): serve is a
 * readiness gate with no warn state of its own, so for each fact the table
 * says whether a warning fails /readyz or passes it. The table is repeated,
 * row for row, in agent/verdict/README.md (a unit test compares the two) and
 * tests/cli/verdict-agree.sh checks both commands against it on every
 * fixture.
 */
#pragma once

#include "checklist.h"

enum verdict_fact {
        VERDICT_FACT_NVME_STATE,
        VERDICT_FACT_NVME_SMART,
        VERDICT_FACT_STEAL,
        VERDICT_FACT_FILE_NR,
        VERDICT_FACT_DISK_FREE,
        VERDICT_FACT_DISK_WRITABLE,
        _VERDICT_FACT_MAX,
};

struct verdict_fact_row {
        const char *name;
        const char *check_item;         /* check's GROUP/ITEM items, an extended regex (whole match) */
        const char *serve_check;        /* serve's check (health/health-config.h names) */
        enum check_status serve_warn;   /* what serve makes of warn: CHECK_FAIL or CHECK_OK */
        const char *why;
};

extern const struct verdict_fact_row verdict_facts[_VERDICT_FACT_MAX];

/* Serve's verdict for a fact check would judge s: s, with warn replaced by
 * the table's serve_warn. */
enum check_status verdict_serve(enum verdict_fact f, enum check_status s);
