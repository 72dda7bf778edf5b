/* SPDX-License-Identifier: MIT */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../kube/kube.h"

static void copy(char *dst, size_t n, const char *src) {
        snprintf(dst, n, "%s", src ? src : "");
}

static int parse_kind(const char *text, size_t size, const char *kind, json_object **ret) {
        const char *k;
        int r = kube_json_parse(text, size, ret);

        if (r < 0)
                return r;
        k = KUBE_STR(*ret, "kind");
        if (kind && (!k || !streq(k, kind))) {
                json_object_put(*ret);
                return -EBADMSG;
        }
        return 0;
}

int api_addon_checksum(const char *text, size_t size, char ret[65]) {
        json_object *o;
        const char *c;
        int r = parse_kind(text, size, "Addon", &o);

        if (r < 0)
                return r;
        c = KUBE_STR(o, "spec", "checksum");
        r = c && strlen(c) == 64 ? 0 : -ENODATA;
        if (r == 0)
                memcpy(ret, c, 65);
        json_object_put(o);
        return r;
}

int api_helmchart_state(const char *text, size_t size, struct helmchart_state *ret) {
        struct kube_condition created, failed;
        json_object *o;
        int r = parse_kind(text, size, "HelmChart", &o);

        if (r < 0)
                return r;
        *ret = (struct helmchart_state) {};
        copy(ret->job_name, sizeof(ret->job_name), KUBE_STR(o, "status", "jobName"));
        kube_condition_get(o, "JobCreated", &created);
        kube_condition_get(o, "Failed", &failed);
        ret->job_created = created.is_true;
        ret->failed = failed.is_true;
        copy(ret->reason, sizeof(ret->reason), failed.is_true ? failed.reason : created.reason);
        copy(ret->message, sizeof(ret->message), failed.is_true ? failed.message : created.message);
        json_object_put(o);
        return 0;
}

int api_job_state(const char *text, size_t size, struct job_state *ret) {
        struct kube_condition complete, failed;
        json_object *o;
        int r = parse_kind(text, size, "Job", &o);

        if (r < 0)
                return r;
        *ret = (struct job_state) {};
        kube_condition_get(o, "Complete", &complete);
        kube_condition_get(o, "Failed", &failed);
        ret->complete = complete.is_true;
        ret->failed = failed.is_true;
        copy(ret->reason, sizeof(ret->reason), failed.reason);
        copy(ret->message, sizeof(ret->message), failed.message);
        ret->active = (long) KUBE_INT(o, 0, "status", "active");
        ret->failed_pods = (long) KUBE_INT(o, 0, "status", "failed");
        json_object_put(o);
        return 0;
}

/* How much a container status explains: waiting with a reason beats a
 * termination message beats nothing. */
static int explains(json_object *cs) {
        if (KUBE_STR(cs, "state", "waiting", "reason"))
                return 2;
        if (KUBE_STR(cs, "lastState", "terminated", "message") || KUBE_STR(cs, "state", "terminated", "message"))
                return 1;
        return 0;
}

/* The list readers differ only in what they take from one item: parse a
 * KIND list, clear *ret (only once the list parsed, so a bad body leaves it
 * as it was) and hand each item to take(). */
typedef void (*list_take_fn)(json_object *item, void *ret, void *userdata);

static int walk_list(const char *text, size_t size, const char *kind, void *ret, size_t ret_size,
                     list_take_fn take, void *userdata) {
        json_object *o, *items;
        int r = parse_kind(text, size, kind, &o);

        if (r < 0)
                return r;
        memset(ret, 0, ret_size);
        items = kube_items(o);
        for (size_t i = 0; items && i < json_object_array_length(items); i++)
                take(json_object_array_get_idx(items, i), ret, userdata);
        json_object_put(o);
        return 0;
}

/* The container status that explains most wins; *best is its explains(). */
static void take_pod(json_object *pod, void *state, void *userdata) {
        struct pod_state *ret = state;
        int *best = userdata;
        json_object *status, *css;

        ret->n_pods++;
        if (!json_object_object_get_ex(pod, "status", &status) ||
            !json_object_object_get_ex(status, "containerStatuses", &css) ||
            !json_object_is_type(css, json_type_array))
                return;
        for (size_t j = 0; j < json_object_array_length(css); j++) {
                json_object *cs = json_object_array_get_idx(css, j);
                int e = explains(cs);
                const char *term;

                if (e <= *best)
                        continue;
                *best = e;
                copy(ret->pod, sizeof(ret->pod), KUBE_STR(pod, "metadata", "name"));
                copy(ret->phase, sizeof(ret->phase), KUBE_STR(pod, "status", "phase"));
                copy(ret->waiting_reason, sizeof(ret->waiting_reason), KUBE_STR(cs, "state", "waiting", "reason"));
                copy(ret->waiting_message, sizeof(ret->waiting_message),
                     KUBE_STR(cs, "state", "waiting", "message"));
                ret->restarts = (long) KUBE_INT(cs, 0, "restartCount");
                term = KUBE_STR(cs, "lastState", "terminated", "message") ?:
                       KUBE_STR(cs, "state", "terminated", "message");
                copy(ret->terminated_message, sizeof(ret->terminated_message), term);
                ret->exit_code = (int) (KUBE_INT(cs, 0, "lastState", "terminated", "exitCode") ?:
                                        KUBE_INT(cs, 0, "state", "terminated", "exitCode"));
        }
}

