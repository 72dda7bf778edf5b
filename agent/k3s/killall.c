/* SPDX-License-Identifier: MIT */
#include "killall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/dir-walk.h"
#include "../basic/parse.h"
#include "../shared/bus-unit.h"
#include "../shared/dl-mount.h"
#include "../shared/dl-nl.h"

#define PROC_SCAN_MAX 65536
#define TOOL_OUTPUT_MAX (64u << 20)
#define TOOL_TIMEOUT_MS 30000
#define SHIM_WAIT_MS 10000

static void failed_add(char ***failed, const char *what) {
        (void) strv_extend(failed, what);
}

/* A directory under the root as a DIR; NULL (errno set) when it cannot be. */
static DIR *opendir_at(const struct sysroot *sr, const char *path) {
        int fd = sysroot_open(sr, path, O_DIRECTORY | O_RDONLY, 0);
        DIR *d;

        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        d = fdopendir(fd);
        if (!d)
                close(fd);
        return d;
}

/* ---- 1. units ---------------------------------------------------------- */

static bool unit_file_name(const char *n) {
        size_t l = strlen(n);

        if (!string_has_prefix(n, "k3s") || l < 11 || !streq(n + l - 8, ".service"))
                return false;
        for (const char *p = n; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
                        return false;
        return true;
}

static void stop_units(const struct sysroot *sr, struct k3s_result *res, char ***failed) {
        DIR *d = opendir_at(sr, K3S_SYSTEMD_DIR);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                struct stat st;

                /* install.sh: [ -s $service ] && systemctl stop */
                if (!unit_file_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
                    !S_ISREG(st.st_mode) || st.st_size == 0)
                        continue;
                if (unit_stop(de->d_name, 120) < 0) {
                        k3s_step(res, "killall", K3S_STEP_FAILED, "stop %s: timed out", de->d_name);
                        failed_add(failed, de->d_name);
                } else
                        k3s_step(res, "killall", K3S_STEP_OK, "%s stopped", de->d_name);
        }
        closedir(d);
}

/* ---- 2. shim trees ----------------------------------------------------- */

bool k3s_cmdline_is_shim(const char *cmdline, size_t size, const char *data_dir) {
        size_t dl = strlen(data_dir);

        for (const char *a = cmdline; a < cmdline + size; a += strlen(a) + 1) {
                const char *p, *slash;

                if (!memchr(a, 0, (size_t) (cmdline + size - a)))
                        return false;   /* an unterminated last argument */
                if (!strneq(a, data_dir, dl) || !string_has_prefix(a + dl, "/data/"))
                        continue;
                p = a + dl + strlen("/data/");
                slash = strchr(p, '/');
                if (slash && slash > p && string_has_prefix(slash, "/bin/containerd-shim"))
                        return true;
        }
        return false;
}

struct proc {
        pid_t pid, ppid;
        bool shim;
};

/* /proc/PID/stat is one line of about 300 bytes. */
#define PROC_STAT_MAX 4096
/* A containerd-shim's argv (-namespace k8s.io -id ... -address ...) is
 * well under 1 KiB; 128 KiB (MAX_ARG_STRLEN) also fits any other process. */
#define PROC_CMDLINE_MAX (128u * 1024)

static int proc_scan(const struct sysroot *sr, struct proc **ret, size_t *ret_n) {
        _cleanup_free_ struct proc *list = NULL;
        DIR *d = opendir_at(sr, "/proc");
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d)) && n < PROC_SCAN_MAX) {
                _cleanup_free_ char *stat = NULL, *cmd = NULL;
                char path[300];
                uint64_t pid;
                size_t size = 0;
                const char *rp;
                struct proc *grown;
                int ppid;

                if (safe_atou64(de->d_name, &pid) < 0 || pid == 0 || pid > INT32_MAX)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                if (sysroot_read_file(sr, path, PROC_STAT_MAX, &stat, NULL) < 0 || !(rp = strrchr(stat, ')')) ||
                    sscanf(rp + 1, " %*c %d", &ppid) != 1)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                (void) sysroot_read_file(sr, path, PROC_CMDLINE_MAX, &cmd, &size);
                grown = reallocarray(list, n + 1, sizeof(*list));
                if (!grown) {
                        closedir(d);
                        return -ENOMEM;
                }
                list = grown;
                list[n++] = (struct proc) { .pid = (pid_t) pid, .ppid = ppid,
                                            .shim = cmd && k3s_cmdline_is_shim(cmd, size, K3S_DATA_DIR) };
        }
        closedir(d);
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

