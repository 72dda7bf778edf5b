/* SPDX-License-Identifier: MIT */
/* The one errno -> exit code table, the subcommand dispatcher, and the
 * guards under --root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/cli.h"
#include "cmd/guard.h"

static void test_table(void **state) {
        static const struct {
                int r, given, fetched;
        } rows[] = {
                { 0, EXIT_OK, EXIT_OK },
                { -EINVAL, EXIT_INVALID, EXIT_INVALID },
                { -EBADMSG, EXIT_INVALID, EXIT_FAILED },
                { -E2BIG, EXIT_INVALID, EXIT_FAILED },
                { -ELOOP, EXIT_INVALID, EXIT_FAILED },
                { -EACCES, EXIT_NOT_PERMITTED, EXIT_FAILED },
                { -EPERM, EXIT_NOT_PERMITTED, EXIT_NOT_PERMITTED },
                { -EROFS, EXIT_NOT_PERMITTED, EXIT_NOT_PERMITTED },
                { -ENOENT, EXIT_FAILED, EXIT_FAILED },
                { -ETIMEDOUT, EXIT_FAILED, EXIT_FAILED },
                { -ENOMEM, EXIT_FAILED, EXIT_FAILED },
        };

        (void) state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                assert_int_equal(cli_exit_code_for(rows[i].r), rows[i].given);
                assert_int_equal(cli_exit_code_for_fetched(rows[i].r), rows[i].fetched);
        }
}

static int ran_argc;
static const char *ran_name;

static int sub_a(struct cli *cli, int argc, char **argv) {
        (void) cli;
        ran_argc = argc;
        ran_name = argv[0];
        return 7;
}

static void test_subcommand(void **state) {
        static const struct cli_subcommand subs[] = { { "alpha", sub_a }, { "beta", sub_a }, {} };
        struct cli cli = { .command = "thing" };
        char thing[] = "thing", beta[] = "beta", x[] = "--x", gamma[] = "gamma";
        char *ok[] = { thing, beta, x, NULL }, *none[] = { thing, NULL }, *bad[] = { thing, gamma, NULL };

        (void) state;
        assert_int_equal(cli_run_subcommand(&cli, 3, ok, subs, "expected alpha or beta"), 7);
        assert_int_equal(ran_argc, 2);
        assert_string_equal(ran_name, "beta");
        ran_name = NULL;
        assert_int_equal(cli_run_subcommand(&cli, 1, none, subs, "expected alpha or beta"), EXIT_INVALID);
        assert_int_equal(cli_run_subcommand(&cli, 2, bad, subs, "expected alpha or beta"), EXIT_INVALID);
        assert_null(ran_name);
}

/* Under --root the guards are not about this machine: they pass, whoever runs them. */
static void test_guards_under_root(void **state) {
        struct sysroot *sr = NULL;
        struct cli cli = {};
        bool only_per_netns = true;

        (void) state;
        assert_int_equal(sysroot_new("/tmp", &sr), 0);
        cli.sr = sr;
        assert_int_equal(cli_guard_root(&cli, "must run as root"), 0);
        assert_int_equal(cli_guard_sysctl_write(&cli, false, &only_per_netns), 0);
        assert_false(only_per_netns);
        sysroot_free(sr);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_subcommand),
                cmocka_unit_test(test_guards_under_root),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
