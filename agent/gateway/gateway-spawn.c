/* SPDX-License-Identifier: MIT */
/*
 * The processes the gateway runs (nginx -t, certbot), each with a deadline:
 * stdin from /dev/null, stdout and stderr into one capped buffer, a clean
 * environment (PATH, LANG=C so nginx's messages are quotable, plus the
 * caller's extras such as REQUESTS_CA_BUNDLE), SIGKILL at the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "internal.h"

#define OUTPUT_MAX (64 * 1024)

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child(int out_fd, char * const *argv, char * const *extra_env) {
        char *env[16] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *) "LANG=C" };
        size_t n = 2;
        int in[2];

        for (size_t i = 0; extra_env && extra_env[i] && n < ELEMENTSOF(env) - 1; i++)
                env[n++] = extra_env[i];
        env[n] = NULL;
        /* stdin: a pipe already at end of file (certbot must never wait
         * for a prompt). */
        if (pipe2(in, O_CLOEXEC) < 0 || close(in[1]) < 0 || dup2(in[0], STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        execve(argv[0], argv, env);
        _exit(127);
}

int gw_spawn(char * const *argv, char * const *extra_env, unsigned timeout_sec, int *ret_status, char **ret_output) {
        _cleanup_free_ char *buf = malloc(OUTPUT_MAX + 1);
        int pipefd[2], status = 0;
        int64_t deadline = now_ms() + (int64_t) timeout_sec * 1000;
        size_t len = 0;
        bool killed = false;
        pid_t pid;

        if (!buf)
                return -ENOMEM;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0)
                child(pipefd[1], argv, extra_env);
        close(pipefd[1]);
        for (;;) {
                struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
                int64_t left = deadline - now_ms();
                char chunk[4096];
                ssize_t n;

                if (left <= 0) {
                        kill(pid, SIGKILL);
                        killed = true;
                        break;
                }
                if (poll(&p, 1, (int) (left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
                        break;
                if (!(p.revents & (POLLIN | POLLHUP)))
                        continue;
                n = read(pipefd[0], chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                /* Keep the head; the tail past the cap is dropped. */
                if (len < OUTPUT_MAX) {
                        size_t take = (size_t) n < OUTPUT_MAX - len ? (size_t) n : OUTPUT_MAX - len;

                        memcpy(buf + len, chunk, take);
                        len += take;
                }
        }
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        buf[len] = 0;
        *ret_status = killed ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (ret_output)
                *ret_output = TAKE_PTR(buf);
        return 0;
}