/* The shims and all their descendants (install.sh's pstree of getshims). */
static size_t mark_trees(struct proc *p, size_t n, pid_t *out) {
        size_t k = 0;
        bool grew = true;

        for (size_t i = 0; i < n; i++)
                if (p[i].shim)
                        out[k++] = p[i].pid;
        while (grew) {
                grew = false;
                for (size_t i = 0; i < n; i++) {
                        bool in = false, parent_in = false;

                        for (size_t j = 0; j < k; j++) {
                                in = in || out[j] == p[i].pid;
                                parent_in = parent_in || out[j] == p[i].ppid;
                        }
                        if (!in && parent_in) {
                                out[k++] = p[i].pid;
                                grew = true;
                        }
                }
        }
        return k;
}

static bool pid_alive(const struct sysroot *sr, pid_t pid) {
        _cleanup_free_ char *stat = NULL;
        char path[64];
        const char *rp;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (sysroot_read_file(sr, path, PROC_STAT_MAX, &stat, NULL) < 0 || !(rp = strrchr(stat, ')')))
                return false;
        /* A zombie is dead; its new parent (systemd) reaps it. */
        return rp[1] && rp[2] != 'Z' && rp[2] != 'X';
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void kill_shims(const struct sysroot *sr, struct k3s_result *res, char ***failed) {
        _cleanup_free_ struct proc *procs = NULL;
        _cleanup_free_ pid_t *tree = NULL;
        size_t n = 0, k;
        uint64_t deadline = now_ms() + SHIM_WAIT_MS;
        unsigned alive;

        if (proc_scan(sr, &procs, &n) < 0) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "cannot read /proc");
                failed_add(failed, "/proc");
                return;
        }
        tree = calloc(n + 1, sizeof(pid_t));
        if (!tree)
                return;
        k = mark_trees(procs, n, tree);
        if (k == 0) {
                k3s_step(res, "killall", K3S_STEP_UNCHANGED, "no containerd-shim under " K3S_DATA_DIR "/data");
                return;
        }
        for (size_t i = 0; i < k; i++)
                (void) kill(tree[i], SIGKILL);
        do {
                struct timespec ts = { 0, 100 * 1000000L };

                alive = 0;
                for (size_t i = 0; i < k; i++)
                        alive += pid_alive(sr, tree[i]);
                if (alive)
                        nanosleep(&ts, NULL);
        } while (alive && now_ms() < deadline);
        if (alive) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "%u of %zu shim processes still alive after SIGKILL", alive, k);
                failed_add(failed, "containerd-shim processes");
        } else
                k3s_step(res, "killall", K3S_STEP_CHANGED, "killed %zu processes of containerd-shim trees", k);
        res->changed = true;
}

/* ---- 3. mounts --------------------------------------------------------- */

static int rm_rf_entry(int dfd, const struct dirent *de, void *userdata) {
        const dev_t *dev = userdata;

        return k3s_rm_rf_at(dfd, de->d_name, *dev);
}

