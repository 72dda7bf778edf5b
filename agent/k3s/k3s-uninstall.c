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
#include "../basic/parse.h"
#include "../shared/blob.h"
#include "../shared/bus-unit.h"
#include "k3s.h"
#include "killall.h"
#include "manifest.h"

static int purge_path(const struct sysroot *sr, const char *path, struct k3s_result *res) {
        int r;

        if (sysroot_access(sr, path, F_OK) < 0)
                return 0;
        r = k3s_rm_rf(sr, path);
        if (r < 0)
                k3s_step(res, "purge", K3S_STEP_FAILED, "%s: %s", path, strerror(-r));
        else {
                k3s_step(res, "purge", K3S_STEP_CHANGED, "%s removed", path);
                res->changed = true;
        }
        return r;
}

/* The manifest was validated on load: every path is one install writes. */
static bool is_script(const char *path) {
        return string_has_prefix(path, K3S_BIN_DIR "/k3s") && strlen(path) > 3 &&
               streq(path + strlen(path) - 3, ".sh");
}

static void remove_files(const struct sysroot *sr, const struct k3s_manifest *m, struct k3s_result *res,
                         bool keep_scripts, char ***failed) {
        json_object *files;

        if (!json_object_object_get_ex(m->obj, "files", &files) || !json_object_is_type(files, json_type_object))
                return;
        json_object_object_foreach(files, path, v) {
                _cleanup_close_ int dfd = -1;
                const char *base, *want = k3s_manifest_file_hash(m, path);
                char have[65];
                int r;

                (void) v;
                if (!k3s_manifest_path_allowed(path))
                        continue;
                if (keep_scripts && is_script(path)) {
                        k3s_step(res, "remove", K3S_STEP_SKIPPED, "%s kept: run it again once the failures are fixed", path);
                        continue;
                }
                dfd = sysroot_open_parent(sr, path, &base);
                if (dfd < 0 || blob_hash_file(dfd, base, have) < 0) {
                        k3s_step(res, "remove", K3S_STEP_UNCHANGED, "%s already gone", path);
                        continue;
                }
                if (!want || !streq(have, want)) {
                        k3s_step(res, "remove", K3S_STEP_SKIPPED, "%s changed since install (sha256 %s); kept", path, have);
                        continue;
                }
                r = sysroot_unlink(sr, path);
                k3s_step(res, "remove", r < 0 ? K3S_STEP_FAILED : K3S_STEP_CHANGED, "%s%s%s", path, r < 0 ? ": " : "",
                         r < 0 ? strerror(-r) : "");
                if (r >= 0)
                        res->changed = true;
                else
                        (void) strv_extend(failed, path);
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
                char target[256];
                ssize_t n;

                if (!path || !k3s_manifest_link_allowed(path))
                        continue;
                dfd = sysroot_open_parent(sr, path, &base);
                if (dfd < 0)
                        continue;
                n = readlinkat(dfd, base, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                /* Ours: -> k3s, or a wants link -> /etc/systemd/system/k3s*.service. */
                if (!streq(target, "k3s") && !(string_has_prefix(target, K3S_SYSTEMD_DIR "/") &&
                                               k3s_manifest_unit_allowed(target + strlen(K3S_SYSTEMD_DIR "/")))) {
                        k3s_step(res, "remove", K3S_STEP_SKIPPED, "%s now points to %s; kept", path, target);
                        continue;
                }
                if (unlinkat(dfd, base, 0) == 0) {
                        k3s_step(res, "remove", K3S_STEP_CHANGED, "%s", path);
                        res->changed = true;
                }
        }
}

int k3s_uninstall(const struct sysroot *sr, bool purge, struct k3s_result *res) {
        static const char *const purge_paths[] = {
                K3S_DATA_DIR, "/var/lib/kubelet", "/run/k3s", "/run/flannel", "/etc/rancher/node",
                K3S_CONFIG_DIR "/k3s.yaml",
        };
        _cleanup_strv_free_ char **failed = NULL;
        _cleanup_free_ char *err = NULL;
        struct k3s_manifest m = {};
        const char *unit;
        int r;

        r = k3s_manifest_load(sr, &m, &err);
        if (r == -ENOENT) {
                k3s_step(res, "manifest", K3S_STEP_UNCHANGED, "no %s: nothing installed by nodeprep", K3S_MANIFEST);
                if (!purge)
                        return 0;
        } else if (r < 0) {
                /* Tampered or broken: nothing is stopped, nothing removed. */
                k3s_step(res, "manifest", K3S_STEP_FAILED, "%s", err ? err : strerror(-r));
                res->error = err ? strdup(err) : NULL;
                return r == -EBADMSG ? -EINVAL : r;
        }
        if (m.obj) {
                const char *role = k3s_manifest_get(&m, "role");

                if (role)
                        (void) k3s_role_from_string(role, &res->role);
                unit = k3s_manifest_get(&m, "unit");
                if (unit && unit_manager_available(sr)) {
                        r = unit_stop_disable(unit, 120);
                        k3s_step(res, "stop", r < 0 ? K3S_STEP_FAILED : K3S_STEP_CHANGED, "%s stopped and disabled%s", unit,
                                 r < 0 ? " (stop timed out)" : "");
                        if (r < 0)
                                (void) strv_extend(&failed, unit);
                } else if (unit)
                        k3s_step(res, "stop", K3S_STEP_SKIPPED, "no systemd as PID 1: %s not stopped", unit);
        }
        /* What k3s-killall.sh does: KillMode=process leaves the shims, their
         * mounts, links and rules behind a stopped unit. */
        (void) k3s_killall(sr, res, &failed);
        (void) k3s_clean_download_leftovers(sr, res);
        if (purge)
                for (size_t i = 0; i < ELEMENTSOF(purge_paths); i++)
                        if (purge_path(sr, purge_paths[i], res) < 0)
                                (void) strv_extend(&failed, purge_paths[i]);
        if (m.obj) {
                /* After a failure the scripts stay, so the operator can run
                 * k3s-uninstall.sh again once the cause is gone. */
                remove_files(sr, &m, res, !!failed, &failed);
                remove_links(sr, &m, res);
                if (unit_manager_available(sr))
                        (void) unit_daemon_reload();
        }
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
        /* Kept after a failure, so running uninstall again retries. */
        if (m.obj && !failed) {
                r = k3s_manifest_remove(sr);
                if (r >= 0)
                        k3s_step(res, "manifest", K3S_STEP_CHANGED, "%s removed", K3S_MANIFEST);
        }
        k3s_manifest_done(&m);
        if (failed) {
                k3s_result_failed_list(res, failed);
                return -EIO;
        }
        return 0;
}
