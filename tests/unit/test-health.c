/* SPDX-License-Identifier: MIT */
/* Unit tests for the health server's pure parts: the procfs parsers, the
 * [health] config parser, request routing, the bearer token, control bytes
 * in requests (and the recv() guard that finds them), the listen address,
 * the checks' verdicts and counter holds, and the /readyz bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "health/health-checks.h"
#include "health/health-config.h"
#include "health/neigh.h"
#include "health/procfs.h"
#include "health/recv-guard.h"
#include "health/route.h"
#include "health/snapshot.h"

static const char arp_cache[] =
        "entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast "
        "periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n"
        "00000006 0000003c 00000026 00000001   00000018 00000000 00000001   00000000         00000000         "
        "000000c4         00000000       00000000            0000000a\n"
        "00000006 00000025 00000035 00000001   00000006 00000000 00000000   00000000         00000000         "
        "00000000         00000000       00000000            00000001\n";

static void test_lnstat(void **state) {
        uint64_t v;

        assert_int_equal(procfs_lnstat_sum(arp_cache, "table_fulls", &v), 0);
        assert_int_equal(v, 11);
        assert_int_equal(procfs_lnstat_sum(arp_cache, "allocs", &v), 0);
        assert_int_equal(v, 0x3c + 0x25);
        assert_int_equal(procfs_lnstat_sum(arp_cache, "nope", &v), -ENOENT);
        assert_int_equal(procfs_lnstat_sum("", "entries", &v), -EBADMSG);
        assert_int_equal(procfs_lnstat_sum("entries table_fulls\n", "table_fulls", &v), -EBADMSG);
        assert_int_equal(procfs_lnstat_sum("a b\n1 2 3\n", "a", &v), -EBADMSG);          /* ragged row */
        assert_int_equal(procfs_lnstat_sum("a b\n1 zz\n", "b", &v), -EBADMSG);            /* not hex */
        assert_int_equal(procfs_lnstat_sum("a b\n1 -2\n", "b", &v), -EBADMSG);
}

