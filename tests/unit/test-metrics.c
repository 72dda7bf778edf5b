/* SPDX-License-Identifier: MIT */
/* Unit tests for /metrics: the check state set and check_ok without NaN,
 * pressure as stall-time counters, the agent's process_* metrics (and the
 * statm parser behind them), the Accept-Encoding parser and the gzip body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "health/accept-encoding.h"
#include "health/gzip.h"
#include "health/process-metrics.h"
#include "health/snapshot.h"
#include "shared/dl-zlib.h"

static void test_accept_encoding(void **state) {
        (void) state;
        assert_true(accept_encoding_allows_gzip("gzip"));
        assert_true(accept_encoding_allows_gzip("GZIP"));
        assert_true(accept_encoding_allows_gzip("x-gzip"));
        assert_true(accept_encoding_allows_gzip("deflate, gzip;q=0.5"));
        assert_true(accept_encoding_allows_gzip("gzip ; q=1.000"));
        assert_true(accept_encoding_allows_gzip("br;q=1, *;q=0.1"));
        assert_true(accept_encoding_allows_gzip(" , gzip ,"));
        assert_false(accept_encoding_allows_gzip(NULL));
        assert_false(accept_encoding_allows_gzip(""));
        assert_false(accept_encoding_allows_gzip("identity"));
        assert_false(accept_encoding_allows_gzip("gzip;q=0"));
        assert_false(accept_encoding_allows_gzip("gzip;q=0.000"));
        assert_false(accept_encoding_allows_gzip("gzip;q=0, *"));      /* named wins over * */
        assert_false(accept_encoding_allows_gzip("*;q=0"));
        assert_false(accept_encoding_allows_gzip("gzip;q=2"));         /* malformed: not accepted */
        assert_false(accept_encoding_allows_gzip("gzip;q=1.5"));
        assert_false(accept_encoding_allows_gzip("gzip;q=0.0001"));
        assert_false(accept_encoding_allows_gzip("gzip;level=9"));
        assert_false(accept_encoding_allows_gzip("gz ip"));
        assert_false(accept_encoding_allows_gzip("gzip\"\""));
}

static void test_statm(void **state) {
        uint64_t size, resident;

        (void) state;
        assert_int_equal(statm_parse("3878 1776 1518 36 0 283 0\n", &size, &resident), 0);
        assert_int_equal(size, 3878);
        assert_int_equal(resident, 1776);
        assert_int_equal(statm_parse("3878 1776 1518 36 0 283\n", &size, &resident), -EINVAL);
        assert_int_equal(statm_parse("3878 x 1518 36 0 283 0\n", &size, &resident), -EINVAL);
        assert_int_equal(statm_parse("10 20 1 1 0 1 0\n", &size, &resident), -EINVAL);      /* rss > size */
        assert_int_equal(statm_parse("", &size, &resident), -EINVAL);
}