int k3s_rm_rf_at(int parent, const char *name, dev_t dev) {
        struct stat st;
        int r;

        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        if (st.st_dev != dev)
                return -EBUSY;
        r = dir_walk_at(parent, name, /* keep_going= */ true, rm_rf_entry, &dev);
        if (r < 0)
                return r;
        return unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int k3s_rm_rf(const struct sysroot *sr, const char *path) {
        _cleanup_close_ int pfd = -1;
        const char *base;
        struct stat st;

        pfd = sysroot_open_parent(sr, path, &base);
        if (pfd == -ENOENT)
                return 0;
        if (pfd < 0)
                return pfd;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        return k3s_rm_rf_at(pfd, base, st.st_dev);
}

static void mnt_unref_tablep(struct libmnt_table **t) {
        if (*t)
                mnt_unref_table(*t);
}

static void mnt_free_iterp(struct libmnt_iter **i) {
        if (*i)
                mnt_free_iter(*i);
}

static int cmp_desc(const void *a, const void *b) {
        return strcmp(*(char * const *) b, *(char * const *) a);
}

/* Mount points at or under the prefixes, deepest first (sort -r). */
static int mounts_under(const struct sysroot *sr, const char *const *prefixes, size_t np, char ***ret) {
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = NULL;
        _cleanup_strv_free_ char **list = NULL;
        struct libmnt_fs *fs;
        int r;

        r = dlopen_mount(NULL);
        if (r < 0)
                return r;
        tb = mnt_new_table();
        it = mnt_new_iter(MNT_ITER_FORWARD);
        if (!tb || !it)
                return -ENOMEM;
        r = sysroot_host_path(sr, "/proc/self/mountinfo", &path);
        if (r < 0)
                return r;
        r = mnt_table_parse_file(tb, path);
        if (r < 0)
                return r;
        while (mnt_table_next_fs(tb, it, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs);

                for (size_t i = 0; t && i < np; i++)
                        if (string_has_prefix(t, prefixes[i]) && !strv_contains(list, t) &&
                            (r = strv_extend(&list, t)) < 0)
                                return r;
        }
        if (list)
                qsort(list, strv_length(list), sizeof(char *), cmp_desc);
        *ret = TAKE_PTR(list);
        return 0;
}

static void unmount_and_remove(const struct sysroot *sr, struct k3s_result *res, char ***failed) {
        static const char *const prefixes[] = {
                "/run/k3s", "/var/lib/kubelet/pods", "/var/lib/kubelet/plugins", "/run/netns/cni-",
        };
        _cleanup_strv_free_ char **mounts = NULL;
        unsigned done = 0;
        int r;

        r = mounts_under(sr, prefixes, ELEMENTSOF(prefixes), &mounts);
        if (r < 0) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "/proc/self/mountinfo: %s", strerror(-r));
                failed_add(failed, "/proc/self/mountinfo");
                return;
        }
        for (char **m = mounts; m && *m; m++) {
                if (umount2(*m, 0) < 0 && errno != EINVAL && errno != ENOENT &&
                    umount2(*m, MNT_FORCE) < 0 && errno != EINVAL && errno != ENOENT) {
                        k3s_step(res, "killall", K3S_STEP_FAILED, "umount %s: %m", *m);
                        failed_add(failed, *m);
                        continue;
                }
                /* install.sh: umount "$0" && rm -rf "$0" */
                r = k3s_rm_rf(sr, *m);
                if (r < 0)
                        k3s_step(res, "killall", K3S_STEP_FAILED, "rm -rf %s after umount: %s", *m, strerror(-r));
                done++;
        }
        if (done)
                k3s_step(res, "killall", K3S_STEP_CHANGED, "unmounted %u mounts under /run/k3s, /var/lib/kubelet, "
                         "/run/netns/cni-*", done);
        res->changed = res->changed || done > 0;
}

/* ---- 4. namespaces and links ------------------------------------------- */

static void remove_netns(const struct sysroot *sr, struct k3s_result *res, char ***failed) {
        DIR *d = opendir_at(sr, "/run/netns");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                if (!string_has_prefix(de->d_name, "cni-"))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        k3s_step(res, "killall", K3S_STEP_FAILED, "/run/netns/%s: %m", de->d_name);
                        failed_add(failed, de->d_name);
                } else {
                        k3s_step(res, "killall", K3S_STEP_CHANGED, "network namespace %s removed", de->d_name);
                        res->changed = true;
                }
        }
        closedir(d);
}

struct link_walk {
        int cni0;
        int *victims;
        size_t n, max;
};

static void collect_enslaved(struct nl_object *obj, void *userdata) {
        struct rtnl_link *l = (struct rtnl_link *) obj;
        struct link_walk *w = userdata;

        if (w->cni0 > 0 && rtnl_link_get_master(l) == w->cni0 && w->n < w->max)
                w->victims[w->n++] = rtnl_link_get_ifindex(l);
}

static void nl_socket_freep(struct nl_sock **s) {
        if (*s)
                nl_socket_free(*s);
}

static void nl_cache_freep(struct nl_cache **c) {
        if (*c)
                nl_cache_free(*c);
}

