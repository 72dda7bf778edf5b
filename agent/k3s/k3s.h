/* SPDX-License-Identifier: MIT */
/*
 * The K3s installer's public API, used by `nodeprep k3s ...` and by the
 * bootstrap command: options in, a result (steps, version, readiness) out.
 * Nothing here prints; every step is recorded in the result instead.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../basic/sysroot.h"
#include "../shared/fetch.h"

#define K3S_BIN_DIR "/usr/local/bin"
#define K3S_BIN K3S_BIN_DIR "/k3s"
#define K3S_SYSTEMD_DIR "/etc/systemd/system"
#define K3S_CONFIG_DIR "/etc/rancher/k3s"
#define K3S_CONFIG_DROPIN K3S_CONFIG_DIR "/config.yaml.d/50-nodeprep.yaml"
#define K3S_TOKEN_COPY K3S_CONFIG_DIR "/nodeprep-token"
#define K3S_DATA_DIR "/var/lib/rancher/k3s"
#define K3S_IMAGES_DIR K3S_DATA_DIR "/agent/images"
#define K3S_MANIFEST "/var/lib/nodeprep/k3s-install.json"
#define K3S_DEFAULT_NOFILE UINT64_C(1048576)
#define K3S_DEFAULT_TIMEOUT_SEC 300

enum k3s_role {
        K3S_ROLE_SERVER,
        K3S_ROLE_AGENT,
};

/* kubectl, crictl, ctr -> k3s (install.sh INSTALL_K3S_SYMLINK): by default
 * only where the command is not on PATH already. */
enum k3s_symlink_mode {
        K3S_SYMLINK_AUTO,
        K3S_SYMLINK_SKIP,
        K3S_SYMLINK_FORCE,
};

/* Caps on what install writes: generous (a v1.31 binary is ~70 MB, an
 * images tarball ~250 MB) but finite. */
#define K3S_BINARY_MAX (UINT64_C(512) << 20)
#define K3S_IMAGES_MAX (UINT64_C(4) << 30)

const char *k3s_role_to_string(enum k3s_role r);
int k3s_role_from_string(const char *s, enum k3s_role *ret);
/* k3s.service or k3s-agent.service */
const char *k3s_unit_name(enum k3s_role r);

struct k3s_install_options {
        enum k3s_role role;
        const char *version;            /* exact tag, or NULL: resolve channel */
        const char *channel;            /* default "stable" */
        const char *channel_url;        /* default K3S_DEFAULT_CHANNEL_URL */
        const char *mirror;             /* release base; default K3S_DEFAULT_RELEASE_URL */
        const char *server;             /* https://host:6443: additional server or agent */
        const char *token_file;         /* read, copied 0600; never logged */
        const char *token_value;        /* $K3S_TOKEN when no token_file; copied the same way */
        const char *datastore_endpoint;
        bool cluster_init;
        char **disable;                 /* NULL: {"traefik"} */
        char **tls_san;
        const char *node_ip;
        const char *airgap_dir;
        const char *arch;               /* NULL: uname -m */
        bool no_start;                  /* enabled, not started (install.sh SKIP_START) */
        bool no_enable;                 /* neither (install.sh SKIP_ENABLE) */
        enum k3s_symlink_mode symlink;
        bool force;
        unsigned timeout_sec;           /* start + readiness deadline; default 300 */
        uint64_t nofile;                /* LimitNOFILE (the caller passes the applied profile's); 0: 1048576 */
        struct fetch_options fetch;
};

void k3s_install_options_init(struct k3s_install_options *o);
/* Usage errors (conflicting or missing flags) as a message; -EINVAL. */
int k3s_install_options_check(const struct k3s_install_options *o, char **ret_error);

/* How a step of install, status, uninstall or killall went. */
enum k3s_step_status {
        K3S_STEP_OK,
        K3S_STEP_CHANGED,
        K3S_STEP_UNCHANGED,
        K3S_STEP_SKIPPED,
        K3S_STEP_WAITING,
        K3S_STEP_FAILED,
};

/* "ok", "changed", "unchanged", "skipped", "waiting", "failed". */
const char *k3s_step_status_to_string(enum k3s_step_status s);

struct k3s_step {
        char *name;
        enum k3s_step_status status;
        char *detail;                   /* may be NULL */
};

struct k3s_result {
        bool changed;
        bool ready;
        bool started;
        bool no_systemd;        /* files written, nothing started: exit 4 */
        char *version;
        enum k3s_role role;
        struct k3s_step *steps; /* in the order they ran */
        size_t n_steps;
        char *error;
};

void k3s_result_init(struct k3s_result *r);
void k3s_result_done(struct k3s_result *r);
/* Record a step; fmt may be NULL (no detail). Out of memory drops the step. */
void k3s_step(struct k3s_result *r, const char *name, enum k3s_step_status status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Move every step of from to the end of to's; -ENOMEM leaves both as they were. */
int k3s_result_move_steps(struct k3s_result *to, struct k3s_result *from);
/* The first failed step, or NULL. */
const struct k3s_step *k3s_result_failed_step(const struct k3s_result *r);


int k3s_install(const struct sysroot *sr, const struct k3s_install_options *o, struct k3s_result *res);

/* The readiness ladder once (wait_sec 0) or until ready or the deadline. */
int k3s_status(const struct sysroot *sr, unsigned wait_sec, struct k3s_result *res);

int k3s_uninstall(const struct sysroot *sr, bool purge, struct k3s_result *res);

/* k3s-killall.sh, natively (killall.h): -EIO when something could not be
 * removed (named in res->error). */
int k3s_killall_run(const struct sysroot *sr, struct k3s_result *res);

/* Remove temporary files a killed download left next to the binary
 * (".k3s.XXXXXX"); each is a step. Returns how many. */
int k3s_clean_download_leftovers(const struct sysroot *sr, struct k3s_result *res);
