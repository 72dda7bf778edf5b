/* SPDX-License-Identifier: MIT */
/* Unit tests: strict parsing, blank normalization, capped reads, atomic
 * writes, and the root context keeping fixture symlinks inside the root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileio.h"
#include "basic/parse.h"
#include "basic/redact.h"
#include "shared/url-redact.h"
#include "basic/runlock.h"
#include "basic/sysroot.h"

static void test_safe_atoi64(void **state) {
        int64_t v;

        assert_int_equal(safe_atoi64("42", &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(safe_atoi64("-1", &v), 0);
        assert_int_equal(v, -1);
        assert_int_equal(safe_atoi64("9223372036854775807", &v), 0);
        assert_int_equal(safe_atoi64("9223372036854775808", &v), -ERANGE);
        assert_int_equal(safe_atoi64("", &v), -EINVAL);
        assert_int_equal(safe_atoi64(" 1", &v), -EINVAL);
        assert_int_equal(safe_atoi64("1 ", &v), -EINVAL);
        assert_int_equal(safe_atoi64("0x10", &v), -EINVAL);
        assert_int_equal(safe_atoi64("+1", &v), -EINVAL);
        assert_int_equal(safe_atoi64("-", &v), -EINVAL);
}

static void test_safe_atou64(void **state) {
        uint64_t v;

        assert_int_equal(safe_atou64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(safe_atou64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(safe_atou64("-1", &v), -EINVAL);
}

static void test_normalize_blanks(void **state) {
        static const char *const cases[][2] = {
                { "32768\t60999", "32768 60999" },
                { "  a   b  ", "a b" },
                { "x\n", "x" },
                { "", "" },
                { " \t ", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *s = strdup(cases[i][0]);

                assert_string_equal(normalize_blanks(s), cases[i][1]);
                free(s);
        }
}

static void test_split_words(void **state) {
        _cleanup_strv_free_ char **l = NULL;

        assert_int_equal(split_words(" br_netfilter,overlay  nf_conntrack ", &l), 0);
        assert_int_equal(strv_length(l), 3);
        assert_string_equal(l[0], "br_netfilter");
        assert_string_equal(l[2], "nf_conntrack");
        assert_true(strv_contains(l, "overlay"));
        assert_false(strv_contains(l, "over"));
}

static char *tmpdir(void) {
        char *d = strdup("/tmp/nodeprep-unit.XXXXXX");

        assert_non_null(mkdtemp(d));
        return d;
}

static void test_read_capped(void **state) {
        _cleanup_free_ char *d = tmpdir(), *buf = NULL, *path = NULL;
        _cleanup_close_ int fd = -1;
        size_t n;

        assert_true(asprintf(&path, "%s/f", d) > 0);
        fd = open(path, O_RDWR | O_CREAT, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, "0123456789", 10), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(read_fd_capped(fd, 10, &buf, &n), 0);
        assert_int_equal(n, 10);
        assert_string_equal(buf, "0123456789");
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        free(TAKE_PTR(buf));
        assert_int_equal(read_fd_capped(fd, 9, &buf, &n), -EFBIG);
        unlink(path);
        rmdir(d);
}

static void test_atomic_write(void **state) {
        _cleanup_free_ char *d = tmpdir(), *buf = NULL, *path = NULL;
        _cleanup_close_ int dfd = open(d, O_DIRECTORY | O_RDONLY);
        struct stat st;

        assert_true(dfd >= 0);
        assert_int_equal(write_file_atomic_at(dfd, "x.conf", "one\n", 4, 0644), 0);
        assert_int_equal(write_file_atomic_at(dfd, "x.conf", "two\n", 4, 0640), 0);
        assert_int_equal(fstatat(dfd, "x.conf", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(write_file_atomic_at(dfd, "../escape", "x", 1, 0644), -EINVAL);
        assert_true(asprintf(&path, "%s/x.conf", d) > 0);
        {
                _cleanup_close_ int fd = open(path, O_RDONLY);

                assert_int_equal(read_fd_capped(fd, 100, &buf, NULL), 0);
        }
        assert_string_equal(buf, "two\n");
        unlink(path);
        rmdir(d);
}

static void test_url_redact(void **state) {
        _cleanup_free_ char *a = url_redact("https://user:pass@host.example:8443/x/y?token=t&b=2#frag");
        _cleanup_free_ char *b = url_redact("postgres://k3s:pw@db:5432/k3s?sslmode=require");
        _cleanup_free_ char *c = url_redact("not a url");
        char argv_copy[] = "http://u:p@127.0.0.1:9/r?token=abc#f";

        assert_string_equal(a, "https://host.example:8443/x/y");
        assert_string_equal(b, "postgres://db:5432/k3s");
        assert_string_equal(c, "(a URL that does not parse)");
        url_scrub_in_place(argv_copy);
        assert_string_equal(argv_copy, "http://xxx@127.0.0.1:9/r?xxxxxxxxx#x");
}

static void test_run_lock(void **state) {
        _cleanup_free_ char *d = tmpdir();
        _cleanup_sysroot_ struct sysroot *sr = NULL;
        struct run_lock a = RUN_LOCK_NONE, b = RUN_LOCK_NONE;
        struct run_lock_holder h = {};
        char buf[256];

        assert_int_equal(sysroot_new(d, &sr), 0);
        assert_int_equal(run_lock_acquire(sr, "apply", 0, NULL, &a), 0);
        /* Held: a second taker gives up after its timeout and names the holder. */
        assert_int_equal(run_lock_acquire(sr, "rollback", 50, &h, &b), -ETIMEDOUT);
        snprintf(buf, sizeof(buf), "%d apply", (int) getpid());
        assert_string_equal(h.text, buf);
        assert_int_equal(b.fd, -1);
        run_lock_release(&a);
        /* Released: the file and the /run it made are gone, and it can be taken again. */
        snprintf(buf, sizeof(buf), "%s/run", d);
        assert_int_equal(access(buf, F_OK), -1);
        assert_int_equal(run_lock_acquire(sr, "rollback", 0, NULL, &b), 0);
        run_lock_release(&b);
}

