/* SPDX-License-Identifier: MIT */
/* Unit tests: the applied record written from and read into struct
 * tune_applied (the bytes on disk are the state format), and tune_verify()'s
 * typed result on a small --root tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/sysroot.h"
#include "tune/engine.h"
#include "tune/tune-state.h"

/* The format apply has always written (json-c, pretty, no slash escapes):
 * verify, rollback and older nodeprep versions read exactly this. */
static const char expected_record[] =
        "{\n"
        "  \"version\":1,\n"
        "  \"profile\":\"t\",\n"
        "  \"file\":\"/etc/nodeprep/profiles/t.ini\",\n"
        "  \"keys\":[\n"
        "    {\n"
        "      \"key\":\"vm.swappiness\",\n"
        "      \"value\":\"1\",\n"
        "      \"modifier\":\"exact\",\n"
        "      \"persisted\":true\n"
        "    },\n"
        "    {\n"
        "      \"key\":\"fs.file-max\",\n"
        "      \"value\":\"1048576\",\n"
        "      \"modifier\":\">=\",\n"
        "      \"persisted\":false\n"
        "    }\n"
        "  ],\n"
        "  \"modules\":[\n"
        "    \"overlay\"\n"
        "  ],\n"
        "  \"nofile\":4096,\n"
        "  \"files\":{\n"
        "    \"/etc/sysctl.d/99-zz-nodeprep.conf\":\"vm.swappiness = 1\\n\"\n"
        "  }\n"
        "}\n";

struct tree {
        char dir[64];
        struct sysroot *sr;
};

static void write_file(const struct tree *t, const char *path, const char *content) {
        char *p = NULL, cmd[256];
        FILE *f;

        assert_true(asprintf(&p, "%s%s", t->dir, path) > 0);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
        assert_int_equal(system(cmd), 0);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        free(p);
}