static void test_process_sample(void **state) {
        struct process_figures p;
        char *buf = NULL;
        size_t n = 0;
        FILE *f;

        (void) state;
        process_figures_sample(&p);
        assert_int_equal(p.err, 0);
        assert_true(p.resident_bytes > 0 && p.resident_bytes <= p.virtual_bytes);
        assert_int_equal(p.fds_err, 0);
        assert_true(p.open_fds >= 3);          /* stdin, stdout, stderr */
        assert_true(p.max_fds >= p.open_fds);
        assert_true(p.start_time > 1.6e9);
        f = open_memstream(&buf, &n);
        process_metrics_render(f, &p);
        fclose(f);
        assert_non_null(strstr(buf, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "));
        assert_non_null(strstr(buf, "\nprocess_resident_memory_bytes "));
        assert_non_null(strstr(buf, "\nprocess_start_time_seconds "));
        free(buf);
}

static void test_gzip(void **state) {
        struct body in = { .data = (char *) "nodeprep_ready 1\nnodeprep_ready 1\nnodeprep_ready 1\n" }, out;
        char back[256];
        int fd, n;
        gzFile gz;

        (void) state;
        in.size = strlen(in.data);
        assert_int_equal(body_gzip(&in, &out), 0);
        assert_true(out.size > 18);
        assert_int_equal((unsigned char) out.data[0], 0x1f);
        assert_int_equal((unsigned char) out.data[1], 0x8b);
        /* Round trip through zlib's own gzip reader. */
        fd = memfd_create("gz", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, out.data, out.size), (ssize_t) out.size);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        gz = gzdopen(fd, "rb");
        assert_non_null(gz);
        n = gzread(gz, back, sizeof(back));
        gzclose(gz);
        assert_int_equal(n, (int) in.size);
        assert_memory_equal(back, in.data, in.size);
        free(out.data);
}

static struct health_snapshot *snapshot_with(enum check_status steal, enum check_status pressure) {
        struct health_snapshot *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        s->enabled[HC_STEAL] = s->enabled[HC_PRESSURE] = true;
        s->checks[HC_STEAL].status = steal;
        s->checks[HC_PRESSURE].status = pressure;
        s->steal_percent = -1;
        s->fig.cpu_err = -ENOENT;
        s->fig.ct_err = s->fig.ct_stat_err = s->fig.fd_err = s->fig.netstat_err = -ENOENT;
        s->fig.neigh_err = s->fig.thresh_err[0] = s->fig.thresh_err[1] = -ENOENT;
        s->fig.fulls_err[0] = s->fig.fulls_err[1] = -ENOENT;
        s->fig.drift_err = -ENOENT;
        s->fig.k3s.err = -ENOENT;
        s->fig.psi_err[PSI_CPU] = s->fig.psi_err[PSI_MEMORY] = 0;
        s->fig.psi_err[PSI_IO] = -ENOENT;
        s->fig.psi_some[PSI_CPU] = (struct psi_line) { .present = true, .avg10 = 5, .total_us = 2500000 };
        s->fig.psi_some[PSI_MEMORY] = (struct psi_line) { .present = true, .total_us = 1000 };
        s->fig.psi_full[PSI_MEMORY] = (struct psi_line) { .present = true, .total_us = 500 };
        snprintf(s->fig.vm, sizeof(s->fig.vm), "kvm");
        snprintf(s->fig.container, sizeof(s->fig.container), "none");
        return s;
}

static void test_metrics_checks_and_pressure(void **state) {
        struct health_snapshot *s = snapshot_with(CHECK_UNKNOWN, CHECK_NA);
        struct body b;

        (void) state;
        assert_int_equal(health_metrics_render(s, &b), 0);
        /* Unknown is 0 for check_ok (never NaN), n/a is 1; the state set says which. */
        assert_null(strstr(b.data, "NaN"));
        assert_non_null(strstr(b.data, "nodeprep_check_ok{check=\"steal\"} 0\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_ok{check=\"pressure\"} 1\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"steal\",status=\"unknown\"} 1\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"steal\",status=\"ok\"} 0\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"steal\",status=\"fail\"} 0\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"pressure\",status=\"n/a\"} 1\n"));
        assert_null(strstr(b.data, "check=\"conntrack\""));             /* disabled: no series */
        /* Pressure: node_exporter's names and units, no averages. */
        assert_non_null(strstr(b.data, "# TYPE nodeprep_pressure_cpu_waiting_seconds_total counter\n"
                                       "nodeprep_pressure_cpu_waiting_seconds_total 2.5\n"));
        assert_non_null(strstr(b.data, "nodeprep_pressure_memory_waiting_seconds_total 0.001\n"));
        assert_non_null(strstr(b.data, "nodeprep_pressure_memory_stalled_seconds_total 0.0005\n"));
        assert_null(strstr(b.data, "nodeprep_pressure_cpu_stalled_seconds_total"));     /* no "full" line */
        assert_null(strstr(b.data, "pressure_io"));                                     /* no PSI for io */
        assert_null(strstr(b.data, "window="));
        assert_null(strstr(b.data, "avg"));
        free(b.data);
        free(s);

        s = snapshot_with(CHECK_FAIL, CHECK_OK);
        assert_int_equal(health_metrics_render(s, &b), 0);
        assert_non_null(strstr(b.data, "nodeprep_check_ok{check=\"steal\"} 0\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_ok{check=\"pressure\"} 1\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"steal\",status=\"fail\"} 1\n"));
        assert_non_null(strstr(b.data, "nodeprep_check_status{check=\"steal\",status=\"unknown\"} 0\n"));
        free(b.data);
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_accept_encoding),
                cmocka_unit_test(test_statm),
                cmocka_unit_test(test_process_sample),
                cmocka_unit_test(test_gzip),
                cmocka_unit_test(test_metrics_checks_and_pressure),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