static int delete_link(struct nl_sock *sk, struct nl_cache *cache, int ifindex, char *name, size_t size) {
        struct rtnl_link *l = rtnl_link_get(cache, ifindex);
        int r;

        if (!l)
                return -ENODEV;
        snprintf(name, size, "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "?");
        r = rtnl_link_delete(sk, l);
        rtnl_link_put(l);
        return r < 0 ? -EIO : 0;
}

static void remove_links(struct k3s_result *res, char ***failed) {
        /* install.sh remove_interfaces(): the links K3s's flannel and
         * kube-proxy make. */
        static const char *const names[] = {
                "cni0", "flannel.1", "flannel-v6.1", "kube-ipvs0", "flannel-wg", "flannel-wg-v6",
        };
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        int victims[256];
        struct link_walk w = { .victims = victims, .max = ELEMENTSOF(victims) };
        const char *err = NULL;

        if (dlopen_nl(&err) < 0 || !(sk = nl_socket_alloc()) || nl_connect(sk, NETLINK_ROUTE) < 0 ||
            rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "netlink: %s", err ? err : "cannot list links");
                failed_add(failed, "network links");
                return;
        }
        w.cni0 = rtnl_link_name2i(cache, "cni0");
        nl_cache_foreach(cache, collect_enslaved, &w);
        for (size_t i = 0; i < ELEMENTSOF(names) && w.n < w.max; i++) {
                int idx = rtnl_link_name2i(cache, names[i]);

                if (idx > 0)
                        victims[w.n++] = idx;
        }
        for (size_t i = 0; i < w.n; i++) {
                char name[64];

                if (delete_link(sk, cache, victims[i], name, sizeof(name)) < 0) {
                        k3s_step(res, "killall", K3S_STEP_FAILED, "delete link %s", name);
                        failed_add(failed, name);
                } else {
                        k3s_step(res, "killall", K3S_STEP_CHANGED, "link %s deleted", name);
                        res->changed = true;
                }
        }
}

/* ---- 6. iptables ------------------------------------------------------- */

bool k3s_iptables_line_kept(const char *line) {
        /* grep -v KUBE- | grep -v CNI- | grep -iv flannel */
        return !strstr(line, "KUBE-") && !strstr(line, "CNI-") && !strcasestr(line, "flannel");
}

/* Run argv with input on stdin (may be NULL), stdout captured (capped),
 * stderr dropped; our own deadline. 0 when it exited 0. */
