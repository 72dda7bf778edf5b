/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "ladder.h"
#include "openfaas-files.h"
#include "record.h"

int openfaas_status(const struct sysroot *sr, unsigned wait_sec, struct openfaas_result *res) {
        _cleanup_free_ char *password = NULL;
        struct openfaas_record rec;
        struct kubeconfig kc = {};
        const char *want;
        char sha[65];
        bool api, fresh;
        int r;

        r = openfaas_record_load(sr, &rec);
        if (r == -ENOENT) {
                openfaas_step(res, "installed", STEP_FAILED, "nodeprep installed no OpenFaaS here (%s)", OPENFAAS_RECORD);
                return r;
        }
        if (r < 0)
                return openfaas_fail(res, r, "record", "%s: %s", OPENFAAS_RECORD, strerror(-r));
        res->edition = streq(openfaas_record_get(&rec, "edition") ?: "ce", "pro") ? "pro" : "ce";
        res->chart_version = strdup(openfaas_record_get(&rec, "chart_version") ?: "?");
        res->function_timeout_sec = (unsigned) openfaas_record_get_int(&rec, "function_timeout_sec", 0);
        want = openfaas_record_file(&rec, OPENFAAS_MANIFEST);
        r = openfaas_file_hash(sr, OPENFAAS_MANIFEST, sha);
        if (r < 0 || !want || !streq(sha, want))
                r = openfaas_fail(res, r < 0 ? r : -EBADMSG, "manifest", "%s %s", OPENFAAS_MANIFEST,
                                  r < 0 ? strerror(-r) : "changed since nodeprep wrote it");
        else
                openfaas_step(res, "manifest", STEP_OK, "%s sha256 %.12s... as written", OPENFAAS_MANIFEST, sha);
        if (r >= 0)
                r = openfaas_password_get(sr, &password, &fresh);
        if (r >= 0 && fresh)
                r = openfaas_fail(res, -ENOENT, "password", "%s is missing", OPENFAAS_PASSWORD_FILE);
        if (r >= 0)
                r = openfaas_api_open(sr, &kc, &api, res);
        if (r >= 0 && api)
                r = openfaas_ladder(&kc, &(struct ladder_target) {
                                            .manifest_sha256 = sha, .password = password,
                                            .wait_cap_sec = wait_sec, .once = wait_sec == 0 },
                                    res);
        kubeconfig_done(&kc);
        openfaas_record_done(&rec);
        return r;
}
