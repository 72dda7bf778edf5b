/* SPDX-License-Identifier: MIT */
/* libkmod, loaded on first use (see dlopen.h). */
#pragma once

#include <libkmod.h>

#include "dlopen.h"

#define DL_KMOD_SYMBOLS(X)                      \
        X(kmod_new)                             \
        X(kmod_unref)                           \
        X(kmod_module_new_from_lookup)          \
        X(kmod_module_get_module)               \
        X(kmod_module_probe_insert_module)      \
        X(kmod_module_unref)                    \
        X(kmod_module_unref_list)               \
        X(kmod_list_next)

DL_KMOD_SYMBOLS(DLSYM_PROTOTYPE)

/* 0, or -EOPNOTSUPP with the reason in ret_error. */
int dlopen_kmod(const char **ret_error);

#ifndef DL_KMOD_IMPL
#define kmod_new sym_kmod_new
#define kmod_unref sym_kmod_unref
#define kmod_module_new_from_lookup sym_kmod_module_new_from_lookup
#define kmod_module_get_module sym_kmod_module_get_module
#define kmod_module_probe_insert_module sym_kmod_module_probe_insert_module
#define kmod_module_unref sym_kmod_module_unref
#define kmod_module_unref_list sym_kmod_module_unref_list
#define kmod_list_next sym_kmod_list_next
#endif
