/* SPDX-License-Identifier: MIT */
/* Every dlopen()ed library at once: for unit tests and fuzz targets
 * (tests/dl-preload.c), which call into modules below their entry points.
 * The program itself never loads ahead: see dlopen.h. */
#pragma once

/* 0, or -EOPNOTSUPP with the missing library or symbol in ret_error. */
int dlopen_all(const char **ret_error);
