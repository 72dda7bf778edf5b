/* SPDX-License-Identifier: MIT */
#define DL_ZLIB_IMPL
#include "dl-zlib.h"

#include "../basic/cleanup.h"

DL_ZLIB_SYMBOLS(DLSYM_DEFINE)

int dlopen_zlib(const char **ret_error) {
        static void *handle;
        static const struct dlsym_entry syms[] = { DL_ZLIB_SYMBOLS(DLSYM_ARG) };

        return dlopen_symbols(&handle, "libz.so.1", syms, ELEMENTSOF(syms), ret_error);
}
