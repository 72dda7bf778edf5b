/* SPDX-License-Identifier: MIT */
/* Unit tests: profile parsing, modifiers, includes and precedence,
 * invariants and advisories; boot precedence of sysctl.d files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/parse.h"
#include "basic/sysroot.h"
#include "tune/bootconf.h"
#include "tune/profile.h"

static int parse(const char *text, struct profile **ret, char **ret_error) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        char **includes = NULL;
        unsigned *lines = NULL;
        int r;

        assert_non_null(f);
        r = profile_parse_stream(f, "t.ini", ret, &includes, &lines, ret_error);
        fclose(f);
        strv_free(includes);
        free(lines);
        if (r >= 0 && !(*ret)->file)
                (*ret)->file = strdup("t.ini");
        return r;
}

static void expect_error(const char *text, const char *fragment) {
        struct profile *p = NULL;
        char *error = NULL;

        if (parse(text, &p, &error) >= 0) {
                /* Parse-clean: then the invariants must catch it. */
                int r = profile_check_invariants(p, NULL, NULL, &error);

                profile_free(p);
                if (r >= 0)
                        fail_msg("accepted: %s", text);
        }
        assert_non_null(error);
        if (!strstr(error, fragment))
                fail_msg("error '%s' lacks '%s'", error, fragment);
        free(error);
}

static void test_modifiers(void **state) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;
        const struct profile_entry *e;

        assert_int_equal(parse("[profile]\ndescription = d\n"
                               "[sysctl]\n"
                               "fs.file-max = >=2097152\n"
                               "vm.swappiness = <=10\n"
                               "net/core/somaxconn = 32768\n"
                               "net.ipv4.ip_local_port_range =   40000\t50001  \n"
                               "net.netfilter.nf_conntrack_max = auto\n"
                               "?net.core.busy_poll = 50\n"
                               "[sysctl.unchecked]\n"
                               "kernel.sched_autogroup_enabled = 0\n"
                               "[modules]\nload = br_netfilter overlay\nload = overlay nf_conntrack\n"
                               "[limits]\nnofile = 1048576\n", &p, &error), 0);
        assert_int_equal(p->n_entries, 7);
        e = profile_find(p, "fs.file-max");
        assert_int_equal(e->mod, MOD_AT_LEAST);
        assert_string_equal(e->value, "2097152");
        assert_int_equal(e->origin.line, 4);
        assert_int_equal(profile_find(p, "vm.swappiness")->mod, MOD_AT_MOST);
        assert_non_null(profile_find(p, "net.core.somaxconn"));
        assert_string_equal(profile_find(p, "net.ipv4.ip_local_port_range")->value, "40000 50001");
        assert_int_equal(profile_find(p, "net.netfilter.nf_conntrack_max")->mod, MOD_OWNER);
        assert_true(profile_find(p, "net.core.busy_poll")->unchecked);
        assert_true(profile_find(p, "kernel.sched_autogroup_enabled")->unchecked);
        assert_false(profile_find(p, "fs.file-max")->unchecked);
        assert_int_equal(strv_length(p->modules), 3);
        assert_true(p->nofile == 1048576);
        assert_int_equal(p->nofile_origin.line, 16);
        assert_string_equal(p->description, "d");
}

