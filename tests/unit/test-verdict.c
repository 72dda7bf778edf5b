/* SPDX-License-Identifier: MIT */
/* The verdict layer: the per-fact rules at their edges, the serve table
 * applied, and the table in code equal to the one in agent/verdict/README.md. */
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

#include <sys/stat.h>

#include "basic/cleanup.h"
#include "basic/sysroot.h"
#include "verdict/thresholds.h"
#include "verdict/verdict-facts.h"
#include "verdict/verdict-rules.h"

static void test_rules_at_the_edges(void **state) {
        const struct verdict_thresholds *t = &verdict_thresholds_default;
        struct nvme_smart s = { .available_spare = 100, .spare_threshold = 10 };
        char why[96];

        /* Steal: at the threshold warns; either figure; n/a without accounting. */
        assert_int_equal(verdict_steal(1, 9.99, -1, t), CHECK_OK);
        assert_int_equal(verdict_steal(1, 10.0, -1, t), CHECK_WARN);
        assert_int_equal(verdict_steal(-1, 0.1, 25.0, t), CHECK_WARN);
        assert_int_equal(verdict_steal(0, 50.0, 50.0, t), CHECK_NA);
        assert_int_equal(verdict_steal(1, -1, -1, t), CHECK_UNKNOWN);

        /* File handles: 80 % warns, 90 % fails, exactly at the edge. */
        assert_int_equal(verdict_file_nr(799, 1000, t), CHECK_OK);
        assert_int_equal(verdict_file_nr(800, 1000, t), CHECK_WARN);
        assert_int_equal(verdict_file_nr(900, 1000, t), CHECK_FAIL);
        assert_int_equal(verdict_file_nr(1, 0, t), CHECK_UNKNOWN);
        assert_int_equal(verdict_file_max(1048575, t), CHECK_WARN);
        assert_int_equal(verdict_file_max(1048576, t), CHECK_OK);

        /* Disk: below 10 % or 2 GB fails, below 15 % or 10 GB warns. */
        assert_int_equal(verdict_disk_free(UINT64_C(50000000000), UINT64_C(100000000000), t), CHECK_OK);
        assert_int_equal(verdict_disk_free(UINT64_C(14999999999), UINT64_C(100000000000), t), CHECK_WARN);
        assert_int_equal(verdict_disk_free(UINT64_C(9999999999), UINT64_C(100000000000), t), CHECK_FAIL);
        assert_int_equal(verdict_disk_free(UINT64_C(1999999999), UINT64_C(4000000000), t), CHECK_FAIL);
        assert_int_equal(verdict_disk_free(UINT64_C(9000000000), UINT64_C(20000000000), t), CHECK_WARN);
        assert_int_equal(verdict_disk_writable(true), CHECK_FAIL);
        assert_int_equal(verdict_disk_latency(10.0, t), CHECK_OK);
        assert_int_equal(verdict_disk_latency(10.01, t), CHECK_WARN);

        /* NVMe. */
        assert_int_equal(verdict_nvme_state("live"), CHECK_OK);
        assert_int_equal(verdict_nvme_state(""), CHECK_OK);
        assert_int_equal(verdict_nvme_state("resetting"), CHECK_WARN);
        assert_int_equal(verdict_nvme_smart(&s, t, why, sizeof(why)), CHECK_OK);
        s.percent_used = 90;
        assert_int_equal(verdict_nvme_smart(&s, t, why, sizeof(why)), CHECK_FAIL);
        assert_string_equal(why, "90% of rated endurance used");

        /* K3s's ladder. */
        assert_int_equal(verdict_k3s_ready(-ENOENT, false, false), CHECK_NA);
        assert_int_equal(verdict_k3s_ready(-EIO, false, false), CHECK_UNKNOWN);
        assert_int_equal(verdict_k3s_ready(0, false, true), CHECK_UNKNOWN);
        assert_int_equal(verdict_k3s_ready(0, false, false), CHECK_FAIL);
        assert_int_equal(verdict_k3s_ready(0, true, false), CHECK_OK);
}

static void test_serve_table(void **state) {
        /* Only warn is mapped; the rest pass through. */
        for (int f = 0; f < _VERDICT_FACT_MAX; f++) {
                assert_int_equal(verdict_serve(f, CHECK_OK), CHECK_OK);
                assert_int_equal(verdict_serve(f, CHECK_FAIL), CHECK_FAIL);
                assert_int_equal(verdict_serve(f, CHECK_NA), CHECK_NA);
                assert_int_equal(verdict_serve(f, CHECK_UNKNOWN), CHECK_UNKNOWN);
                assert_true(verdict_serve(f, CHECK_WARN) == CHECK_OK || verdict_serve(f, CHECK_WARN) == CHECK_FAIL);
        }
        assert_int_equal(verdict_serve(VERDICT_FACT_NVME_STATE, CHECK_WARN), CHECK_FAIL);
        assert_int_equal(verdict_serve(VERDICT_FACT_FILE_NR, CHECK_WARN), CHECK_OK);
}

