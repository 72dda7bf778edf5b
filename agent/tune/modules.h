/* SPDX-License-Identifier: MIT */
/* Kernel modules a profile needs: state from /sys/module, loading via libkmod. */
#pragma once

#include <stdbool.h>

#include "../basic/sysroot.h"

enum module_state {
        MODULE_LOADED,          /* /sys/module/NAME exists */
        MODULE_BUILTIN,         /* compiled in (modules.builtin, or what it provides exists) */
        MODULE_NOT_LOADED,
};

enum module_state module_state_get(const struct sysroot *sr, const char *name);
const char *module_state_to_string(enum module_state s);

/* Load a module with libkmod (modprobe semantics: dependencies, options).
 * Live only. -ENOENT when the module does not exist for this kernel. */
int module_load(const char *name);