static void test_errors(void **state) {
        expect_error("[sysctl]\nnet.core.somaxconn\n", "t.ini:2: syntax error");
        expect_error("k = v\n", "before any [section]");
        expect_error("[sysctl]\nnet.core.nope = 1\n", "t.ini:2: unknown sysctl key");
        expect_error("[sysctl]\nnet.core.somaxconn = >=x\n", "not an integer");
        expect_error("[sysctl]\nnet.ipv4.ip_forward = 2\n", "out of range");
        expect_error("[sysctl]\nnet.ipv4.ip_forward = <=1\n", "applies only to integer keys");
        expect_error("[sysctl]\nkernel.panic = 0\n", "owned by kubelet");
        expect_error("[sysctl]\nnet.core.somaxconn = auto\n", "'auto' is only for");
        expect_error("[sysctl]\n?x.y = auto\n", "'auto' is only for known keys");
        expect_error("[sysctl]\n?x.y = >=a\n", "needs an integer");
        expect_error("[sysctl]\nnet.core.somaxconn =\n", "empty value");
        expect_error("[sysctl]\n?x.y = a\x01\n", "control characters");
        expect_error("[profile]\ndescription = a\ndescription = b\n", "t.ini:3: description is set twice");
        expect_error("[profile]\nname = x\n", "unknown key 'name' in [profile]");
        expect_error("[modules]\nload = ok bad/name\n", "invalid module name 'bad/name'");
        expect_error("[limits]\nnofile = 100\n", "out of range");
        expect_error("[limits]\nnproc = 100\n", "unknown key 'nproc'");
        expect_error("[sysctl]\nnet.ipv4.neigh.default.gc_thresh1 = 3\nnet.ipv4.neigh.default.gc_thresh2 = 2\n"
                     "net.ipv4.neigh.default.gc_thresh3 = 4\n", "t.ini:4: net.ipv4.neigh.default.gc_thresh1 <=");
        expect_error("[sysctl]\nnet.ipv4.ip_local_port_range = 1024 65000\n", "overlaps the NodePort range");
        expect_error("[sysctl]\nfs.nr_open = 1048576\n[limits]\nnofile = 2000000\n", "below [limits] nofile");
}

static void test_invariant_ok_cases(void **state) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_strv_free_ char **advice = NULL;

        /* A widened range is fine once NodePorts are reserved. */
        assert_int_equal(parse("[sysctl]\nnet.ipv4.ip_local_port_range = 1024 65000\n"
                               "net.ipv4.ip_local_reserved_ports = 30000-32767,6443\n"
                               "net.core.somaxconn = 32768\nnet.ipv4.tcp_max_syn_backlog = 16384\n", &p, &error), 0);
        assert_int_equal(profile_check_invariants(p, NULL, NULL, &error), 0);
        assert_int_equal(profile_advisories(p, NULL, NULL, &advice), 0);
        assert_non_null(advice[0]);
        assert_non_null(strstr(advice[0], "tcp_max_syn_backlog 16384 is below net.core.somaxconn 32768"));
}

static const char *live_values(const char *key, void *userdata) {
        if (streq(key, "net.ipv4.neigh.default.gc_thresh2"))
                return "512";
        if (streq(key, "net.ipv4.neigh.default.gc_thresh3"))
                return "1024";
        if (streq(key, "fs.nr_open"))
                return "1048576";
        return NULL;
}

static void test_invariants_with_live(void **state) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;

        /* Setting only thresh1 above the live thresh2 breaks the invariant. */
        assert_int_equal(parse("[sysctl]\nnet.ipv4.neigh.default.gc_thresh1 = 4096\n", &p, &error), 0);
        assert_int_equal(profile_check_invariants(p, NULL, NULL, &error), 0);
        assert_int_equal(profile_check_invariants(p, live_values, NULL, &error), -EINVAL);
        assert_non_null(strstr(error, "(4096, 512, 1024)"));
        free(TAKE_PTR(error));
        profile_free(TAKE_PTR(p));
        /* nofile above the live nr_open. */
        assert_int_equal(parse("[limits]\nnofile = 2000000\n", &p, &error), 0);
        assert_int_equal(profile_check_invariants(p, live_values, NULL, &error), -EINVAL);
        assert_non_null(strstr(error, "above the live fs.nr_open 1048576"));
}

/* A temporary profile directory for include tests. */
static char *dir;

static void put_file(const char *relative, const char *text) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, relative);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void put(const char *name, const char *text) {
        char relative[256];

        snprintf(relative, sizeof(relative), "%s.ini", name);
        put_file(relative, text);
}

