/* SPDX-License-Identifier: MIT */
/* The typed K3s result (steps, moving a ladder round, the failed step), its
 * --json rendering byte for byte, and k3s install's option parser that
 * `k3s install` and bootstrap share. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/k3s-cli.h"
#include "k3s/k3s.h"

static void test_steps(void **state) {
        struct k3s_result a, b;

        (void) state;
        k3s_result_init(&a);
        k3s_result_init(&b);
        k3s_step(&a, "release", K3S_STEP_OK, "version %s", "v1.31.4+k3s1");
        k3s_step(&a, "start", K3S_STEP_SKIPPED, NULL);
        assert_int_equal(a.n_steps, 2);
        assert_string_equal(a.steps[0].detail, "version v1.31.4+k3s1");
        assert_null(a.steps[1].detail);
        assert_null(k3s_result_failed_step(&a));

        errno = ENOENT;         /* %m is the caller's errno, not one the step's own allocations left */
        k3s_step(&b, "binary", K3S_STEP_FAILED, "open: %m");
        k3s_step(&b, "ping", K3S_STEP_WAITING, "later");
        assert_int_equal(k3s_result_move_steps(&a, &b), 0);
        assert_int_equal(a.n_steps, 4);
        assert_int_equal(b.n_steps, 0);
        assert_null(b.steps);
        assert_string_equal(k3s_result_failed_step(&a)->name, "binary");
        assert_string_equal(k3s_result_failed_step(&a)->detail, "open: No such file or directory");
        assert_int_equal(k3s_result_move_steps(&a, &b), 0);     /* nothing to move */
        assert_int_equal(a.n_steps, 4);

        assert_string_equal(k3s_step_status_to_string(K3S_STEP_OK), "ok");
        assert_string_equal(k3s_step_status_to_string(K3S_STEP_CHANGED), "changed");
        assert_string_equal(k3s_step_status_to_string(K3S_STEP_UNCHANGED), "unchanged");
        assert_string_equal(k3s_step_status_to_string(K3S_STEP_SKIPPED), "skipped");
        assert_string_equal(k3s_step_status_to_string(K3S_STEP_WAITING), "waiting");
        assert_string_equal(k3s_step_status_to_string(K3S_STEP_FAILED), "failed");
        assert_string_equal(k3s_step_status_to_string((enum k3s_step_status) 99), "?");
        k3s_result_done(&a);
        k3s_result_done(&b);
}

static void test_json(void **state) {
        struct k3s_result r;
        json_object *o;

        (void) state;
        k3s_result_init(&r);
        o = k3s_result_to_json(&r);
        assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                            "{\"changed\":false,\"version\":null,\"role\":\"server\",\"ready\":false,\"started\":false,"
                            "\"steps\":[]}");
        json_object_put(o);

        r.changed = r.ready = true;
        r.role = K3S_ROLE_AGENT;
        r.version = strdup("v1.31.4+k3s1");
        r.error = strdup("boom");
        k3s_step(&r, "unit", K3S_STEP_CHANGED, "%s", "k3s-agent.service");
        k3s_step(&r, "start", K3S_STEP_SKIPPED, NULL);
        o = k3s_result_to_json(&r);
        assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                            "{\"changed\":true,\"version\":\"v1.31.4+k3s1\",\"role\":\"agent\",\"ready\":true,"
                            "\"started\":false,\"steps\":[{\"name\":\"unit\",\"status\":\"changed\",\"detail\":"
                            "\"k3s-agent.service\"},{\"name\":\"start\",\"status\":\"skipped\",\"detail\":null}],"
                            "\"error\":\"boom\"}");
        json_object_put(o);
        k3s_result_done(&r);
}

/* One option through the shared parser; the error message, if any, in *err. */
static int arg(struct k3s_install_args *a, int c, const char *value, char **err) {
        static char buf[256];

        free(*err);
        *err = NULL;
        strncpy(buf, value ? value : "", sizeof(buf) - 1);
        return k3s_install_arg(a, c, buf, err);
}