static void test_netstat(void **state) {
        static const char buf[] =
                "TcpExt: SyncookiesSent ListenOverflows ListenDrops\n"
                "TcpExt: 1 17 19\n"
                "IpExt: InNoRoutes\n"
                "IpExt: 5\n";
        uint64_t v;

        assert_int_equal(procfs_netstat_get(buf, "TcpExt", "ListenOverflows", &v), 0);
        assert_int_equal(v, 17);
        assert_int_equal(procfs_netstat_get(buf, "TcpExt", "ListenDrops", &v), 0);
        assert_int_equal(v, 19);
        assert_int_equal(procfs_netstat_get(buf, "IpExt", "InNoRoutes", &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(procfs_netstat_get(buf, "TcpExt", "Missing", &v), -ENOENT);
        assert_int_equal(procfs_netstat_get(buf, "Tcp", "ListenDrops", &v), -ENOENT);
        assert_int_equal(procfs_netstat_get("TcpExt: a\nIpExt: 1\n", "TcpExt", "a", &v), -EBADMSG);
        assert_int_equal(procfs_netstat_get("TcpExt: a\nTcpExt: x\n", "TcpExt", "a", &v), -EBADMSG);
}

static void test_file_nr(void **state) {
        uint64_t a, m;

        assert_int_equal(procfs_file_nr("1184\t0\t9223372036854775807\n", &a, &m), 0);
        assert_int_equal(a, 1184);
        assert_true(m == UINT64_C(9223372036854775807));
        assert_int_equal(procfs_file_nr("1 0\n", &a, &m), -EBADMSG);
        assert_int_equal(procfs_file_nr("1 0 0\n", &a, &m), -EBADMSG);    /* max 0: junk */
        assert_int_equal(procfs_file_nr("x y z\n", &a, &m), -EBADMSG);
}

static void test_psi(void **state) {
        struct psi_line some, full;

        assert_int_equal(procfs_psi("some avg10=12.68 avg60=4.31 avg300=1.28 total=7837787\n"
                                    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &some, &full), 0);
        assert_true(some.present && full.present);
        assert_true(fabs(some.avg10 - 12.68) < 1e-9);
        assert_true(fabs(some.avg60 - 4.31) < 1e-9);
        assert_int_equal(some.total_us, 7837787);
        /* cpu before 5.13 has no "full" line */
        assert_int_equal(procfs_psi("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", &some, &full), 0);
        assert_false(full.present);
        assert_int_equal(procfs_psi("full avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", &some, &full), -EBADMSG);
        assert_int_equal(procfs_psi("some avg10=1.00 avg60=2.00 total=4\n", &some, &full), -EBADMSG);
        assert_int_equal(procfs_psi("some avg10=101 avg60=2.00 avg300=3.00 total=4\n", &some, &full), -EBADMSG);
        assert_int_equal(procfs_psi("some avg10=x avg60=2.00 avg300=3.00 total=4\n", &some, &full), -EBADMSG);
        assert_int_equal(procfs_psi("", &some, &full), -EBADMSG);
}

static int parse_config(const char *text, struct health_config *c, char **error) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        assert_non_null(f);
        assert_int_equal(health_config_init(c), 0);
        r = health_config_parse_stream(c, f, "t.conf", error);
        fclose(f);
        return r;
}

static void test_config(void **state) {
        struct health_config c;
        char *error = NULL;

        assert_int_equal(parse_config("[other]\nx = y\n[health]\ninterval = 7\nchecks = conntrack, data-disk\n"
                                      "data_disk_min_free_bytes = 512M\npressure_avg10_fail_percent = 55.5\n",
                                      &c, &error), 0);
        assert_int_equal(c.interval_sec, 7);
        assert_true(c.enabled[HC_CONNTRACK] && c.enabled[HC_DATA_DISK]);
        assert_false(c.enabled[HC_STEAL] || c.enabled[HC_K3S]);
        assert_true(c.th.disk_fail_bytes == (UINT64_C(512) << 20));
        assert_true(fabs(c.pressure_avg10_fail - 55.5) < 1e-9);
        health_config_done(&c);

        assert_int_equal(parse_config("[health]\n\ninterval = 99999\n", &c, &error), -EINVAL);
        assert_string_equal(error, "t.conf:3: interval: '99999' is not an integer in [1, 3600]");
        free(error);
        error = NULL;
        health_config_done(&c);

        assert_int_equal(parse_config("[health]\ndata_disk_min_free_bytes = 99999999999T\n", &c, &error), -EINVAL);
        assert_non_null(strstr(error, "t.conf:2: data_disk_min_free_bytes"));
        free(error);
        error = NULL;
        health_config_done(&c);

        assert_int_equal(parse_config("[health]\nchecks = \n", &c, &error), 0);      /* no checks at all */
        for (int i = 0; i < _HC_MAX; i++)
                assert_false(c.enabled[i]);
        health_config_done(&c);
}

static void test_route(void **state) {
        assert_int_equal(route_parse("/livez").kind, ROUTE_LIVEZ);
        assert_int_equal(route_parse("/livez/").kind, ROUTE_LIVEZ);
        assert_int_equal(route_parse("/livez//").kind, ROUTE_NONE);
        assert_int_equal(route_parse("/readyz").kind, ROUTE_READYZ);
        assert_int_equal(route_parse("/metrics").kind, ROUTE_METRICS);
        assert_int_equal(route_parse("/status").kind, ROUTE_STATUS);
        assert_int_equal(route_parse("/readyz/steal").kind, ROUTE_READYZ_CHECK);
        assert_int_equal(route_parse("/readyz/steal").check, HC_STEAL);
        assert_int_equal(route_parse("/readyz/stealx").kind, ROUTE_NONE);
        assert_int_equal(route_parse("/readyz/").kind, ROUTE_READYZ);
        assert_int_equal(route_parse("").kind, ROUTE_NONE);
        assert_int_equal(route_parse(NULL).kind, ROUTE_NONE);
        assert_int_equal(route_parse("/METRICS").kind, ROUTE_NONE);
}

static void test_bearer(void **state) {
        assert_true(bearer_matches("Bearer abc", "abc"));
        assert_true(bearer_matches("bearer  abc", "abc"));
        assert_false(bearer_matches("Bearer abcd", "abc"));
        assert_false(bearer_matches("Bearer ab", "abc"));
        assert_false(bearer_matches("Basic abc", "abc"));
        assert_false(bearer_matches("Bearer ", ""));
        assert_false(bearer_matches(NULL, "abc"));
        assert_false(bearer_matches("Bearer abc", NULL));
        /* A prefix, an extension, or the token with a NUL-cut tail: no match. */
        assert_false(bearer_matches("Bearer 0123456789abcde", "0123456789abcdef"));
        assert_false(bearer_matches("Bearer 0123456789abcdefX", "0123456789abcdef"));
        assert_true(bearer_matches("Bearer 0123456789abcdef", "0123456789abcdef"));
}

static void test_request_control_bytes(void **state) {
        static const char good[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Note: a\tb \xff\x80\nY: z\r\n\r\n";

        (void) state;
        assert_false(request_bytes_have_control(good, sizeof(good) - 1));
        assert_false(request_bytes_have_control("", 0));
        assert_true(request_bytes_have_control("Bearer t\0junk", 14));
        assert_true(request_bytes_have_control("a\x01", 2));
        assert_true(request_bytes_have_control("a\x1f", 2));
        assert_true(request_bytes_have_control("\x7f", 1));
        assert_true(request_bytes_have_control("\x0b\x0c", 2));    /* VT, FF: not blanks in HTTP */
        /* Only the n bytes given are looked at. */
        assert_false(request_bytes_have_control("ok\0", 2));
}

/* The guard sees what a watched socket receives through recv(), and the
 * dynamic linker hands this recv() out (the Makefile exports it), so
 * libmicrohttpd's reads come here too. Called as libmicrohttpd calls it:
 * through the symbol the dynamic linker resolves (a direct call here may be
 * glibc's fortified inline, which goes to __recv_chk). */
static void test_recv_guard(void **state) {
        static const char auth[] = "Authorization: Bearer t\0junk\r\n";
        ssize_t (*recv_bound)(int, void *, size_t, int);
        int sv[2], other[2];
        char buf[64];

        (void) state;
        assert_true(recv_guard_bound());
        *(void **) &recv_bound = dlsym(RTLD_DEFAULT, "recv");
        assert_non_null(recv_bound);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
        assert_int_equal(recv_guard_watch(sv[0]), 0);
        assert_int_equal(write(sv[1], "GET / HTTP/1.1\r\n", 16), 16);
        assert_int_equal(recv_bound(sv[0], buf, sizeof(buf), 0), 16);
        assert_false(recv_guard_tainted(sv[0]));
        assert_int_equal(write(sv[1], auth, sizeof(auth) - 1), sizeof(auth) - 1);
        assert_int_equal(recv_bound(sv[0], buf, sizeof(buf), 0), sizeof(auth) - 1);
        assert_memory_equal(buf, auth, sizeof(auth) - 1);       /* passed on untouched */
        assert_true(recv_guard_tainted(sv[0]));
        /* Unwatched sockets are plain recv(). */
        assert_int_equal(write(other[1], "\0", 1), 1);
        assert_int_equal(recv_bound(other[0], buf, sizeof(buf), 0), 1);
        assert_false(recv_guard_tainted(other[0]));
        /* A number watched again (a new connection on a reused fd) starts clean. */
        recv_guard_unwatch(sv[0]);
        assert_false(recv_guard_tainted(sv[0]));
        assert_int_equal(recv_guard_watch(sv[0]), 0);
        assert_false(recv_guard_tainted(sv[0]));
        recv_guard_unwatch(sv[0]);
        /* errno is recv()'s. */
        assert_int_equal(recv_bound(sv[0], buf, sizeof(buf), MSG_DONTWAIT), -1);
        assert_int_equal(errno, EAGAIN);
        close(sv[0]), close(sv[1]), close(other[0]), close(other[1]);
}

/* A dump buffer in the kernel's layout: struct nlmsghdr, struct ndmsg. */
static size_t put_neigh(uint8_t *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t state, uint8_t ntf) {
        struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = type, .nlmsg_flags = flags };
        struct ndmsg nd = { .ndm_family = family, .ndm_ifindex = 2, .ndm_state = state, .ndm_flags = ntf };

        memcpy(b, &h, sizeof(h));
        memcpy(b + NLMSG_HDRLEN, &nd, sizeof(nd));
        return NLMSG_ALIGN(h.nlmsg_len);
}

static void test_neigh_tally(void **state) {
        _Alignas(struct nlmsghdr) uint8_t buf[512] = {};
        struct neigh_tally t = {};
        size_t n = 0;

        (void) state;
        n += put_neigh(buf + n, RTM_NEWNEIGH, NLM_F_MULTI, AF_INET, NUD_STALE, 0);
        n += put_neigh(buf + n, RTM_NEWNEIGH, NLM_F_MULTI, AF_INET, NUD_PERMANENT, 0);     /* exempt */
        n += put_neigh(buf + n, RTM_NEWNEIGH, NLM_F_MULTI, AF_INET, NUD_REACHABLE, NTF_EXT_LEARNED); /* exempt */
        n += put_neigh(buf + n, RTM_NEWNEIGH, NLM_F_MULTI, AF_INET6, NUD_REACHABLE, 0);
        n += put_neigh(buf + n, RTM_NEWNEIGH, NLM_F_MULTI, AF_BRIDGE, NUD_REACHABLE, 0);   /* not ARP/NDP */
        assert_int_equal(neigh_tally_buffer(buf, n, &t), 0);
        assert_false(t.done);
        n = put_neigh(buf, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, 0, 0, 0);
        assert_int_equal(neigh_tally_buffer(buf, n, &t), 0);
        assert_true(t.done);
        assert_true(t.interrupted);
        assert_int_equal(t.n[NEIGH_V4], 1);
        assert_int_equal(t.n[NEIGH_V6], 1);
}

static void test_listen_address(void **state) {
        struct sockaddr_storage ss;
        socklen_t sl;

        assert_int_equal(listen_address_parse("127.0.0.1:9470", &ss, &sl), 0);
        assert_true(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("127.1.2.3:1", &ss, &sl), 0);
        assert_true(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("[::1]:9470", &ss, &sl), 0);
        assert_true(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("[::ffff:127.0.0.1]:9470", &ss, &sl), 0);
        assert_true(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("10.0.0.1:9470", &ss, &sl), 0);
        assert_false(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse(":9470", &ss, &sl), 0);
        assert_false(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("[::]:9470", &ss, &sl), 0);
        assert_false(sockaddr_is_loopback((struct sockaddr *) &ss));
        assert_int_equal(listen_address_parse("127.0.0.1", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("127.0.0.1:0", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("127.0.0.1:65536", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("::1:9470", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("[::1]9470", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("localhost:9470", &ss, &sl), -EINVAL);
        assert_int_equal(listen_address_parse("", &ss, &sl), -EINVAL);
}

/* Figures that pass every check, to be spoiled one at a time. */
static void good_figures(struct health_figures *f, double mono) {
        *f = (struct health_figures) {
                .mono = mono,
                .neigh_entries = { 10, 2 }, .gc_thresh3 = { 1024, 1024 },
                .ct_count = 10, .ct_max = 1000,
                .fd_allocated = 10, .fd_max = 1000,
                .cpu = { .total = (uint64_t) (mono * 100), .steal = 0 },
                .steal_feature = 1,
                .drift_err = -ENOENT,
                .disk = { .exists = true, .path = (char *) "/d", .size_bytes = UINT64_C(100) << 30,
                          .avail_bytes = UINT64_C(50) << 30, .files = 100, .files_avail = 50 },
                .disk_probed = true,
                .nvme = { .err = -ENOENT },
                .k3s = { .err = -ENOENT },
                .openfaas = { .err = -ENOENT },
                .gateway = { .err = -ENOENT },
        };
        for (int i = 0; i < _PSI_MAX; i++)
                f->psi_some[i].present = true;
}

static void test_checks(void **state) {
        struct health_config c;
        struct health_eval *e = NULL;
        struct health_check_result out[_HC_MAX];
        struct health_figures f;
        double steal;

        assert_int_equal(health_config_init(&c), 0);
        c.counter_hold_sec = 10;
        assert_int_equal(health_eval_new(&e), 0);

        good_figures(&f, 100);
        health_evaluate(e, &c, &f, out, &steal);
        for (int i = 0; i < _HC_MAX; i++)
                assert_true(out[i].status != CHECK_FAIL);
        /* First sample: no window yet, so since boot (0 %), as check judges it. */
        assert_int_equal(out[HC_STEAL].status, CHECK_OK);
        assert_non_null(strstr(out[HC_STEAL].reason, "since boot"));

        /* 90 % of gc_thresh3 fails; 89.9 % passes. */
        good_figures(&f, 101);
        f.neigh_entries[0] = 899;
        f.gc_thresh3[0] = 1000;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_NEIGHBOUR_TABLE].status, CHECK_OK);
        f.neigh_entries[0] = 900;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_NEIGHBOUR_TABLE].status, CHECK_FAIL);

        /* A counter increase fails for the hold time, then clears. */
        good_figures(&f, 102);
        f.listen_overflows = 5;         /* baseline was 0 */
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_LISTEN_QUEUE].status, CHECK_FAIL);
        assert_non_null(strstr(out[HC_LISTEN_QUEUE].reason, "ListenOverflows +5"));
        good_figures(&f, 111);
        f.listen_overflows = 5;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_LISTEN_QUEUE].status, CHECK_FAIL);
        good_figures(&f, 113);
        f.listen_overflows = 5;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_LISTEN_QUEUE].status, CHECK_OK);
        /* A counter that goes backwards is a reset: new baseline, no failure. */
        good_figures(&f, 114);
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_LISTEN_QUEUE].status, CHECK_OK);

        /* Steal: 20 % of the ticks since the first sample in the window. */
        good_figures(&f, 200);
        f.cpu.steal = 4000;
        f.cpu.total = 20000 + 10000;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_STEAL].status, CHECK_FAIL);
        assert_true(steal > 10 && steal < 100);
        f.steal_feature = 0;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_STEAL].status, CHECK_NA);

        /* Data disk: read-only, canary timeout, space. */
        good_figures(&f, 300);
        f.disk.readonly = true;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_FAIL);
        assert_non_null(strstr(out[HC_DATA_DISK].reason, "read-only"));
        good_figures(&f, 301);
        f.disk.canary_err = -ETIMEDOUT;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_FAIL);
        good_figures(&f, 302);
        f.disk.avail_bytes = 1 << 20;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_FAIL);
        /* Between check's warn and fail limits (12 % free): serve passes it
         * (verdict/verdict-facts.h); below the fail limit it fails. */
        good_figures(&f, 302);
        f.disk.avail_bytes = UINT64_C(12) << 30;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_OK);
        f.disk.avail_bytes = UINT64_C(9) << 30;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_FAIL);
        /* File handles: 85 % warns in check, passes in serve; 90 % fails both. */
        good_figures(&f, 302);
        f.fd_allocated = 850;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_FILE_HANDLES].status, CHECK_OK);
        f.fd_allocated = 900;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_FILE_HANDLES].status, CHECK_FAIL);
        good_figures(&f, 303);
        f.disk.err = -EIO;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_UNKNOWN);

        /* Disabled checks are n/a whatever the figures say. */
        c.enabled[HC_DATA_DISK] = false;
        health_evaluate(e, &c, &f, out, &steal);
        assert_int_equal(out[HC_DATA_DISK].status, CHECK_NA);

        health_eval_free(e);
        health_config_done(&c);
}

