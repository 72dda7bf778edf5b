/* SPDX-License-Identifier: MIT */
/* Load the dlopen()ed libraries a command needs, before it runs. */
#pragma once

enum {
        DL_CURL = 1 << 0,
        DL_SYSTEMD = 1 << 1,
        DL_MICROHTTPD = 1 << 2,
        DL_NL = 1 << 3,
        DL_MOUNT = 1 << 4,
        DL_YAML = 1 << 5,
        DL_CRYPTO = 1 << 6,
        DL_KMOD = 1 << 7,
        DL_ALL = (1 << 8) - 1,
};

/* 0, or -EOPNOTSUPP with the missing library or symbol in ret_error. */
int dlopen_libs(unsigned mask, const char **ret_error);
int dlopen_all(const char **ret_error);
