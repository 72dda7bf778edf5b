/* SPDX-License-Identifier: MIT */
#define DL_KMOD_IMPL
#include "dl-kmod.h"

#include "../basic/cleanup.h"

DL_KMOD_SYMBOLS(DLSYM_DEFINE)

int dlopen_kmod(const char **ret_error) {
        static void *handle;
        static const struct dlsym_entry syms[] = { DL_KMOD_SYMBOLS(DLSYM_ARG) };

        return dlopen_symbols(&handle, "libkmod.so.2", syms, ELEMENTSOF(syms), ret_error);
}