int api_pods_state(const char *text, size_t size, struct pod_state *ret) {
        int best = -1;

        return walk_list(text, size, "PodList", ret, sizeof(*ret), take_pod, &best);
}

/* The Helm release record with the highest version. */
static void take_release(json_object *s, void *state, void *userdata) {
        struct release_state *ret = state;
        const char *owner = KUBE_STR(s, "metadata", "labels", "owner");
        const char *v = KUBE_STR(s, "metadata", "labels", "version");
        long n = v ? strtol(v, NULL, 10) : 0;

        if (!owner || !streq(owner, "helm") || n <= ret->version)
                return;
        ret->version = n;
        copy(ret->status, sizeof(ret->status), KUBE_STR(s, "metadata", "labels", "status"));
}

int api_release_state(const char *text, size_t size, struct release_state *ret) {
        return walk_list(text, size, "SecretList", ret, sizeof(*ret), take_release, NULL);
}

static void gateway_env(json_object *dep, struct deployments_state *ret) {
        json_object *containers, *env;

        if (!json_object_object_get_ex(dep, "spec", &dep) || !json_object_object_get_ex(dep, "template", &dep) ||
            !json_object_object_get_ex(dep, "spec", &dep) ||
            !json_object_object_get_ex(dep, "containers", &containers) ||
            !json_object_is_type(containers, json_type_array))
                return;
        for (size_t i = 0; i < json_object_array_length(containers); i++) {
                json_object *c = json_object_array_get_idx(containers, i);
                const char *n = KUBE_STR(c, "name");

                if (!n || !streq(n, "gateway") || !json_object_object_get_ex(c, "env", &env) ||
                    !json_object_is_type(env, json_type_array))
                        continue;
                for (size_t j = 0; j < json_object_array_length(env); j++) {
                        json_object *e = json_object_array_get_idx(env, j);
                        const char *k = KUBE_STR(e, "name"), *v = KUBE_STR(e, "value");

                        if (!k || !v)
                                continue;
                        if (streq(k, "upstream_timeout"))
                                copy(ret->upstream_timeout, sizeof(ret->upstream_timeout), v);
                        else if (streq(k, "read_timeout"))
                                copy(ret->read_timeout, sizeof(ret->read_timeout), v);
                        else if (streq(k, "write_timeout"))
                                copy(ret->write_timeout, sizeof(ret->write_timeout), v);
                }
        }
}

/* Counts, the unavailable ones by name, and the first one's reason. */
static void take_deployment(json_object *d, void *state, void *userdata) {
        struct deployments_state *ret = state;
        const char *name = KUBE_STR(d, "metadata", "name") ?: "?";
        struct kube_condition avail;
        size_t l = strlen(ret->unavailable);

        ret->n++;
        if (streq(name, "gateway"))
                gateway_env(d, ret);
        kube_condition_get(d, "Available", &avail);
        if (avail.is_true) {
                ret->n_available++;
                return;
        }
        snprintf(ret->unavailable + l, sizeof(ret->unavailable) - l, "%s%s", l ? ", " : "", name);
        if (!ret->reason[0])
                snprintf(ret->reason, sizeof(ret->reason), "%.100s: %.100s%s%.280s", name,
                         avail.found ? avail.reason : "no Available condition yet",
                         avail.message[0] ? ": " : "", avail.message);
}

int api_deployments_state(const char *text, size_t size, struct deployments_state *ret) {
        return walk_list(text, size, "DeploymentList", ret, sizeof(*ret), take_deployment, NULL);
}

int api_service_address(const char *text, size_t size, char ret_ip[64], int *ret_port) {
        json_object *o, *ports = NULL;
        const char *ip;
        int port = 0;
        int r = parse_kind(text, size, "Service", &o);

        if (r < 0)
                return r;
        ip = KUBE_STR(o, "spec", "clusterIP");
        if (json_object_object_get_ex(o, "spec", &ports) && json_object_object_get_ex(ports, "ports", &ports) &&
            json_object_is_type(ports, json_type_array))
                for (size_t i = 0; i < json_object_array_length(ports) && !port; i++) {
                        int64_t p = KUBE_INT(json_object_array_get_idx(ports, i), 0, "port");

                        if (p > 0 && p < 65536)
                                port = (int) p;
                }
        r = ip && *ip && strlen(ip) < 64 && !streq(ip, "None") && port ? 0 : -ENODATA;
        if (r == 0) {
                copy(ret_ip, 64, ip);
                *ret_port = port;
        }
        json_object_put(o);
        return r;
}

int api_gateway_info(const char *text, size_t size, struct gateway_info *ret) {
        json_object *o;
        int r = parse_kind(text, size, NULL, &o);

        if (r < 0)
                return r;
        *ret = (struct gateway_info) {};
        copy(ret->provider, sizeof(ret->provider), KUBE_STR(o, "provider", "provider"));
        copy(ret->orchestration, sizeof(ret->orchestration), KUBE_STR(o, "provider", "orchestration"));
        copy(ret->release, sizeof(ret->release), KUBE_STR(o, "version", "release"));
        r = ret->provider[0] ? 0 : -EBADMSG;
        json_object_put(o);
        return r;
}

int api_function_available(const char *text, size_t size, long *ret) {
        json_object *o;
        int r = parse_kind(text, size, NULL, &o);

        if (r < 0)
                return r;
        *ret = (long) KUBE_INT(o, -1, "availableReplicas");
        json_object_put(o);
        return *ret < 0 ? -EBADMSG : 0;
}