/* Split a markdown table row into cells: "| a | `b\|c` |" -> "a", "b|c";
 * backticks dropped, "\|" unescaped. Returns the number of cells. */
static size_t split_row(char *line, char *cells[], size_t max) {
        size_t n = 0;
        char *out = line, *start = NULL;

        for (char *p = line; *p; p++) {
                if (*p == '\\' && p[1] == '|') {
                        *out++ = '|';
                        p++;
                } else if (*p == '|') {
                        *out = 0;
                        if (start && n < max)
                                cells[n++] = start;
                        start = ++out;
                } else if (*p != '`' && *p != '\n')
                        *out++ = *p;
        }
        for (size_t i = 0; i < n; i++) {
                while (*cells[i] == ' ')
                        cells[i]++;
                for (char *e = cells[i] + strlen(cells[i]); e > cells[i] && e[-1] == ' '; e--)
                        e[-1] = 0;
        }
        return n;
}

static void test_table_matches_readme(void **state) {
        const char *top = getenv("NODEPREP_TOP");
        char path[4096], line[1024];
        bool inside = false;
        size_t row = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/agent/verdict/README.md", top ? top : ".");
        f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                char *cells[8];
                size_t n;

                if (strstr(line, "<!-- verdict-facts: begin -->")) {
                        inside = true;
                        continue;
                }
                if (strstr(line, "<!-- verdict-facts: end -->"))
                        break;
                if (!inside || line[0] != '|' || strstr(line, "|---") || strstr(line, "| fact |"))
                        continue;
                n = split_row(line, cells, ELEMENTSOF(cells));
                assert_int_equal(n, 5);
                assert_true(row < _VERDICT_FACT_MAX);
                assert_string_equal(cells[0], verdict_facts[row].name);
                assert_string_equal(cells[1], verdict_facts[row].check_item);
                assert_string_equal(cells[2], verdict_facts[row].serve_check);
                assert_string_equal(cells[3], check_status_to_string(verdict_facts[row].serve_warn));
                assert_string_equal(cells[4], verdict_facts[row].why);
                row++;
        }
        fclose(f);
        assert_int_equal(row, _VERDICT_FACT_MAX);
}

static char tree[] = "/tmp/test-verdict.XXXXXX";

/* Write (or with NULL remove) a file under the tree, parents made. */
static void put(const char *path, const char *text) {
        char p[512];
        FILE *f;

        snprintf(p, sizeof(p), "%s%s", tree, path);
        if (!text) {
                assert_int_equal(unlink(p), 0);
                return;
        }
        for (char *s = strchr(p + strlen(tree) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                (void) mkdir(p, 0755);
                *s = '/';
        }
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void want_data_dir(const struct sysroot *sr, const char *want) {
        _cleanup_free_ char *dir = NULL;

        assert_int_equal(verdict_k3s_data_dir(sr, &dir), 0);
        assert_string_equal(dir, want);
}

/* The data dir K3s uses: its default, else data-dir from its config files,
 * the last drop-in winning; unusable values keep the default. */
static void test_k3s_data_dir(void **state) {
        _cleanup_sysroot_ struct sysroot *sr = NULL;

        assert_non_null(mkdtemp(tree));
        assert_int_equal(sysroot_new(tree, &sr), 0);
        want_data_dir(sr, "/var/lib/rancher/k3s");
        put("/etc/rancher/k3s/config.yaml", "data-dir: /srv/k3s\nnode-name: a\n");
        want_data_dir(sr, "/srv/k3s");
        put("/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml", "data-dir: /data/k3s\n");
        want_data_dir(sr, "/data/k3s");
        put("/etc/rancher/k3s/config.yaml.d/90-op.yaml", "data-dir: relative/k3s\n");
        want_data_dir(sr, "/var/lib/rancher/k3s");
        put("/etc/rancher/k3s/config.yaml.d/90-op.yaml", "data-dir: [unclosed\n");
        want_data_dir(sr, "/var/lib/rancher/k3s");
        put("/etc/rancher/k3s/config.yaml.d/90-op.yaml", NULL);
        put("/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml", NULL);
        put("/etc/rancher/k3s/config.yaml", NULL);
        /* The directories put() made, deepest first. */
        for (const char *d = "/etc/rancher/k3s/config.yaml.d\0/etc/rancher/k3s\0/etc/rancher\0/etc\0\0"; *d;
             d += strlen(d) + 1) {
                char p[512];

                snprintf(p, sizeof(p), "%s%s", tree, d);
                assert_int_equal(rmdir(p), 0);
        }
        assert_int_equal(rmdir(tree), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rules_at_the_edges),
                cmocka_unit_test(test_serve_table),
                cmocka_unit_test(test_table_matches_readme),
                cmocka_unit_test(test_k3s_data_dir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
