/* SPDX-License-Identifier: MIT */
/* Shared between plan.c, apply.c and verify.c. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/errmsg.h"
#include "../basic/sysroot.h"
#include "bootconf.h"
#include "order.h"
#include "persist.h"
#include "profile.h"

enum action {
        ACTION_SET,
        ACTION_KEEP,
        ACTION_AT_LEAST_SATISFIED,
        ACTION_AT_MOST_SATISFIED,
        ACTION_OWNED_ELSEWHERE,
        ACTION_MISSING,
};

struct item {
        const struct profile_entry *e;
        char *live;             /* NULL when the key cannot be read */
        int live_error;         /* -ENOENT: missing */
        char *target;           /* value to write and persist; NULL: none */
        enum action action;
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
const char *action_to_string(enum action a);

/* Read live values, compute actions and targets, check invariants against
 * the live system, plan the persisted files. */
int plan_build(const struct sysroot *sr, const struct profile *p, bool persist, struct plan *ret, char **ret_error);

/* The "keys" array of the result. */
json_object *plan_keys_json(const struct plan *pl);
json_object *modules_json(const struct sysroot *sr, const struct profile *p);
json_object *strv_json(char * const *l);
json_object *plan_files_json(const struct plan *pl);

/* Write ops in safe order, reading each back. On the first failure restore
 * every key already written (reverse order) and describe the failure. */
int write_ops_transactional(const struct sysroot *sr, const struct write_op *ops, size_t n, char **ret_error);


json_object *json_str_or_null(const char *s);
