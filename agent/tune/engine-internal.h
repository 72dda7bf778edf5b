/* SPDX-License-Identifier: MIT */
/* Shared between plan.c, apply.c and verify.c. */
#pragma once

#include <stdbool.h>

#include "../basic/errmsg.h"
#include "../basic/sysroot.h"
#include "bootconf.h"
#include "engine.h"
#include "order.h"
#include "persist.h"
#include "profile.h"

struct item {
        const struct profile_entry *e;
        char *live;             /* NULL when the key cannot be read */
        int live_error;         /* -ENOENT: missing */
        char *target;           /* value to write and persist; NULL: none */
        enum tune_action action;
        bool persist;
};

struct file_plan {
        const char *path;
        char *content;          /* NULL: the file should not exist */
        bool exists, ours;
        bool change;            /* write or remove needed */
};

struct plan {
        const struct profile *p;
        struct item *items;
        size_t n_items;
        struct file_plan files[_PERSIST_MAX];
        struct boot_config *boot;
        char **warnings;
};

void plan_done(struct plan *pl);

/* Read live values, compute actions and targets, check invariants against
 * the live system, plan the persisted files. */
int plan_build(const struct sysroot *sr, const struct profile *p, bool persist, struct plan *ret, char **ret_error);

/* The result of a plan or apply: takes *pl (moved, *pl is emptied) and, for
 * TUNE_RUN_APPLY, the modules as loaded (taken even on failure); otherwise
 * the modules are reported as planned. */
int tune_result_from_plan(const struct sysroot *sr, struct plan *pl, enum tune_run run,
                          struct tune_module_result *modules, size_t n_modules, struct tune_result *ret);

/* Write ops in safe order, reading each back. On the first failure restore
 * every key already written (reverse order) and describe the failure. */
int write_ops_transactional(const struct sysroot *sr, const struct write_op *ops, size_t n, char **ret_error);

