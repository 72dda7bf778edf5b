/* SPDX-License-Identifier: MIT */
/* Roles, unit names, and the step-by-step result every k3s operation returns. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../tune/tune-state.h"
#include "k3s.h"

const char *k3s_role_to_string(enum k3s_role r) {
        return r == K3S_ROLE_AGENT ? "agent" : "server";
}

int k3s_role_from_string(const char *s, enum k3s_role *ret) {
        if (streq(s, "server"))
                *ret = K3S_ROLE_SERVER;
        else if (streq(s, "agent"))
                *ret = K3S_ROLE_AGENT;
        else
                return -EINVAL;
        return 0;
}

const char *k3s_unit_name(enum k3s_role r) {
        return r == K3S_ROLE_AGENT ? "k3s-agent.service" : "k3s.service";
}

void k3s_result_init(struct k3s_result *r) {
        *r = (struct k3s_result) { .steps = json_object_new_array() };
}

void k3s_result_done(struct k3s_result *r) {
        free(r->version);
        free(r->error);
        json_object_put(r->steps);
        *r = (struct k3s_result) {};
}

void k3s_step(struct k3s_result *r, const char *name, const char *status, const char *fmt, ...) {
        json_object *s = json_object_new_object();
        char *detail = NULL;
        va_list ap;

        if (!s || !r->steps)
                return;
        if (fmt) {
                va_start(ap, fmt);
                if (vasprintf(&detail, fmt, ap) < 0)
                        detail = NULL;
                va_end(ap);
        }
        json_object_object_add(s, "name", json_object_new_string(name));
        json_object_object_add(s, "status", json_object_new_string(status));
        json_object_object_add(s, "detail", detail ? json_object_new_string(detail) : NULL);
        free(detail);
        json_object_array_add(r->steps, s);
}

json_object *k3s_result_to_json(const struct k3s_result *r) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
        json_object_object_add(o, "version", r->version ? json_object_new_string(r->version) : NULL);
        json_object_object_add(o, "role", json_object_new_string(k3s_role_to_string(r->role)));
        json_object_object_add(o, "ready", json_object_new_boolean(r->ready));
        json_object_object_add(o, "started", json_object_new_boolean(r->started));
        json_object_object_add(o, "steps", json_object_get(r->steps));
        if (r->error)
                json_object_object_add(o, "error", json_object_new_string(r->error));
        return o;
}

uint64_t k3s_nofile_from_state(const struct sysroot *sr) {
        json_object *applied = NULL, *v;
        uint64_t n = K3S_DEFAULT_NOFILE;

        if (json_file_read(sr, STATE_APPLIED, &applied) < 0)
                return n;
        if (json_object_object_get_ex(applied, "nofile", &v) && json_object_get_int64(v) > 0)
                n = (uint64_t) json_object_get_int64(v);
        json_object_put(applied);
        return n;
}