static int setup_dir(void **state) {
        dir = strdup("/tmp/nodeprep-unit.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state) {
        char *cmd;

        if (asprintf(&cmd, "rm -rf '%s'", dir) > 0) {
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", dir);
                free(cmd);
        }
        free(dir);
        return 0;
}

static void test_includes(void **state) {
        char *search[] = { dir, NULL };
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;

        put("grand", "[profile]\ndescription = g\n[sysctl]\nnet.core.somaxconn = 1024\nvm.swappiness = 60\n"
            "[modules]\nload = overlay\n[limits]\nnofile = 65536\n");
        put("parent-a", "[profile]\ninclude = grand\n[sysctl]\nnet.core.somaxconn = 2048\n");
        put("parent-b", "[profile]\ninclude = grand\n[sysctl]\nvm.swappiness = 10\n[modules]\nload = br_netfilter\n");
        put("child", "[profile]\ndescription = c\ninclude = parent-a parent-b\n[sysctl]\nfs.file-max = >=100000\n");
        assert_int_equal(profile_load("child", search, &p, &error), 0);
        assert_string_equal(p->name, "child");
        assert_string_equal(p->description, "c");
        /* parents first, later wins: parent-b's grand copy re-sets somaxconn to
         * 1024 after parent-a set 2048, as the merge order says. */
        assert_string_equal(profile_find(p, "net.core.somaxconn")->value, "1024");
        assert_string_equal(profile_find(p, "vm.swappiness")->value, "10");
        assert_int_equal(strv_length(p->modules), 2);
        assert_true(p->nofile == 65536);
        assert_int_equal(strv_length(p->chain), 5);
        profile_free(TAKE_PTR(p));

        put("override", "[profile]\ninclude = parent-b\n[sysctl]\nvm.swappiness = 1\n");
        assert_int_equal(profile_load("override", search, &p, &error), 0);
        assert_string_equal(profile_find(p, "vm.swappiness")->value, "1");
        assert_non_null(strstr(profile_find(p, "vm.swappiness")->origin.file, "override.ini"));
}

static void test_include_errors(void **state) {
        char *search[] = { dir, NULL };
        struct profile *p = NULL;
        char *error = NULL;

        put("loop-a", "[profile]\ninclude = loop-b\n");
        put("loop-b", "[profile]\n\ninclude = loop-a\n");
        assert_int_equal(profile_load("loop-a", search, &p, &error), -ELOOP);
        assert_non_null(strstr(error, "loop-b.ini:3: include cycle"));
        free(error);
        put("self", "[profile]\ninclude = self\n");
        assert_int_equal(profile_load("self", search, &p, &error), -ELOOP);
        free(error);
        put("orphan", "[profile]\ninclude = nobody\n");
        assert_int_equal(profile_load("orphan", search, &p, &error), -ENOENT);
        assert_non_null(strstr(error, "orphan.ini:2: included profile 'nobody' not found"));
        free(error);
        assert_int_equal(profile_load("../etc/passwd", NULL, &p, &error), -ENOENT);
        free(error);
        assert_int_equal(profile_load("bad name", search, &p, &error), -EINVAL);
        free(error);
}

/* assert_string_equal() crashes on NULL; a missing winner must fail cleanly. */
static void expect_file(const char *got, const char *want) {
        if (!got)
                fail_msg("expected %s, got NULL", want);
        assert_string_equal(got, want);
}

static void test_boot_precedence(void **state) {
        _cleanup_sysroot_ struct sysroot *sr = NULL;
        _cleanup_boot_config_ struct boot_config *bc = NULL;
        const char *top = getenv("NODEPREP_TOP"), *value = NULL;
        char root[512];

        snprintf(root, sizeof(root), "%s/tests/fixtures/tune/debian12", top ? top : ".");
        assert_int_equal(sysroot_new(root, &sr), 0);
        assert_int_equal(boot_config_scan(sr, &bc), 0);
        /* /etc/sysctl.d/30-tcp.conf replaces /usr/lib/sysctl.d/30-tcp.conf. */
        expect_file(boot_config_winner(bc, "net.ipv4.tcp_max_syn_backlog", &value), "/etc/sysctl.d/30-tcp.conf");
        assert_string_equal(value, "4096");
        /* 99-sysctl.conf -> ../sysctl.conf is read, under its link's name. */
        expect_file(boot_config_winner(bc, "vm.swappiness", NULL), "/etc/sysctl.d/99-sysctl.conf");
        /* Masked by a link to /dev/null. */
        assert_null(boot_config_winner(bc, "vm.max_map_count", NULL));
        /* Globs apply where nothing explicit does... */
        expect_file(boot_config_winner(bc, "net.ipv4.conf.eth0.rp_filter", NULL), "/usr/lib/sysctl.d/50-default.conf");
        /* ...and ours (99-zz-nodeprep) beats 99-sysctl.conf but loses to 99-zzz-local.conf. */
        assert_null(boot_config_overrider(bc, "vm.swappiness", "99-zz-nodeprep.conf"));
        expect_file(boot_config_overrider(bc, "net.core.somaxconn", "99-zz-nodeprep.conf"), "/etc/sysctl.d/99-zzz-local.conf");
        assert_null(boot_config_overrider(bc, "net.ipv4.conf.eth0.rp_filter", "99-zz-nodeprep.conf"));
        /* procps --system applies /etc/sysctl.conf once more, last. */
        expect_file(boot_config_procps_overrider(bc, "vm.swappiness"), "/etc/sysctl.conf");
        assert_null(boot_config_procps_overrider(bc, "net.core.somaxconn"));
}

/* Debian 13's layout: procps 4 ships neither /etc/sysctl.conf nor the
 * 99-sysctl.conf link, /lib is /usr/lib (merged /usr). An /etc/sysctl.conf
 * an admin writes there is read by procps `sysctl --system` only, never by
 * systemd-sysctl at boot. */
static void test_boot_precedence_trixie(void **state) {
        _cleanup_sysroot_ struct sysroot *sr = NULL;
        _cleanup_boot_config_ struct boot_config *bc = NULL;
        const char *value = NULL;
        char p[600];

        for (size_t i = 0; i < 5; i++) {
                static const char *const dirs[] = { "usr", "usr/lib", "usr/lib/sysctl.d", "etc", "etc/sysctl.d" };
                snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
                assert_int_equal(mkdir(p, 0755), 0);
        }
        snprintf(p, sizeof(p), "%s/lib", dir);
        assert_int_equal(symlink("usr/lib", p), 0);
        put_file("usr/lib/sysctl.d/50-pid-max.conf", "kernel.pid_max = 4194304\n");
        put_file("etc/sysctl.d/README.sysctl", "vm.swappiness = 1\n");
        put_file("etc/sysctl.conf", "vm.swappiness = 10\n");

        assert_int_equal(sysroot_new(dir, &sr), 0);
        assert_int_equal(boot_config_scan(sr, &bc), 0);
        /* Found once, under /usr/lib (the /lib alias has the same basename). */
        expect_file(boot_config_winner(bc, "kernel.pid_max", &value), "/usr/lib/sysctl.d/50-pid-max.conf");
        assert_string_equal(value, "4194304");
        assert_null(boot_config_overrider(bc, "kernel.pid_max", "99-zz-nodeprep.conf"));
        /* Not a .conf: ignored. /etc/sysctl.conf: not at boot, only under procps. */
        assert_null(boot_config_winner(bc, "vm.swappiness", NULL));
        assert_null(boot_config_overrider(bc, "vm.swappiness", "99-zz-nodeprep.conf"));
        expect_file(boot_config_procps_overrider(bc, "vm.swappiness"), "/etc/sysctl.conf");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_modifiers),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_invariant_ok_cases),
                cmocka_unit_test(test_invariants_with_live),
                cmocka_unit_test_setup_teardown(test_includes, setup_dir, teardown_dir),
                cmocka_unit_test_setup_teardown(test_include_errors, setup_dir, teardown_dir),
                cmocka_unit_test(test_boot_precedence),
                cmocka_unit_test_setup_teardown(test_boot_precedence_trixie, setup_dir, teardown_dir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
