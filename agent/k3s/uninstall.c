/* SPDX-License-Identifier: MIT */
/*
 * k3s uninstall: stop and disable the unit, then remove exactly what the
 * manifest says install wrote, and only while it still has the hash we wrote
 * (an operator's edit is kept and reported). --purge also removes the data
 * directories K3s itself created.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "blob.h"
#include "k3s.h"
#include "manifest.h"
#include "systemd.h"

/* Remove dirfd/name recursively, never crossing into another filesystem
 * (a kubelet volume mount must not be emptied through us). */
static int rm_rf_at(int parent, const char *name, dev_t dev) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        if (st.st_dev != dev)
                return -EBUSY;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;        /* owned by d now */
        while ((de = readdir(d))) {
                int k;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                k = rm_rf_at(dirfd(d), de->d_name, dev);
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        if (r < 0)
                return r;
        return unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

static int purge_path(const struct sysroot *sr, const char *path, struct k3s_result *res) {
        _cleanup_close_ int pfd = -1;
        const char *base;
        struct stat st;
        int r;

        pfd = sysroot_open_parent(sr, path, &base);
        if (pfd == -ENOENT)
                return 0;
        if (pfd < 0)
                return pfd;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        r = rm_rf_at(pfd, base, st.st_dev);
        if (r < 0)
                k3s_step(res, "purge", "failed", "%s: %s", path, strerror(-r));
        else {
                k3s_step(res, "purge", "changed", "%s removed", path);
                res->changed = true;
        }
        return r;
}

static void remove_files(const struct sysroot *sr, const struct k3s_manifest *m, struct k3s_result *res) {
        json_object *files;

        if (!json_object_object_get_ex(m->obj, "files", &files) || !json_object_is_type(files, json_type_object))
                return;
        json_object_object_foreach(files, path, v) {
                _cleanup_close_ int dfd = -1;
                const char *base;
                char have[65];
                int r;

                if (path[0] != '/')
                        continue;
                dfd = sysroot_open_parent(sr, path, &base);
                if (dfd < 0 || blob_hash_file(dfd, base, have) < 0) {
                        k3s_step(res, "remove", "unchanged", "%s already gone", path);
                        continue;
                }
                if (!streq(have, json_object_get_string(v))) {
                        k3s_step(res, "remove", "skipped", "%s changed since install (sha256 %s); kept", path, have);
                        continue;
                }
                r = sysroot_unlink(sr, path);
                k3s_step(res, "remove", r < 0 ? "failed" : "changed", "%s%s%s", path, r < 0 ? ": " : "",
                         r < 0 ? strerror(-r) : "");
                if (r >= 0)
                        res->changed = true;
        }
}

static void remove_links(const struct sysroot *sr, const struct k3s_manifest *m, struct k3s_result *res) {
        json_object *links;

        if (!json_object_object_get_ex(m->obj, "links", &links) || !json_object_is_type(links, json_type_array))
                return;
        for (size_t i = 0; i < json_object_array_length(links); i++) {
                const char *path = json_object_get_string(json_object_array_get_idx(links, i));
                _cleanup_close_ int dfd = -1;
                const char *base;
                char target[64];
                ssize_t n;

                if (!path || path[0] != '/')
                        continue;
                dfd = sysroot_open_parent(sr, path, &base);
                if (dfd < 0)
                        continue;
                n = readlinkat(dfd, base, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                if (!streq(target, "k3s")) {
                        k3s_step(res, "remove", "skipped", "%s now points to %s; kept", path, target);
                        continue;
                }
                if (unlinkat(dfd, base, 0) == 0) {
                        k3s_step(res, "remove", "changed", "%s", path);
                        res->changed = true;
                }
        }
}

int k3s_uninstall(const struct sysroot *sr, bool purge, struct k3s_result *res) {
        static const char *const purge_paths[] = {
                K3S_DATA_DIR, "/var/lib/kubelet", "/run/k3s", "/run/flannel", "/etc/rancher/node",
                K3S_CONFIG_DIR "/k3s.yaml",
        };
        struct k3s_manifest m = {};
        const char *unit;
        int r;

        r = k3s_manifest_load(sr, &m);
        if (r == -ENOENT) {
                k3s_step(res, "manifest", "unchanged", "no %s: nothing installed by nodeprep", K3S_MANIFEST);
                if (!purge)
                        return 0;
        } else if (r < 0) {
                k3s_step(res, "manifest", "failed", "%s: %s", K3S_MANIFEST, strerror(-r));
                return r;
        }
        if (m.obj) {
                const char *role = k3s_manifest_get(&m, "role");

                if (role)
                        (void) k3s_role_from_string(role, &res->role);
                unit = k3s_manifest_get(&m, "unit");
                if (unit && k3s_systemd_available(sr)) {
                        r = k3s_systemd_stop_disable(unit, 120);
                        k3s_step(res, "stop", r < 0 ? "failed" : "changed", "%s stopped and disabled%s", unit,
                                 r < 0 ? " (stop timed out)" : "");
                } else if (unit)
                        k3s_step(res, "stop", "skipped", "no systemd as PID 1: %s not stopped", unit);
                remove_files(sr, &m, res);
                remove_links(sr, &m, res);
                if (k3s_systemd_available(sr))
                        (void) k3s_systemd_reload();
        }
        if (purge)
                for (size_t i = 0; i < ELEMENTSOF(purge_paths); i++)
                        (void) purge_path(sr, purge_paths[i], res);
        /* Directories only we filled; rmdir fails harmlessly when not empty. */
        {
                _cleanup_close_ int dfd = sysroot_open(sr, K3S_CONFIG_DIR, O_DIRECTORY | O_RDONLY, 0);

                if (dfd >= 0) {
                        (void) unlinkat(dfd, "config.yaml.d", AT_REMOVEDIR);
                        if (purge) {
                                _cleanup_close_ int pfd = sysroot_open(sr, "/etc/rancher", O_DIRECTORY | O_RDONLY, 0);

                                if (pfd >= 0)
                                        (void) unlinkat(pfd, "k3s", AT_REMOVEDIR);
                        }
                }
        }
        if (m.obj) {
                r = sysroot_unlink(sr, K3S_MANIFEST);
                if (r >= 0)
                        k3s_step(res, "manifest", "changed", "%s removed", K3S_MANIFEST);
        }
        k3s_manifest_done(&m);
        return 0;
}
