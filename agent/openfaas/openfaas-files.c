/* SPDX-License-Identifier: MIT */
#include "openfaas-files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../basic/cleanup.h"
#include "../shared/blob.h"
#include "openfaas.h"

#define PASSWORD_LEN 40
#define FILE_MAX (8u << 20)

int openfaas_file_hash(const struct sysroot *sr, const char *path, char ret_sha[65]) {
        _cleanup_free_ char *old = NULL;
        size_t size;
        int r = sysroot_read_file(sr, path, FILE_MAX, &old, &size);

        return r < 0 ? r : blob_sha256_mem(old, size, ret_sha);
}

int openfaas_file_put(const struct sysroot *sr, const char *path, const char *content, size_t size, mode_t mode,
                      char ret_sha[65]) {
        _cleanup_free_ char *old = NULL;
        size_t old_size;
        int r;

        r = blob_sha256_mem(content, size, ret_sha);
        if (r < 0)
                return r;
        if (sysroot_read_file(sr, path, FILE_MAX, &old, &old_size) >= 0 && old_size == size &&
            memcmp(old, content, size) == 0)
                return 0;
        r = sysroot_write_atomic(sr, path, content, size, mode);
        return r < 0 ? r : 1;
}

static bool password_ok(const char *s) {
        size_t n = strlen(s);

        if (n < 32 || n > 256)
                return false;
        for (; *s; s++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", *s))
                        return false;
        return true;
}

static int password_generate(char **ret) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        char *p = malloc(PASSWORD_LEN + 1);
        size_t n = 0;

        if (!p)
                return -ENOMEM;
        while (n < PASSWORD_LEN) {
                unsigned char b[64];
                ssize_t got = getrandom(b, sizeof(b), 0);

                if (got < 0) {
                        free(p);
                        return -errno;
                }
                /* Rejection sampling: 248 = 4 * 62, so every letter is equally likely. */
                for (ssize_t i = 0; i < got && n < PASSWORD_LEN; i++)
                        if (b[i] < 248)
                                p[n++] = alphabet[b[i] % 62];
        }
        p[n] = 0;
        *ret = p;
        return 0;
}

int openfaas_password_get(const struct sysroot *sr, char **ret, bool *ret_new) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = sysroot_read_string(sr, OPENFAAS_PASSWORD_FILE, &text);
        if (r >= 0) {
                if (!password_ok(text))
                        return -EBADMSG;
                *ret = TAKE_PTR(text);
                *ret_new = false;
                return 0;
        }
        if (r != -ENOENT)
                return r;
        r = password_generate(ret);
        if (r >= 0)
                *ret_new = true;
        return r;
}
