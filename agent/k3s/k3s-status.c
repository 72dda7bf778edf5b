/* SPDX-License-Identifier: MIT */
/* k3s status: what install recorded, then the readiness ladder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "k3s.h"
#include "manifest.h"
#include "ready.h"

int k3s_status(const struct sysroot *sr, unsigned wait_sec, struct k3s_result *res) {
        _cleanup_free_ char *err = NULL;
        struct k3s_manifest m = {};
        const char *role, *version;
        int r;

        r = k3s_manifest_load(sr, &m, &err);
        if (r == -ENOENT) {
                k3s_step(res, "installed", K3S_STEP_FAILED, "no %s: K3s was not installed by nodeprep", K3S_MANIFEST);
                res->error = strdup("K3s is not installed by nodeprep");
                return -ENOENT;
        }
        if (r < 0) {
                k3s_step(res, "installed", K3S_STEP_FAILED, "%s", err ? err : strerror(-r));
                res->error = err ? strdup(err) : NULL;
                return r == -EBADMSG ? -EINVAL : r;
        }
        role = k3s_manifest_get(&m, "role");
        version = k3s_manifest_get(&m, "version");
        if (role)
                (void) k3s_role_from_string(role, &res->role);
        if (version)
                res->version = strdup(version);
        k3s_step(res, "installed", K3S_STEP_OK, "%s %s (%s)", k3s_role_to_string(res->role), version ? version : "?",
                 k3s_unit_name(res->role));
        r = k3s_ready_ladder(sr, &(struct k3s_ready_target) {
                        .role = res->role,
                        .server = k3s_manifest_get(&m, "server"),
                        .traefik_disabled = k3s_manifest_get_bool(&m, "traefik_disabled"),
                }, wait_sec, res);
        k3s_manifest_done(&m);
        return r;
}
