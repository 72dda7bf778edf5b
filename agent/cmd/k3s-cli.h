/* SPDX-License-Identifier: MIT */
/* `k3s install`'s options and the rendering of a K3s result, shared with
 * bootstrap, which passes every install option through with one meaning and
 * records install's and status's results in its own. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "../k3s/k3s.h"
#include "cli.h"

/* The vals of k3s install's options: above bootstrap's own (0x100...) and
 * openfaas install's (0x300...), so bootstrap takes them unchanged. */
enum {
        K3S_ARG_VERSION = 0x200, K3S_ARG_CHANNEL, K3S_ARG_CHANNEL_URL, K3S_ARG_SERVER, K3S_ARG_TOKEN_FILE,
        K3S_ARG_CLUSTER_INIT, K3S_ARG_DATASTORE, K3S_ARG_DISABLE, K3S_ARG_TLS_SAN, K3S_ARG_NODE_IP, K3S_ARG_MIRROR,
        K3S_ARG_AIRGAP, K3S_ARG_NO_START, K3S_ARG_FORCE, K3S_ARG_TIMEOUT, K3S_ARG_ROLE, K3S_ARG_ARCH,
        K3S_ARG_ALLOW_HTTP, K3S_ARG_RETRIES, K3S_ARG_BACKOFF, K3S_ARG_LOW_SPEED, K3S_ARG_CONNECT_TIMEOUT,
        K3S_ARG_DATASTORE_FILE, K3S_ARG_NO_ENABLE, K3S_ARG_SYMLINK, K3S_ARG_DOWNLOAD_TIMEOUT,
        K3S_ARG_LAST = K3S_ARG_DOWNLOAD_TIMEOUT,
};

/* From which k3s install's help, completion and getopt array are made;
 * bootstrap lists them as passed through. */
extern const struct cli_option k3s_install_cli_options[];

/* The download bar on stderr (a TTY) or a line every 5 s (cloud-init logs). */
struct k3s_download_progress {
        bool tty;
        time_t last;
};

/* What k3s install's options make; o's strings point into argv or into
 * the strv and string owned here. */
struct k3s_install_args {
        struct k3s_install_options o;
        char **disable, **tls_san;
        char *datastore;
        bool role_given;
        struct k3s_download_progress progress;
};

void k3s_install_args_init(struct k3s_install_args *a);
void k3s_install_args_done(struct k3s_install_args *a);
/* One option (c a K3S_ARG_* val): 1 when taken, 0 when c is none of them,
 * -EINVAL or -ENOMEM with *ret_error saying why. A --datastore-endpoint
 * password is scrubbed from arg (our /proc/PID/cmdline) once copied. */
int k3s_install_arg(struct k3s_install_args *a, int c, char *arg, char **ret_error);
/* After the last option: $K3S_URL and $K3S_TOKEN as install.sh reads them,
 * the usage checks (-EINVAL with *ret_error), and the download progress.
 * a must not move afterwards (o points at a->progress). */
int k3s_install_args_finish(struct k3s_install_args *a, char **ret_error);

/* k3s_install() with the parsed options: the one place `k3s install` and
 * bootstrap's k3s stage start an install, so what the command adds to the
 * options (e.g. the applied profile's LimitNOFILE) is added for both, and
 * read at the k3s stage, after bootstrap's profile stage applied it. */
int k3s_install_with_args(const struct sysroot *sr, const struct k3s_install_args *a, struct k3s_result *res);

/* After k3s_install(): the exit code (0 ok, 4 no systemd, 2 invalid, 1
 * failed), the error on stderr; a no_systemd result gets its error. */
int k3s_install_conclude(int r, struct k3s_result *res);
/* After k3s_status(): 0 ready, 3 not (or not installed), 2 or 1 when the
 * status could not be read; the error on stderr. */
int k3s_status_conclude(int r, const struct k3s_result *res);

/* {"changed","version","role","ready","started","steps",["error"]}: the
 * --json form of every k3s command (which adds "exit_code"). */
json_object *k3s_result_to_json(const struct k3s_result *r);
