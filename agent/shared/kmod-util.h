/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules, for the tuning engine (a profile's [modules]: state, then
 * loading) and the node checks (is a module K3s needs at least loadable):
 * /sys/module, modules.builtin or what a built-in module provides, and the
 * root's /lib/modules index through libkmod.
 */
#pragma once

#include <stddef.h>

#include "../basic/sysroot.h"

enum module_state {
        MODULE_LOADED,          /* /sys/module/NAME exists */
        MODULE_BUILTIN,         /* compiled in (modules.builtin, or what it provides exists) */
        MODULE_NOT_LOADED,      /* neither; module_state_find() tells the two below apart */
        MODULE_LOADABLE,        /* in the root's modules.dep, and loading is not switched off */
        MODULE_MISSING,
};

/* LOADED, BUILTIN or NOT_LOADED, from the files only (no libkmod). */
enum module_state module_state_get(const struct sysroot *sr, const char *name);

/* The same, with NOT_LOADED resolved to LOADABLE or MISSING by a libkmod
 * lookup in the root's /lib/modules/$(uname -r) (with the root's
 * modprobe.d). evidence: where the answer came from, for a check. */
enum module_state module_state_find(const struct sysroot *sr, const char *name, char *evidence, size_t size);

/* "loaded", "built-in", "not-loaded", "loadable", "missing" (the JSON of
 * plan and apply). */
const char *module_state_to_string(enum module_state s);
/* The same for a sentence ("built in"): the node checks' reasons. */
const char *module_state_to_words(enum module_state s);

/* Load a module with libkmod (modprobe semantics: dependencies, options).
 * Live only. -ENOENT when the module does not exist for this kernel, -EPERM
 * when it is blacklisted, -EOPNOTSUPP without libkmod. */
int module_load(const char *name);