static void test_sysroot_confines_symlinks(void **state) {
        _cleanup_free_ char *d = tmpdir(), *etc = NULL, *link = NULL, *secret = NULL, *s = NULL;
        _cleanup_sysroot_ struct sysroot *sr = NULL;

        assert_true(asprintf(&etc, "%s/etc", d) > 0);
        assert_int_equal(mkdir(etc, 0755), 0);
        assert_true(asprintf(&secret, "%s/etc/hostname", d) > 0);
        {
                FILE *f = fopen(secret, "w");

                assert_non_null(f);
                fputs("fixture\n", f);
                fclose(f);
        }
        /* An absolute link in a fixture must resolve inside the fixture. */
        assert_true(asprintf(&link, "%s/etc/link", d) > 0);
        assert_int_equal(symlink("/etc/hostname", link), 0);
        assert_int_equal(sysroot_new(d, &sr), 0);
        assert_false(sr->live);
        assert_int_equal(sysroot_read_string(sr, "/etc/link", &s), 0);
        assert_string_equal(s, "fixture");
        free(TAKE_PTR(s));
        assert_int_equal(sysroot_read_string(sr, "/etc/../../../etc/hostname", &s), 0);
        assert_string_equal(s, "fixture");
        assert_int_equal(sysroot_read_string(sr, "relative", &s), -EINVAL);
        assert_int_equal(sysroot_mkdir_p(sr, "/var/lib/nodeprep", 0755), 0);
        assert_int_equal(sysroot_write_atomic(sr, "/var/lib/nodeprep/x", "1", 1, 0644), 0);
        assert_int_equal(sysroot_access(sr, "/var/lib/nodeprep/x", F_OK), 0);
        assert_int_equal(sysroot_unlink(sr, "/var/lib/nodeprep/x"), 0);
        assert_int_equal(sysroot_unlink(sr, "/var/lib/nodeprep/x"), 0);
        {
                char *cmd;

                assert_true(asprintf(&cmd, "rm -rf '%s'", d) > 0);
                assert_int_equal(system(cmd), 0);
                free(cmd);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_safe_atoi64),
                cmocka_unit_test(test_safe_atou64),
                cmocka_unit_test(test_normalize_blanks),
                cmocka_unit_test(test_split_words),
                cmocka_unit_test(test_read_capped),
                cmocka_unit_test(test_atomic_write),
                cmocka_unit_test(test_sysroot_confines_symlinks),
                cmocka_unit_test(test_url_redact),
                cmocka_unit_test(test_run_lock),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