static int run_tool(const char *const *argv, const char *input, char **ret_out) {
        _cleanup_free_ char *out = NULL;
        posix_spawn_file_actions_t fa;
        int in[2] = { -1, -1 }, o[2] = { -1, -1 }, status = 0, r = 0;
        size_t len = 0, in_off = 0, in_len = input ? strlen(input) : 0;
        uint64_t deadline = now_ms() + TOOL_TIMEOUT_MS;
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0) {
                r = -errno;
                goto finish;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, o[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        r = -posix_spawn(&pid, argv[0], &fa, NULL, (char * const *) argv, (char *[]) { (char *) "LC_ALL=C", NULL });
        posix_spawn_file_actions_destroy(&fa);
        close(in[0]);
        close(o[1]);
        in[0] = o[1] = -1;
        if (r < 0)
                goto finish;
        if (in_len == 0) {
                close(in[1]);
                in[1] = -1;
        }
        while (o[0] >= 0 && now_ms() < deadline) {
                struct pollfd p[2] = { { .fd = o[0], .events = POLLIN }, { .fd = in[1], .events = POLLOUT } };
                char buf[65536];
                ssize_t n;

                if (poll(p, in[1] >= 0 ? 2 : 1, 500) < 0 && errno != EINTR)
                        break;
                if (in[1] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
                        n = write(in[1], input + in_off, in_len - in_off);
                        if (n > 0)
                                in_off += (size_t) n;
                        if (n < 0 || in_off >= in_len) {
                                close(in[1]);
                                in[1] = -1;
                        }
                }
                if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                n = read(o[0], buf, sizeof(buf));
                if (n <= 0) {
                        close(o[0]);
                        o[0] = -1;
                        break;
                }
                if (len + (size_t) n > TOOL_OUTPUT_MAX) {
                        r = -EFBIG;
                        break;
                }
                char *grown = realloc(out, len + (size_t) n + 1);
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                out = grown;
                memcpy(out + len, buf, (size_t) n);
                len += (size_t) n;
                out[len] = 0;
        }
        if (o[0] >= 0 && r == 0)
                r = -ETIMEDOUT;
        if (r < 0)
                (void) kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                r = -EIO;
finish:
        for (int *fd = (int[]) { in[0], in[1], o[0], o[1] }, i = 0; i < 4; i++)
                if (fd[i] >= 0)
                        close(fd[i]);
        if (r >= 0 && ret_out)
                *ret_out = out ? TAKE_PTR(out) : strdup("");
        return r;
}

/* The save output without K3s's rules; ret_dropped counts the lines. */
static int filter_rules(const char *saved, char **ret, unsigned *ret_dropped) {
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        unsigned dropped = 0;
        FILE *f = open_memstream(&out, &size);

        if (!f)
                return -ENOMEM;
        for (const char *p = saved; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t) (nl - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, n);

                if (!line) {
                        fclose(f);
                        return -ENOMEM;
                }
                if (k3s_iptables_line_kept(line))
                        fprintf(f, "%s\n", line);
                else
                        dropped++;
                p += n + (nl ? 1 : 0);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        *ret_dropped = dropped;
        return 0;
}

static void flush_rules(const struct sysroot *sr, const char *family, struct k3s_result *res, char ***failed) {
        static const char *const dirs[] = { "/usr/sbin", "/sbin" };
        char save[64] = "", restore[64] = "";
        _cleanup_free_ char *saved = NULL, *kept = NULL, *again = NULL;
        unsigned dropped = 0, left = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(dirs) && !save[0]; i++) {
                char a[64], b[64];

                snprintf(a, sizeof(a), "%s/%s-save", dirs[i], family);
                snprintf(b, sizeof(b), "%s/%s-restore", dirs[i], family);
                if (sysroot_access(sr, a, X_OK) >= 0 && sysroot_access(sr, b, X_OK) >= 0) {
                        memcpy(save, a, sizeof(a));
                        memcpy(restore, b, sizeof(b));
                }
        }
        if (!save[0]) {
                k3s_step(res, "killall", K3S_STEP_SKIPPED, "no %s-save/%s-restore: no %s rules to remove", family, family,
                          family);
                return;
        }
        r = run_tool((const char *[]) { save, NULL }, NULL, &saved);
        if (r >= 0)
                r = filter_rules(saved, &kept, &dropped);
        if (r >= 0 && dropped > 0)
                r = run_tool((const char *[]) { restore, NULL }, kept, NULL);
        /* Proof, not hope: what is left after the restore. */
        if (r >= 0 && dropped > 0 && (r = run_tool((const char *[]) { save, NULL }, NULL, &again)) >= 0) {
                free(kept);
                kept = NULL;
                r = filter_rules(again, &kept, &left);
        }
        if (r < 0 || left > 0) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "%s: %s", family,
                         r < 0 ? strerror(-r) : "KUBE-/CNI-/flannel rules still present after restore");
                failed_add(failed, family);
                return;
        }
        k3s_step(res, "killall", dropped ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, "%s: %u KUBE-/CNI-/flannel rule lines removed",
                 family, dropped);
        res->changed = res->changed || dropped > 0;
}

int k3s_killall(const struct sysroot *sr, struct k3s_result *res, char ***failed) {
        int r;

        if (!sr->live) {
                k3s_step(res, "killall", K3S_STEP_SKIPPED, "--root: no live processes, mounts or links");
                return 0;
        }
        if (unit_manager_available(sr))
                stop_units(sr, res, failed);
        kill_shims(sr, res, failed);
        unmount_and_remove(sr, res, failed);
        remove_netns(sr, res, failed);
        remove_links(res, failed);
        r = k3s_rm_rf(sr, "/var/lib/cni");
        if (r < 0) {
                k3s_step(res, "killall", K3S_STEP_FAILED, "/var/lib/cni: %s", strerror(-r));
                failed_add(failed, "/var/lib/cni");
        }
        flush_rules(sr, "iptables", res, failed);
        flush_rules(sr, "ip6tables", res, failed);
        return 0;
}

void k3s_result_failed_list(struct k3s_result *res, char * const *failed) {
        _cleanup_free_ char *list = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&list, &size);

        if (!f)
                return;
        for (char * const *p = failed; p && *p; p++)
                fprintf(f, "%s%s", p == failed ? "" : ", ", *p);
        if (fclose(f) != 0)
                return;
        free(res->error);
        if (asprintf(&res->error, "could not remove: %s (see the failed steps)", list) < 0)
                res->error = NULL;
}

int k3s_killall_run(const struct sysroot *sr, struct k3s_result *res) {
        _cleanup_strv_free_ char **failed = NULL;

        (void) k3s_killall(sr, res, &failed);
        if (!failed)
                return 0;
        k3s_result_failed_list(res, failed);
        return -EIO;
}