static int tree_setup(void **state) {
        struct tree *t = calloc(1, sizeof(*t));

        assert_non_null(t);
        snprintf(t->dir, sizeof(t->dir), "/tmp/test-tune-results.XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        write_file(t, "/proc/sys/vm/swappiness", "1\n");
        write_file(t, "/proc/sys/fs/file-max", "2097152\n");
        write_file(t, "/sys/module/overlay/.keep", "");
        write_file(t, "/etc/sysctl.d/99-zz-nodeprep.conf", "vm.swappiness = 1\n");
        assert_int_equal(sysroot_new(t->dir, &t->sr), 0);
        *state = t;
        return 0;
}

static int tree_teardown(void **state) {
        struct tree *t = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        assert_int_equal(system(cmd), 0);
        sysroot_free(t->sr);
        free(t);
        return 0;
}

static void record(const struct tree *t) {
        struct tune_applied_key keys[] = {
                { .key = (char *) "vm.swappiness", .value = (char *) "1", .mod = MOD_EXACT, .persisted = true },
                { .key = (char *) "fs.file-max", .value = (char *) "1048576", .mod = MOD_AT_LEAST },
        };
        struct tune_applied_file files[] = {
                { .path = (char *) "/etc/sysctl.d/99-zz-nodeprep.conf", .content = (char *) "vm.swappiness = 1\n" },
        };
        char *modules[] = { (char *) "overlay", NULL };
        struct tune_applied a = {
                .profile = (char *) "t", .file = (char *) "/etc/nodeprep/profiles/t.ini", .keys = keys, .n_keys = 2,
                .modules = modules, .nofile = 4096, .files = files, .n_files = 1,
        };

        assert_int_equal(tune_applied_record(t->sr, &a), 0);
}

static void test_record_bytes_and_load(void **state) {
        struct tree *t = *state;
        _cleanup_(tune_applied_done) struct tune_applied a = {};
        _cleanup_free_ char *text = NULL, *error = NULL;

        record(t);
        assert_int_equal(sysroot_read_file(t->sr, STATE_APPLIED, 1 << 20, &text, NULL), 0);
        assert_string_equal(text, expected_record);

        assert_int_equal(tune_applied_load(t->sr, &a, &error), 0);
        assert_string_equal(a.profile, "t");
        assert_string_equal(a.file, "/etc/nodeprep/profiles/t.ini");
        assert_int_equal(a.n_keys, 2);
        assert_string_equal(a.keys[1].key, "fs.file-max");
        assert_int_equal(a.keys[1].mod, MOD_AT_LEAST);
        assert_false(a.keys[1].persisted);
        assert_true(a.keys[0].persisted);
        assert_string_equal(a.modules[0], "overlay");
        assert_null(a.modules[1]);
        assert_int_equal(a.nofile, 4096);
        assert_int_equal(a.n_files, 1);
        assert_string_equal(a.files[0].content, "vm.swappiness = 1\n");
        assert_string_equal(tune_applied_find(&a, "fs.file-max")->value, "1048576");
        assert_null(tune_applied_find(&a, "vm.panic_on_oom"));
        assert_int_equal(tune_applied_nofile(t->sr), 4096);
}

static void test_load_refuses_bad_record(void **state) {
        struct tree *t = *state;
        _cleanup_(tune_applied_done) struct tune_applied a = {};
        _cleanup_free_ char *error = NULL;

        /* A modifier that was never written: the check names file and key. */
        write_file(t, STATE_APPLIED, "{\"version\":1,\"profile\":\"t\",\"keys\":[{\"key\":\"vm.swappiness\","
                   "\"value\":\"1\",\"modifier\":\"at-least\",\"persisted\":true}],\"modules\":[],\"files\":{}}");
        assert_int_equal(tune_applied_load(t->sr, &a, &error), -EBADMSG);
        assert_non_null(strstr(error, STATE_APPLIED));
        assert_non_null(strstr(error, "vm.swappiness"));
        assert_int_equal(tune_applied_nofile(t->sr), 0);
}

static void test_verify_typed(void **state) {
        struct tree *t = *state;
        _cleanup_(tune_verify_result_done) struct tune_verify_result v = {};
        _cleanup_free_ const char **drifted = NULL;
        _cleanup_free_ char *error = NULL;

        record(t);
        assert_int_equal(tune_verify(t->sr, &v, &error), 0);
        assert_string_equal(v.profile, "t");
        assert_int_equal(v.n_keys, 2);
        assert_int_equal(v.n_files, 1);
        assert_int_equal(v.n_modules, 1);
        assert_int_equal(v.n_drifted, 0);
        assert_string_equal(v.keys[1].expected, ">=1048576");
        assert_string_equal(v.files[0].live, "18 bytes, same");
        tune_verify_result_done(&v);

        /* Drift on a key, a file gone: named in verify's order. */
        write_file(t, "/proc/sys/vm/swappiness", "60\n");
        {
                char *p = NULL;

                assert_true(asprintf(&p, "%s/etc/sysctl.d/99-zz-nodeprep.conf", t->dir) > 0);
                assert_int_equal(unlink(p), 0);
                free(p);
        }
        assert_int_equal(tune_verify(t->sr, &v, &error), 0);
        assert_int_equal(v.n_drifted, 2);
        assert_int_equal(v.keys[0].status, TUNE_SYNC_DRIFT);
        assert_string_equal(v.keys[0].live, "60");
        assert_int_equal(v.keys[1].status, TUNE_SYNC_IN_SYNC);
        assert_int_equal(v.files[0].status, TUNE_SYNC_MISSING);
        assert_null(v.files[0].live);
        assert_int_equal(tune_verify_drifted(&v, &drifted), 0);
        assert_string_equal(drifted[0], "vm.swappiness");
        assert_string_equal(drifted[1], "/etc/sysctl.d/99-zz-nodeprep.conf");
        assert_null(drifted[2]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_record_bytes_and_load, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_load_refuses_bad_record, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_verify_typed, tree_setup, tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
