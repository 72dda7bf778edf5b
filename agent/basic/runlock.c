/* SPDX-License-Identifier: MIT */
#include "runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

static unsigned long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000 + (unsigned long long) ts.tv_nsec / 1000000;
}

/* What the holder wrote, made safe to print: the file is in /run but under
 * --root anyone who can write the fixture can write it. */
static void read_holder(int fd, struct run_lock_holder *ret) {
        char buf[sizeof(ret->text)];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        size_t j = 0;

        for (ssize_t i = 0; i < n && buf[i] != '\n'; i++)
                if (buf[i] >= 0x20 && buf[i] < 0x7f)
                        ret->text[j++] = buf[i];
        ret->text[j] = 0;
}

static int write_holder(int fd, const char *command) {
        char buf[sizeof(((struct run_lock_holder *) NULL)->text)];
        int n = snprintf(buf, sizeof(buf), "%d %s\n", (int) getpid(), command);

        if (n < 0)
                return -EINVAL;
        if ((size_t) n >= sizeof(buf))
                n = (int) sizeof(buf) - 1;
        if (ftruncate(fd, 0) < 0)
                return -errno;
        return pwrite(fd, buf, (size_t) n, 0) == n ? 0 : -EIO;
}

/* Sleep before the next try: short at first, so the second of two runs that
 * start together follows the first closely, then at most 100 ms. */
static void backoff(unsigned attempt, unsigned long long left_ms) {
        unsigned long long ms = attempt < 10 ? 5 : attempt < 40 ? 25 : 100;
        struct timespec ts;

        if (ms > left_ms)
                ms = left_ms;
        ts.tv_sec = (time_t) (ms / 1000);
        ts.tv_nsec = (long) (ms % 1000) * 1000000L;
        (void) nanosleep(&ts, NULL);
}

/* Open the lock file, creating it (and /run in a fixture without one). */
static int open_lock_file(const struct sysroot *sr, bool *made_run_dir) {
        int r;

        if (sysroot_access(sr, "/run", F_OK) == -ENOENT) {
                r = sysroot_mkdir_p(sr, "/run", 0755);
                if (r < 0)
                        return r;
                *made_run_dir = true;
        }
        /* O_NOFOLLOW: a symlink planted at the lock path is not followed to
         * create or truncate some other file. */
        return sysroot_open(sr, RUN_LOCK_PATH, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY, 0644);
}

/* After flock(): is fd still the file at the path, or did its holder remove
 * it between our open() and flock()? */
static bool still_linked(const struct sysroot *sr, int fd) {
        _cleanup_close_ int now = -1;
        struct stat a, b;

        now = sysroot_open(sr, RUN_LOCK_PATH, O_PATH | O_NOFOLLOW, 0);
        return now >= 0 && fstat(fd, &a) >= 0 && fstat(now, &b) >= 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int run_lock_acquire(const struct sysroot *sr, const char *command, unsigned long timeout_ms,
                     struct run_lock_holder *ret_holder, struct run_lock *ret) {
        unsigned long long deadline = now_ms() + timeout_ms;
        bool made_run_dir = false;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                _cleanup_close_ int fd = -1;
                unsigned long long now;

                fd = open_lock_file(sr, &made_run_dir);
                if (fd == -ENOENT && attempt < 1000)
                        continue;       /* the run before us removed the /run it had made */
                if (fd < 0)
                        return fd;
                if (flock(fd, LOCK_EX | LOCK_NB) >= 0) {
                        if (still_linked(sr, fd)) {
                                r = write_holder(fd, command);
                                if (r < 0)
                                        return r;
                                *ret = (struct run_lock) { .sr = sr, .fd = TAKE_FD(fd),
                                                           .made_run_dir = made_run_dir };
                                return 0;
                        }
                        continue;       /* removed by the run before us: take the new one */
                }
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                now = now_ms();
                if (now >= deadline) {
                        if (ret_holder)
                                read_holder(fd, ret_holder);
                        return -ETIMEDOUT;
                }
                backoff(attempt, deadline - now);
        }
}

void run_lock_release(struct run_lock *lock) {
        if (lock->fd < 0)
                return;
        /* Unlink while still holding it: a waiter that already has the old
         * file open sees it unlinked after its flock() and starts over. */
        (void) sysroot_unlink(lock->sr, RUN_LOCK_PATH);
        if (lock->made_run_dir) {
                _cleanup_close_ int root = sysroot_open(lock->sr, "/", O_DIRECTORY | O_PATH, 0);

                if (root >= 0)
                        (void) unlinkat(root, "run", AT_REMOVEDIR);  /* fails while another run uses it */
        }
        close(lock->fd);
        lock->fd = -1;
}
