/* SPDX-License-Identifier: MIT */
/* Unit tests: sysctl name normalization, the known-keys table, port lists,
 * and the write order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "tune/keys.h"
#include "tune/order.h"
#include "tune/sysctl.h"

static void test_normalize_name(void **state) {
        static const char *const good[][2] = {
                { "net.core.somaxconn", "net.core.somaxconn" },
                { "net/core/somaxconn", "net.core.somaxconn" },
                /* systemd's rule: '/' first means dots are literal (VLAN eth0.1) */
                { "net/ipv4/conf/eth0.1/rp_filter", "net.ipv4.conf.eth0/1.rp_filter" },
                { "net.ipv4.conf.eth0/1.rp_filter", "net.ipv4.conf.eth0/1.rp_filter" },
                { "fs.file-max", "fs.file-max" },
        };
        static const char *const bad[] = {
                "", ".", "net..core", "net.core.", ".net", "net/../etc", "net.core.some key",
                "net.core.x\n", "net./.x", "net.//.x", "kernel.*", "a/b/..",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char *s = NULL;

                assert_int_equal(sysctl_normalize_name(good[i][0], &s), 0);
                assert_string_equal(s, good[i][1]);
                free(s);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *s = NULL;

                if (sysctl_normalize_name(bad[i], &s) == 0)
                        fail_msg("'%s' accepted as '%s'", bad[i], s);
        }
}

static void test_path(void **state) {
        char *p = NULL;

        assert_int_equal(sysctl_path("net.ipv4.conf.eth0/1.rp_filter", &p), 0);
        assert_string_equal(p, "/proc/sys/net/ipv4/conf/eth0.1/rp_filter");
        free(p);
}

static void check(const char *key, const char *value, int want) {
        const struct known_key *k = known_key_find(key);
        char *why = NULL;
        int r;

        assert_non_null(k);
        r = known_key_check_value(k, value, &why);
        if (r != want)
                fail_msg("%s = %s: got %d (%s), want %d", key, value, r, why ? why : "", want);
        if (r < 0)
                assert_non_null(why);
        free(why);
}

static void test_known_keys(void **state) {
        check("net.ipv4.ip_forward", "1", 0);
        check("net.ipv4.ip_forward", "2", -ERANGE);   /* the kernel accepts it; we do not */
        check("net.ipv4.ip_forward", "yes", -EINVAL);
        check("net.core.somaxconn", "32768", 0);
        check("net.core.somaxconn", "2147483647", -ERANGE);
        check("fs.file-max", "9223372036854775807", 0);
        check("fs.nr_open", "2147483585", -ERANGE);
        check("net.ipv4.ip_local_port_range", "32768 60999", 0);
        check("net.ipv4.ip_local_port_range", "32768", -EINVAL);
        check("net.ipv4.ip_local_port_range", "1 70000", -ERANGE);
        check("net.ipv4.ip_local_reserved_ports", "30000-32767,6443", 0);
        check("net.ipv4.ip_local_reserved_ports", "", 0);
        check("net.ipv4.ip_local_reserved_ports", "32767-30000", -ERANGE);
        check("net.ipv4.ip_local_reserved_ports", "a-b", -EINVAL);
        assert_null(known_key_find("net.core.no_such"));
        assert_int_equal(known_key_find("net.ipv4.neigh.default.gc_thresh3")->scope, SCOPE_INIT_NETNS);
        assert_int_equal(known_key_find("vm.overcommit_memory")->owner, OWNER_KUBELET);
        assert_null(known_key_find("net.netfilter.nf_conntrack_max")->owner_value);
}

static void test_port_list_covers(void **state) {
        assert_true(port_list_covers("30000-32767", 30000, 32767));
        assert_true(port_list_covers("6443,30000-31000,31001-32767", 30000, 32767));
        assert_false(port_list_covers("30000-32766", 30000, 32767));
        assert_false(port_list_covers("", 30000, 32767));
        assert_false(port_list_covers("junk", 30000, 32767));
}

static size_t pos(const size_t *order, size_t n, size_t idx) {
        for (size_t i = 0; i < n; i++)
                if (order[i] == idx)
                        return i;
        fail();
        return 0;
}

static void test_order_raise(void **state) {
        const struct write_op ops[] = {
                { "net.ipv4.neigh.default.gc_thresh1", "128", "4096" },
                { "net.core.somaxconn", "4096", "32768" },
                { "net.ipv4.neigh.default.gc_thresh2", "512", "8192" },
                { "net.ipv4.neigh.default.gc_thresh3", "1024", "16384" },
                { "net.ipv4.ip_forward", "0", "1" },
        };
        size_t order[5];

        order_writes(ops, 5, order);
        assert_int_equal(order[0], 4);                          /* ip_forward first */
        assert_true(pos(order, 5, 3) < pos(order, 5, 2));       /* raise: 3, 2, 1 */
        assert_true(pos(order, 5, 2) < pos(order, 5, 0));
}

static void test_order_lower_and_mixed(void **state) {
        const struct write_op lower[] = {
                { "net.ipv4.neigh.default.gc_thresh3", "16384", "1024" },
                { "net.ipv4.neigh.default.gc_thresh2", "8192", "512" },
                { "net.ipv4.neigh.default.gc_thresh1", "4096", "128" },
        };
        /* 1 rises past old 2 while 3 falls: raises must go first, highest first. */
        const struct write_op mixed[] = {
                { "net.ipv6.neigh.default.gc_thresh1", "100", "300" },
                { "net.ipv6.neigh.default.gc_thresh2", "200", "400" },
                { "net.ipv6.neigh.default.gc_thresh3", "2000", "1000" },
        };
        size_t order[3];
        int64_t v[4];

        order_writes(lower, 3, order);
        assert_int_equal(order[0], 2);                          /* lower: 1, 2, 3 */
        assert_int_equal(order[1], 1);
        assert_int_equal(order[2], 0);

        /* Simulate: the invariant must hold after every single write. */
        order_writes(mixed, 3, order);
        v[1] = 100, v[2] = 200, v[3] = 2000;
        for (size_t i = 0; i < 3; i++) {
                const char *k = mixed[order[i]].key;
                int t = k[strlen(k) - 1] - '0';

                v[t] = strtoll(mixed[order[i]].to, NULL, 10);
                assert_true(v[1] <= v[2] && v[2] <= v[3]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_normalize_name),
                cmocka_unit_test(test_path),
                cmocka_unit_test(test_known_keys),
                cmocka_unit_test(test_port_list_covers),
                cmocka_unit_test(test_order_raise),
                cmocka_unit_test(test_order_lower_and_mixed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
