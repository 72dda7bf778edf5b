/* SPDX-License-Identifier: MIT */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"

#define CANARY_NAME ".nodeprep-canary"
#define CANARY_SIZE 4096

/* Shared between the collector and one canary thread; freed by whichever
 * lets go last. */
struct canary {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned refs;
        bool running;
        int dirfd;
        int result;
        double started, seconds;
};

struct disk_probe {
        struct canary *c;
};

static double now_mono(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void canary_unref(struct canary *c) {
        bool last;

        pthread_mutex_lock(&c->lock);
        last = --c->refs == 0;
        pthread_mutex_unlock(&c->lock);
        if (!last)
                return;
        pthread_cond_destroy(&c->cond);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

static int canary_write(int dirfd) {
        static const char block[CANARY_SIZE] = { 'n', 'o', 'd', 'e', 'p', 'r', 'e', 'p' };
        _cleanup_close_ int fd = -1;
        int r;

        fd = openat(dirfd, CANARY_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, block, sizeof(block));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (unlinkat(dirfd, CANARY_NAME, 0) < 0 && r >= 0)
                r = -errno;
        return r;
}

static void *canary_thread(void *arg) {
        struct canary *c = arg;
        int fd, r;
        double t0;

        pthread_mutex_lock(&c->lock);
        fd = c->dirfd;
        c->dirfd = -1;
        t0 = c->started;
        pthread_mutex_unlock(&c->lock);

        r = canary_write(fd);
        close(fd);

        pthread_mutex_lock(&c->lock);
        c->result = r;
        c->seconds = now_mono() - t0;
        c->running = false;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
        canary_unref(c);
        return NULL;
}

int disk_probe_new(struct disk_probe **ret) {
        _cleanup_free_ struct disk_probe *dp = calloc(1, sizeof(*dp));
        struct canary *c = calloc(1, sizeof(*c));

        if (!dp || !c) {
                free(c);
                return -ENOMEM;
        }
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->cond, NULL);
        c->refs = 1;
        c->dirfd = -1;
        dp->c = c;
        *ret = TAKE_PTR(dp);
        return 0;
}

struct disk_probe *disk_probe_free(struct disk_probe *dp) {
        if (!dp)
                return NULL;
        canary_unref(dp->c);
        free(dp);
        return NULL;
}

/* Start a canary on dirfd (taken) and wait up to timeout_ms for it. */
static int canary_run(struct canary *c, int dirfd, unsigned timeout_ms, double *ret_seconds, double *ret_stuck) {
        struct timespec deadline;
        pthread_attr_t attr;
        pthread_t t;
        int r = 0;

        pthread_mutex_lock(&c->lock);
        if (c->running) {
                /* The previous canary is still inside write/fsync. */
                *ret_stuck = now_mono() - c->started;
                pthread_mutex_unlock(&c->lock);
                close(dirfd);
                return -EBUSY;
        }
        c->running = true;
        c->dirfd = dirfd;
        c->started = now_mono();
        c->refs++;
        pthread_mutex_unlock(&c->lock);

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        r = -pthread_create(&t, &attr, canary_thread, c);
        pthread_attr_destroy(&attr);
        if (r < 0) {
                pthread_mutex_lock(&c->lock);
                c->running = false;
                c->dirfd = -1;
                c->refs--;
                pthread_mutex_unlock(&c->lock);
                close(dirfd);
                return r;
        }

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&c->lock);
        while (c->running && r == 0)
                r = -pthread_cond_timedwait(&c->cond, &c->lock, &deadline);
        if (!c->running) {
                r = c->result;
                *ret_seconds = c->seconds;
        } else
                r = -ETIMEDOUT;
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* data_dir, or its nearest existing ancestor (K3s may not be installed yet). */
static int open_existing_dir(const struct sysroot *sr, const char *data_dir, char **ret_path) {
        _cleanup_free_ char *p = strdup(data_dir);
        int fd;

        if (!p)
                return -ENOMEM;
        for (;;) {
                char *slash;

                fd = sysroot_open(sr, p, O_RDONLY | O_DIRECTORY, 0);
                if (fd >= 0 || fd != -ENOENT || streq(p, "/"))
                        break;
                slash = strrchr(p, '/');
                if (slash == p)
                        p[1] = 0;
                else
                        *slash = 0;
        }
        if (fd >= 0)
                *ret_path = TAKE_PTR(p);
        return fd;
}

int disk_probe_run(struct disk_probe *dp, const struct sysroot *sr, const char *data_dir, unsigned timeout_ms,
                   struct disk_result *ret) {
        struct disk_result res = { .canary_err = -ENODATA };
        _cleanup_close_ int fd = -1;
        struct statvfs st;

        fd = open_existing_dir(sr, data_dir, &res.path);
        if (fd < 0) {
                res.err = fd;
                *ret = res;
                return 0;
        }
        if (fstatvfs(fd, &st) < 0) {
                res.err = -errno;
                *ret = res;
                return 0;
        }
        res.size_bytes = (uint64_t) st.f_blocks * st.f_frsize;
        res.avail_bytes = (uint64_t) st.f_bavail * st.f_frsize;
        res.files = st.f_files;
        res.files_avail = st.f_favail;
        res.readonly = st.f_flag & ST_RDONLY;
        res.exists = streq(res.path, data_dir);
        if (!res.exists)
                res.canary_err = -ENOENT;       /* not ours to write */
        else if (res.readonly)
                res.canary_err = -EROFS;        /* no point writing */
        else
                res.canary_err = canary_run(dp->c, TAKE_FD(fd), timeout_ms, &res.canary_seconds,
                                            &res.stuck_seconds);
        *ret = res;
        return 0;
}

void disk_result_done(struct disk_result *r) {
        free(r->path);
        r->path = NULL;
}
