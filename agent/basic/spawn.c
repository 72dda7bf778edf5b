/* SPDX-License-Identifier: MIT */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until EOF, the cap or the deadline. */
static int read_output(int fd, const struct spawn_options *o, char **ret, size_t *ret_size) {
        long long deadline = now_ms() + o->timeout_ms;
        _cleanup_free_ char *buf = malloc(o->max_output + 1);
        size_t n = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t k;

                if (left <= 0)
                        return -ETIMEDOUT;
                if (poll(&p, 1, (int) left) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p.revents == 0)
                        continue;
                k = read(fd, buf + n, o->max_output + 1 - n);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > o->max_output)
                        return -EFBIG;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

int spawn_capture(char *const argv[], const struct spawn_options *o, char **ret_output, int *ret_status) {
        posix_spawn_file_actions_t fa;
        _cleanup_free_ char *out = NULL;
        int pipefd[2], status = 0, r;
        size_t n = 0;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        if (o->pass_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, o->pass_fd, 3);
        r = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r < 0) {
                close(pipefd[0]);
                return r;
        }
        r = read_output(pipefd[0], o, &out, &n);
        close(pipefd[0]);
        if (r < 0)
                kill(pid, SIGKILL);     /* over the cap or the deadline: it must not linger */
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        /* posix_spawnp() reports a missing program as exit status 127 of the child. */
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && n == 0)
                return -ENOENT;
        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        *ret_output = TAKE_PTR(out);
        return 0;
}
