/* SPDX-License-Identifier: MIT */
/*
 * Reading K3s's own configuration the way K3s reads it, so nodeprep asks for
 * what K3s will use (the node name, the kubelet's healthz address) and can
 * tell the operator's settings from its own:
 *
 *   - /etc/rancher/k3s/config.yaml, then config.yaml.d/\*.yaml (and .yml) in
 *     alphabetical order; a later file's key replaces an earlier one, unless
 *     the key ends in "+", which appends (k3s pkg/configfilearg/parser.go,
 *     readConfigFile: isAppend / toSlice);
 *   - the unit's environment files in systemd's order (/etc/default/%N,
 *     /etc/sysconfig/%N, /etc/systemd/system/%N.service.env), where K3S_*
 *     variables stand in for flags that no file sets (urfave/cli EnvVar).
 *
 * Each file is a top-level mapping of scalars or sequences of scalars (flag
 * name -> value); anything else is refused with file:line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../basic/sysroot.h"
#include "k3s.h"

#define K3S_CONF_FILE_MAX (1024 * 1024)
#define K3S_CONF_ENTRIES_MAX 4096
#define K3S_CONF_VALUES_MAX 4096

struct k3s_conf_entry {
        char *key;              /* without "+" */
        char **values;          /* NULL-terminated; one for a scalar */
        bool list;              /* a sequence (or appended to) */
        char *file;             /* where the last assignment came from */
        unsigned line;
};

struct k3s_conf {
        struct k3s_conf_entry *entries;
        size_t n;
};

void k3s_conf_done(struct k3s_conf *c);

/* Merge one YAML document (text of a file called name) into c with K3s's
 * rules. -EBADMSG (ret_error "name:line: ...") on anything K3s would not
 * read as flags; -E2BIG past the caps. c is left as it was on error. */
int k3s_conf_merge_text(struct k3s_conf *c, const char *name, const char *text, size_t size, char **ret_error);

/* config.yaml and config.yaml.d/\*.yaml under sr, skipping the file called
 * skip (nodeprep's own drop-in, when the operator's view is wanted; NULL:
 * none). Missing files are fine. */
int k3s_conf_load(const struct sysroot *sr, const char *skip, struct k3s_conf *ret, char **ret_error);

const struct k3s_conf_entry *k3s_conf_get(const struct k3s_conf *c, const char *key);
/* The value K3s uses for a scalar flag: the last one; NULL when unset. */
const char *k3s_conf_scalar(const struct k3s_conf *c, const char *key);
/* A boolean flag: "true" (any case) or an empty value (a bare flag). */
bool k3s_conf_true(const struct k3s_conf *c, const char *key);

/* Parse a systemd EnvironmentFile= text and return the value of name (the
 * last assignment), or NULL; -EBADMSG on a line systemd would reject. */
int k3s_envfile_lookup(const char *text, size_t size, const char *name, char **ret);

/* The node name K3s registers: node-name from the config files, else
 * K3S_NODE_NAME from the unit's environment files, else the hostname;
 * lower-cased (k3s pkg/util/net.go GetHostnameAndIPs); with with-node-id,
 * "-" and /etc/rancher/node/id appended (pkg/agent/config/config.go
 * ensureNodeID). -EAGAIN when with-node-id is set and K3s has not written
 * the id yet; -EINVAL (ret_error) for a name Kubernetes would refuse. */
int k3s_node_name(const struct sysroot *sr, enum k3s_role role, char **ret, char **ret_error);

/* The data dir set by data-dir in the config files (k3s pkg/cli/cmds/server.go
 * DataDirFlag "data-dir,d": no environment variable stands in for it).
 * -ENOENT when none is set, or not absolute: K3s's default applies
 * (K3S_DATA_DIR in k3s.h). */
int k3s_data_dir(const struct sysroot *sr, char **ret);

/* The kubelet's healthz URL: healthz-bind-address / healthz-port from
 * kubelet-arg when given, else ::1 when the first node-ip is IPv6, else
 * 127.0.0.1, port 10248 (k3s pkg/daemons/agent/agent_linux.go kubeletArgs). */
int k3s_kubelet_healthz_url(const struct sysroot *sr, char **ret, char **ret_error);
