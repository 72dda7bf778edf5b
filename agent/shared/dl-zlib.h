/* SPDX-License-Identifier: MIT */
/* zlib, loaded on first use (see ../basic/dlopen.h): `check` reads a gzip
 * file (/proc/config.gz) and `serve` compresses /metrics for scrapers that ask
 * for gzip, so plain commands do not pay for it. */
#pragma once

#include <zlib.h>

#include "dlopen.h"

#define DL_ZLIB_SYMBOLS(X)      \
        X(gzdopen)              \
        X(gzread)               \
        X(gzclose)              \
        X(deflateInit2_)        \
        X(deflate)              \
        X(deflateEnd)           \
        X(deflateBound)

DL_ZLIB_SYMBOLS(DLSYM_PROTOTYPE)

/* 0, or -EOPNOTSUPP with the reason in ret_error. */
int dlopen_zlib(const char **ret_error);

#ifndef DL_ZLIB_IMPL
#define gzdopen sym_gzdopen
#define gzread sym_gzread
#define gzclose sym_gzclose
#define deflateInit2_ sym_deflateInit2_
#define deflate sym_deflate
#define deflateEnd sym_deflateEnd
#define deflateBound sym_deflateBound
#endif
