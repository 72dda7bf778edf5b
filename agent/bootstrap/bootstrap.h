/* SPDX-License-Identifier: MIT */
/*
 * The bootstrap result: one JSON document recording every stage (preflight,
 * profile, k3s, ready, service, report) with its status, what changed, how
 * long it took and the stage command's own result, plus the failed stage and
 * what to do about it. It is written to /var/lib/nodeprep/bootstrap.json on
 * success and on failure, and optionally POSTed to a provisioner. Nothing
 * here prints; the command decides what to run and what to say.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../basic/sysroot.h"

#define BOOTSTRAP_RESULT_PATH "/var/lib/nodeprep/bootstrap.json"
/* A result holds a few command results; a bigger file is not ours. */
#define BOOTSTRAP_RESULT_MAX (4u * 1024 * 1024)

enum bootstrap_stage {
        BS_PREFLIGHT,
        BS_PROFILE,
        BS_K3S,
        BS_READY,
        BS_OPENFAAS,            /* with --openfaas */
        BS_GATEWAY,
        BS_SERVICE,
        BS_REPORT,
        _BS_MAX,
};

enum stage_status {
        STAGE_OK,               /* ran, nothing needed changing (a check passed) */
        STAGE_CHANGED,          /* ran and changed the node */
        STAGE_DONE,             /* already done by an earlier run: skipped */
        STAGE_SKIPPED,          /* not wanted (an option, or does not apply here) */
        STAGE_FAILED,
        STAGE_NOT_RUN,          /* an earlier stage failed */
};

const char *bootstrap_stage_name(enum bootstrap_stage s);
const char *stage_status_name(enum stage_status s);

/* A new result document for this run. */
json_object *bootstrap_result_new(const char *nodeprep_version, const char *profile, const char *role);

/* Append one stage. sub (the stage command's own JSON result) is taken,
 * may be NULL. */
int bootstrap_stage_add(json_object *doc, enum bootstrap_stage s, enum stage_status st, uint64_t duration_ms,
                        const char *detail, json_object *sub);

/* Close the document: exit code, and on failure the stage, the error and
 * what to do (hint). */
int bootstrap_result_finish(json_object *doc, int exit_code, const char *failed_stage, const char *error,
                            const char *hint, uint64_t duration_ms);

/* Atomically replace BOOTSTRAP_RESULT_PATH under the root (mode 0644). */
int bootstrap_result_write(const struct sysroot *sr, json_object *doc);

/* What the previous run left behind, for "resuming after ..." messages. */
struct bootstrap_previous {
        bool ok;
        int exit_code;
        char failed_stage[16];  /* "" when none (or not a stage name we know) */
};

/* Parse a bootstrap.json. -EBADMSG when it is not one (a fuzz target). */
int bootstrap_previous_parse(const char *text, size_t size, struct bootstrap_previous *ret);
/* -ENOENT when there is none. */
int bootstrap_previous_load(const struct sysroot *sr, struct bootstrap_previous *ret);

/* The last line of a command's --json output that parses as a JSON object
 * (commands print exactly one; anything before it is tolerated). -EBADMSG
 * when there is none. (A fuzz target.) */
int bootstrap_command_output_parse(const char *text, size_t size, json_object **ret);

/* POST body (application/json) to url with libcurl: https, or plain http to
 * a loopback address or with allow_http. Bounded: timeout_sec per attempt,
 * three attempts with a pause. 2xx is success; anything else -EPROTO with the
 * status in ret_error. */
int bootstrap_report_post(const char *url, bool allow_http, const char *body, unsigned timeout_sec,
                          long *ret_status, char **ret_error);