static void test_gateway_check(void **state) {
        struct gateway_check g = { .err = -ENOENT };
        struct health_check_result r;

        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_NA);
        g = (struct gateway_check) { .nginx_known = true, .nginx_active = true, .tls = true, .cert_not_after = 1,
                                     .cert_days_left = 60 };
        strcpy(g.domain, "fn.example.com");
        strcpy(g.nginx_state, "active");
        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_OK);
        assert_string_equal(r.reason, "fn.example.com: nginx active, certificate 60 days left");
        g.cert_days_left = GATEWAY_CERT_FAIL_DAYS;
        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_FAIL);
        g.cert_days_left = 60;
        g.nginx_active = false;
        strcpy(g.nginx_state, "failed");
        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_FAIL);
        assert_non_null(strstr(r.reason, "nginx failed"));
        g = (struct gateway_check) { .nginx_known = true, .nginx_active = true, .tls = false };
        strcpy(g.nginx_state, "active");
        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_OK);
        g.tls = true;   /* TLS but no readable certificate */
        gateway_check_evaluate(&g, &r);
        assert_int_equal(r.status, CHECK_FAIL);
}

static void test_readyz_render(void **state) {
        struct health_snapshot s = {};
        char *ex[] = { (char *) "data-disk", (char *) "bo\"gus", NULL };
        struct body b;

        for (int i = 0; i < _HC_MAX; i++) {
                s.enabled[i] = true;
                s.checks[i].status = CHECK_OK;
        }
        s.enabled[HC_K3S] = false;
        assert_int_equal(health_readyz_render(&s, NULL, false, NULL, &b), 200);
        assert_string_equal(b.data, "ok");
        free(b.data);

        s.checks[HC_DATA_DISK].status = CHECK_FAIL;
        strcpy(s.checks[HC_DATA_DISK].reason, "/d is read-only");
        s.checks[HC_STEAL].status = CHECK_NA;
        strcpy(s.checks[HC_STEAL].reason, "no steal");
        assert_int_equal(health_readyz_render(&s, NULL, false, NULL, &b), 500);
        assert_non_null(strstr(b.data, "[-]data-disk failed: /d is read-only\n"));
        assert_non_null(strstr(b.data, "[+]steal n/a: no steal\n"));
        assert_null(strstr(b.data, "k3s"));
        assert_non_null(strstr(b.data, "readyz check failed\n"));
        free(b.data);

        assert_int_equal(health_readyz_render(&s, ex, true, NULL, &b), 200);
        assert_non_null(strstr(b.data, "[+]data-disk excluded: ok\n"));
        assert_non_null(strstr(b.data, "no matches for \"bo?gus\"\n"));
        assert_non_null(strstr(b.data, "readyz check passed\n"));
        free(b.data);

        assert_int_equal(health_readyz_render(&s, ex, false, "the last snapshot is 99s old", &b), 500);
        assert_non_null(strstr(b.data, "[-]collector failed: the last snapshot is 99s old\n"));
        free(b.data);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lnstat),
                cmocka_unit_test(test_netstat),
                cmocka_unit_test(test_file_nr),
                cmocka_unit_test(test_psi),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_route),
                cmocka_unit_test(test_bearer),
                cmocka_unit_test(test_request_control_bytes),
                cmocka_unit_test(test_recv_guard),
                cmocka_unit_test(test_neigh_tally),
                cmocka_unit_test(test_listen_address),
                cmocka_unit_test(test_checks),
                cmocka_unit_test(test_gateway_check),
                cmocka_unit_test(test_readyz_render),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
