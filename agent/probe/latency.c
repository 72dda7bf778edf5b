/* SPDX-License-Identifier: MIT */
/*
 * The --latency probe: what the data disk actually does, measured, instead
 * of what its flags claim. O_DIRECT 4 KiB writes each followed by fdatasync
 * on an O_TMPFILE (never linked, so nothing is left behind even on a crash).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "blockdev.h"

#define LATENCY_BLOCK 4096

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

int blockdev_latency(const struct sysroot *sr, const char *dir, unsigned n, struct latency_result *ret) {
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ double *t = NULL;
        void *buf = NULL;
        bool direct = true;

        if (!sr->live)
                return -EOPNOTSUPP;
        if (n == 0 || n > 10000)
                return -EINVAL;
        dfd = sysroot_open(sr, dir, O_DIRECTORY | O_RDONLY, 0);
        if (dfd < 0)
                return dfd;
        fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EINVAL) {
                /* tmpfs and some others refuse O_DIRECT. */
                direct = false;
                fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return -errno;
        t = calloc(n, sizeof(double));
        if (!t || posix_memalign(&buf, LATENCY_BLOCK, LATENCY_BLOCK) != 0)
                return -ENOMEM;
        memset(buf, 0x5a, LATENCY_BLOCK);
        for (unsigned i = 0; i < n; i++) {
                double start = now_ms();

                if (pwrite(fd, buf, LATENCY_BLOCK, (off_t) (i % 16) * LATENCY_BLOCK) != LATENCY_BLOCK ||
                    fdatasync(fd) < 0) {
                        int e = errno ? errno : EIO;

                        free(buf);
                        return -e;
                }
                t[i] = now_ms() - start;
        }
        free(buf);
        qsort(t, n, sizeof(double), cmp_double);
        ret->samples = n;
        ret->p50_ms = t[n / 2];
        ret->p99_ms = t[(n * 99) / 100 >= n ? n - 1 : (n * 99) / 100];
        ret->max_ms = t[n - 1];
        ret->direct = direct;
        return 0;
}
