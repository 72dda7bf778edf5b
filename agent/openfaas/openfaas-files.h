/* SPDX-License-Identifier: MIT */
/* The files nodeprep owns for OpenFaaS: written only when their bytes differ,
 * removed only while their hash is still the recorded one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../basic/sysroot.h"

/* Write path (atomic, mode) unless it already holds exactly content.
 * 1 when written, 0 when it was already so. ret_sha gets the hash. */
int openfaas_file_put(const struct sysroot *sr, const char *path, const char *content, size_t size, mode_t mode,
                      char ret_sha[65]);
/* sha256 of path; -ENOENT when absent. */
int openfaas_file_hash(const struct sysroot *sr, const char *path, char ret_sha[65]);

/* The basic-auth password: the existing file's (so re-installs never change
 * it), else 40 random alphanumerics. *ret_new tells which. */
int openfaas_password_get(const struct sysroot *sr, char **ret, bool *ret_new);
