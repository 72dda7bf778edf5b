/* SPDX-License-Identifier: MIT */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../shared/dl-crypto.h"
#include "dl-crypto.h"

struct blob_sink {
        int dirfd;
        int fd;
        char *name;
        char tmp[300];
        EVP_MD_CTX *md;
        uint64_t size;
        int committed;
};

static void hex(const unsigned char *md, unsigned len, char ret[65]) {
        for (unsigned i = 0; i < len && i < 32; i++)
                snprintf(ret + 2 * i, 3, "%02x", md[i]);
}

static int sink_init(struct blob_sink *s, int dirfd, const char *name) {
        uint64_t rnd = 0;

        s->fd = -1;
        s->dirfd = dirfd;
        if (strlen(name) > 200 || strchr(name, '/'))
                return -EINVAL;
        s->name = strdup(name);
        s->md = EVP_MD_CTX_new();
        if (!s->name || !s->md)
                return -ENOMEM;
        if (!EVP_DigestInit_ex(s->md, EVP_sha256(), NULL))
                return -EIO;
        if (getrandom(&rnd, sizeof(rnd), 0) < 0)
                return -errno;
        snprintf(s->tmp, sizeof(s->tmp), ".%s.%06llx", name, (unsigned long long) (rnd & 0xffffff));
        s->fd = openat(dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        return s->fd < 0 ? -errno : 0;
}

int blob_sink_open(int dirfd, const char *name, struct blob_sink **ret) {
        struct blob_sink *s;
        int r;

        r = dlopen_crypto(NULL);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = sink_init(s, dirfd, name);
        if (r < 0) {
                blob_sink_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int blob_sink_write(struct blob_sink *s, const void *buf, size_t size) {
        int r;

        if (!EVP_DigestUpdate(s->md, buf, size))
                return -EIO;
        r = write_all(s->fd, buf, size);
        if (r < 0)
                return r;
        s->size += size;
        return 0;
}

int blob_sink_reset(struct blob_sink *s) {
        if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
                return -errno;
        if (!EVP_DigestInit_ex(s->md, EVP_sha256(), NULL))
                return -EIO;
        s->size = 0;
        return 0;
}

uint64_t blob_sink_size(const struct blob_sink *s) {
        return s->size;
}

int blob_sink_hash(const struct blob_sink *s, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_MD_CTX *copy = EVP_MD_CTX_new();
        int ok;

        if (!copy)
                return -ENOMEM;
        ok = EVP_MD_CTX_copy_ex(copy, s->md) && EVP_DigestFinal_ex(copy, md, &len) && len == 32;
        EVP_MD_CTX_free(copy);
        if (!ok)
                return -EIO;
        hex(md, len, ret);
        return 0;
}

int blob_sink_commit(struct blob_sink *s, const char *expected, mode_t mode, char ret_got[65]) {
        char got[65];
        int r;

        r = blob_sink_hash(s, got);
        if (r < 0)
                return r;
        if (ret_got)
                memcpy(ret_got, got, sizeof(got));
        if (expected && strcasecmp(expected, got) != 0)
                return -EBADMSG;
        /* Data on disk before the name points at it; then the name durable. */
        if (fsync(s->fd) < 0 || fchmod(s->fd, mode) < 0)
                return -errno;
        if (renameat(s->dirfd, s->tmp, s->dirfd, s->name) < 0)
                return -errno;
        s->committed = 1;
        return fsync(s->dirfd) < 0 ? -errno : 0;
}

struct blob_sink *blob_sink_free(struct blob_sink *s) {
        if (!s)
                return NULL;
        if (s->fd >= 0) {
                close(s->fd);
                if (!s->committed)
                        (void) unlinkat(s->dirfd, s->tmp, 0);
        }
        EVP_MD_CTX_free(s->md);
        free(s->name);
        free(s);
        return NULL;
}

void blob_sink_freep(struct blob_sink **s) {
        blob_sink_free(*s);
}

static void md_ctx_freep(EVP_MD_CTX **c) {
        if (*c)
                EVP_MD_CTX_free(*c);
}

int blob_hash_file(int dirfd, const char *name, char ret[65]) {
        _cleanup_(md_ctx_freep) EVP_MD_CTX *md = NULL;
        _cleanup_close_ int fd = -1;
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        char buf[1 << 16];
        int r;

        r = dlopen_crypto(NULL);
        if (r < 0)
                return r;
        md = EVP_MD_CTX_new();
        if (!md)
                return -ENOMEM;
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
                return -EIO;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                if (!EVP_DigestUpdate(md, buf, (size_t) n))
                        return -EIO;
        }
        if (!EVP_DigestFinal_ex(md, out, &len) || len != 32)
                return -EIO;
        hex(out, len, ret);
        return 0;
}

int blob_copy_verified(int srcfd, int dirfd, const char *name, const char *expected,
                       mode_t mode, char ret_got[65]) {
        _cleanup_blob_sink_ struct blob_sink *s = NULL;
        char buf[1 << 16];
        int r;

        r = blob_sink_open(dirfd, name, &s);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(srcfd, buf, sizeof(buf));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                r = blob_sink_write(s, buf, (size_t) n);
                if (r < 0)
                        return r;
        }
        return blob_sink_commit(s, expected, mode, ret_got);
}

int blob_sha256_mem(const void *data, size_t size, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        int r;

        r = dlopen_crypto(NULL);
        if (r < 0)
                return r;
        if (!EVP_Digest(data, size, md, &len, EVP_sha256(), NULL) || len != 32)
                return -EIO;
        hex(md, len, ret);
        return 0;
}