static void test_install_args(void **state) {
        struct k3s_install_args a;
        char *err = NULL, ds[] = "postgres://u:secret@db:5432/k3s";

        (void) state;
        unsetenv("K3S_URL");
        unsetenv("K3S_TOKEN");
        k3s_install_args_init(&a);
        assert_int_equal(arg(&a, K3S_ARG_ROLE, "master", &err), -EINVAL);
        assert_string_equal(err, "--role must be server or agent");
        assert_int_equal(arg(&a, K3S_ARG_SYMLINK, "sometimes", &err), -EINVAL);
        assert_string_equal(err, "--symlink must be skip or force");
        assert_int_equal(arg(&a, K3S_ARG_TIMEOUT, "12x", &err), -EINVAL);
        assert_string_equal(err, "12x: not a valid number");
        assert_int_equal(arg(&a, K3S_ARG_RETRIES, "604801", &err), -EINVAL);
        assert_int_equal(arg(&a, 'x', NULL, &err), 0);          /* not one of k3s install's */

        assert_int_equal(arg(&a, K3S_ARG_ROLE, "agent", &err), 1);
        assert_int_equal(a.o.role, K3S_ROLE_AGENT);
        assert_int_equal(arg(&a, K3S_ARG_LOW_SPEED, "0", &err), 1);
        assert_int_equal(a.o.fetch.low_speed_time_sec, 1);      /* 0 would disable the stall check */
        assert_int_equal(arg(&a, K3S_ARG_DISABLE, "servicelb", &err), 1);
        assert_int_equal(arg(&a, K3S_ARG_DISABLE, "traefik", &err), 1);
        /* The password leaves argv once copied. */
        assert_int_equal(k3s_install_arg(&a, K3S_ARG_DATASTORE, ds, &err), 1);
        assert_null(strstr(ds, "secret"));
        assert_string_equal(a.o.datastore_endpoint, "postgres://u:secret@db:5432/k3s");
        assert_int_equal(arg(&a, K3S_ARG_DATASTORE_FILE, "/nonexistent", &err), -EINVAL);
        assert_string_equal(err, "give one of --datastore-endpoint and --datastore-endpoint-file");

        /* An agent needs a server and a token: the usage check runs at finish. */
        free(err);
        err = NULL;
        assert_int_equal(k3s_install_args_finish(&a, &err), -EINVAL);
        assert_non_null(strstr(err, "an agent needs --server URL"));
        free(err);
        err = NULL;
        k3s_install_args_done(&a);

        /* $K3S_URL with no --role makes an agent, as install.sh does. */
        k3s_install_args_init(&a);
        setenv("K3S_URL", "https://10.0.0.1:6443", 1);
        setenv("K3S_TOKEN", "K10abc::server:def", 1);
        assert_int_equal(arg(&a, K3S_ARG_NODE_IP, "10.0.0.2", &err), 1);
        assert_int_equal(k3s_install_args_finish(&a, &err), 0);
        assert_int_equal(a.o.role, K3S_ROLE_AGENT);
        assert_string_equal(a.o.server, "https://10.0.0.1:6443");
        assert_string_equal(a.o.token_value, "K10abc::server:def");
        assert_string_equal(a.o.node_ip, "10.0.0.2");
        assert_null(a.o.disable);
        assert_non_null(a.o.fetch.progress);
        assert_ptr_equal(a.o.fetch.userdata, &a.progress);
        k3s_install_args_done(&a);
        unsetenv("K3S_URL");
        unsetenv("K3S_TOKEN");
        free(err);
}

static void test_conclude(void **state) {
        struct k3s_result r;

        (void) state;
        k3s_result_init(&r);
        assert_int_equal(k3s_install_conclude(0, &r), 0);
        r.no_systemd = true;
        assert_int_equal(k3s_install_conclude(0, &r), 4);
        assert_string_equal(r.error, "no systemd as PID 1: everything written, nothing started");
        assert_int_equal(k3s_install_conclude(-EINVAL, &r), 2);
        assert_int_equal(k3s_install_conclude(-EBADMSG, &r), 1);        /* a checksum mismatch: failed */
        assert_int_equal(k3s_install_conclude(-EACCES, &r), 1);         /* a server's 403, or not its CA */
        assert_int_equal(k3s_status_conclude(-ENOENT, &r), 3);          /* not installed */
        assert_int_equal(k3s_status_conclude(0, &r), 3);                /* not ready */
        r.ready = true;
        assert_int_equal(k3s_status_conclude(0, &r), 0);
        assert_int_equal(k3s_status_conclude(-EINVAL, &r), 2);          /* a manifest that is not ours */
        k3s_result_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_steps),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_install_args),
                cmocka_unit_test(test_conclude),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
