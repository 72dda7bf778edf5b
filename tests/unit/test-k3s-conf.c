/* SPDX-License-Identifier: MIT */
/* Reading K3s's configuration as K3s does: the merge rules of
 * pkg/configfilearg/parser.go, the node name, the kubelet healthz address,
 * and the Node parser of the ladder on real-sized objects. Run from the top
 * of the tree (tests/run-all.sh does), for the corpus files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/sysroot.h"
#include "k3s/join.h"
#include "k3s/k3sconf.h"
#include "k3s/ready.h"

static void merge(struct k3s_conf *c, const char *name, const char *text) {
        char *err = NULL;

        assert_int_equal(k3s_conf_merge_text(c, name, text, strlen(text), &err), 0);
        assert_null(err);
}

static void test_point6_merge_rules(void **state) {
        struct k3s_conf c = {};
        const struct k3s_conf_entry *e;

        (void) state;
        merge(&c, "config.yaml", "disable: [servicelb]\nwrite-kubeconfig-mode: \"0644\"\nnode-name: a\n");
        merge(&c, "50.yaml", "disable+: [traefik]\nnode-name: b\n");
        e = k3s_conf_get(&c, "disable");
        assert_non_null(e);
        assert_true(e->list);
        assert_string_equal(e->values[0], "servicelb");
        assert_string_equal(e->values[1], "traefik");
        assert_null(e->values[2]);
        assert_string_equal(e->file, "50.yaml");
        /* A later file without "+" replaces. */
        merge(&c, "60.yaml", "disable:\n  - metrics-server\n");
        e = k3s_conf_get(&c, "disable");
        assert_string_equal(e->values[0], "metrics-server");
        assert_null(e->values[1]);
        assert_string_equal(k3s_conf_scalar(&c, "node-name"), "b");
        assert_string_equal(k3s_conf_scalar(&c, "write-kubeconfig-mode"), "0644");
        /* "+" on a scalar appends to it (toSlice). */
        merge(&c, "70.yaml", "node-name+: c\nwith-node-id:\n");
        e = k3s_conf_get(&c, "node-name");
        assert_string_equal(e->values[0], "b");
        assert_string_equal(e->values[1], "c");
        assert_true(k3s_conf_true(&c, "with-node-id"));
        merge(&c, "empty.yaml", "");
        merge(&c, "null.yaml", "~\n");
        k3s_conf_done(&c);
}

static void test_merge_refuses(void **state) {
        static const struct {
                const char *text, *msg;
        } bad[] = {
                { "a:\n  b: c\n", "f.yaml:2: a: a K3s flag takes a value or a list of values, not a mapping" },
                { "- a\n", "f.yaml:1: the file must be a mapping" },
                { "a: [\n", "f.yaml:" },
                { "a: [[b]]\n", "f.yaml:1: a: list items must be plain values" },
        };
        (void) state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct k3s_conf c = {};
                char *err = NULL;

                merge(&c, "before.yaml", "keep: 1\n");
                assert_int_equal(k3s_conf_merge_text(&c, "f.yaml", bad[i].text, strlen(bad[i].text), &err), -EBADMSG);
                assert_non_null(err);
                assert_non_null(strstr(err, bad[i].msg));
                /* Nothing of a refused file is merged. */
                assert_int_equal(c.n, 1);
                free(err);
                k3s_conf_done(&c);
        }
}

static void test_envfile(void **state) {
        static const char text[] = "# c\nK3S_NODE_NAME=first\n  ; x=y\nK3S_NODE_NAME = \"two \\\"q\\\"\"\n"
                                   "OTHER=1\nbroken line\n";
        char *v = NULL;

        (void) state;
        assert_int_equal(k3s_envfile_lookup(text, strlen(text), "K3S_NODE_NAME", &v), 0);
        assert_string_equal(v, "two \"q\"");
        free(v);
        assert_int_equal(k3s_envfile_lookup(text, strlen(text), "NOPE", &v), 0);
        assert_null(v);
}

static char tree[] = "/tmp/test-k3s-conf.XXXXXX";

static void put(const char *path, const char *content) {
        char full[512], *slash;

        snprintf(full, sizeof(full), "%s%s", tree, path);
        for (slash = strchr(full + strlen(tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                (void) mkdir(full, 0755);
                *slash = '/';
        }
        if (content) {
                FILE *f = fopen(full, "we");

                assert_non_null(f);
                assert_int_equal(fputs(content, f) >= 0, 1);
                assert_int_equal(fclose(f), 0);
        } else
                assert_int_equal(unlink(full), 0);
}

static char *name_of(struct sysroot *sr, enum k3s_role role, int want) {
        char *name = NULL, *err = NULL;

        assert_int_equal(k3s_node_name(sr, role, &name, &err), want);
        free(err);
        return name;
}

static void test_point2_node_name(void **state) {
        _cleanup_sysroot_ struct sysroot *sr = NULL;
        char *n;

        (void) state;
        assert_non_null(mkdtemp(tree));
        put("/etc/hostname", "Host-A\n");
        assert_int_equal(sysroot_new(tree, &sr), 0);
        n = name_of(sr, K3S_ROLE_SERVER, 0);
        assert_string_equal(n, "host-a");
        free(n);
        /* K3S_NODE_NAME from the unit's env files; the .service.env is last. */
        put("/etc/default/k3s-agent", "K3S_NODE_NAME=from-default\n");
        put("/etc/systemd/system/k3s-agent.service.env", "K3S_NODE_NAME='From-Env'\n");
        n = name_of(sr, K3S_ROLE_AGENT, 0);
        assert_string_equal(n, "from-env");
        free(n);
        /* The config files beat the environment; later drop-ins win. */
        put("/etc/rancher/k3s/config.yaml", "node-name: base\n");
        put("/etc/rancher/k3s/config.yaml.d/90-op.yaml", "node-name: Worker-9\n");
        put("/etc/rancher/k3s/config.yaml.d/10-early.yaml", "node-name: early\n");
        n = name_of(sr, K3S_ROLE_AGENT, 0);
        assert_string_equal(n, "worker-9");
        free(n);
        /* with-node-id: K3s's id file, once K3s wrote it. */
        put("/etc/rancher/k3s/config.yaml.d/95-id.yaml", "with-node-id: true\n");
        assert_null(name_of(sr, K3S_ROLE_AGENT, -EAGAIN));
        put("/etc/rancher/node/id", "1a2b3c4d\n");
        n = name_of(sr, K3S_ROLE_AGENT, 0);
        assert_string_equal(n, "worker-9-1a2b3c4d");
        free(n);
        put("/etc/rancher/k3s/config.yaml.d/96-bad.yaml", "node-name: \"a/b\"\n");
        assert_null(name_of(sr, K3S_ROLE_AGENT, -EINVAL));
        put("/etc/rancher/k3s/config.yaml.d/96-bad.yaml", "node-name: {x: 1}\n");
        assert_null(name_of(sr, K3S_ROLE_AGENT, -EBADMSG));
        put("/etc/rancher/k3s/config.yaml.d/96-bad.yaml", NULL);
}

static char *healthz(struct sysroot *sr, int want) {
        char *url = NULL, *err = NULL;

        assert_int_equal(k3s_kubelet_healthz_url(sr, &url, &err), want);
        free(err);
        return url;
}

static void test_point9_healthz(void **state) {
        _cleanup_sysroot_ struct sysroot *sr = NULL;
        char *u;

        (void) state;
        assert_int_equal(sysroot_new(tree, &sr), 0);
        u = healthz(sr, 0);
        assert_string_equal(u, "http://127.0.0.1:10248/healthz");
        free(u);
        put("/etc/rancher/k3s/config.yaml.d/97-ip.yaml", "node-ip: fd00::3,10.0.0.3\n");
        u = healthz(sr, 0);
        assert_string_equal(u, "http://[::1]:10248/healthz");
        free(u);
        put("/etc/rancher/k3s/config.yaml.d/98-kubelet.yaml",
            "kubelet-arg: [healthz-bind-address=127.0.0.2, --healthz-port=10300]\n");
        u = healthz(sr, 0);
        assert_string_equal(u, "http://127.0.0.2:10300/healthz");
        free(u);
        put("/etc/rancher/k3s/config.yaml.d/98-kubelet.yaml", "kubelet-arg: [healthz-bind-address=evil/x]\n");
        assert_null(healthz(sr, -EINVAL));
        put("/etc/rancher/k3s/config.yaml.d/98-kubelet.yaml", NULL);
        put("/etc/rancher/k3s/config.yaml.d/97-ip.yaml", NULL);
}

static void check_node(const char *file, int want, bool want_ready) {
        char path[256], *text = NULL;
        size_t size = 0;
        bool ready = !want_ready;
        int fd;

        snprintf(path, sizeof(path), "tests/fuzz/corpus/k3s-node/%s", file);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(read_fd_capped(fd, 8u << 20, &text, &size), 0);
        close(fd);
        assert_int_equal(k3s_node_ready_from_json(text, size, &ready), want);
        if (want == 0)
                assert_int_equal(ready, want_ready);
        free(text);
}

static void test_point1_real_nodes(void **state) {
        (void) state;
        check_node("real-32k-ready", 0, true);
        check_node("real-100k-not-ready", 0, false);
        check_node("real-1m-ready", 0, true);
        /* What a 4095-byte reader saw of a real Node. */
        check_node("real-cut-at-4095", -EBADMSG, false);
}

static void test_token_ca_hash(void **state) {
        char h[65], t[200];

        (void) state;
        snprintf(t, sizeof(t), "K10%s::server:secret", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_int_equal(k3s_token_ca_hash(t, h), 0);
        assert_string_equal(h, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_int_equal(k3s_token_ca_hash("plain-secret", h), -ENOENT);
        assert_int_equal(k3s_token_ca_hash("K10abc::server:x", h), -EBADMSG);
        t[10] = 'G';
        assert_int_equal(k3s_token_ca_hash(t, h), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_point6_merge_rules),
                cmocka_unit_test(test_merge_refuses),
                cmocka_unit_test(test_envfile),
                cmocka_unit_test(test_point2_node_name),
                cmocka_unit_test(test_point9_healthz),
                cmocka_unit_test(test_point1_real_nodes),
                cmocka_unit_test(test_token_ca_hash),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        char cmd[600];

        if (tree[strlen(tree) - 1] != 'X') {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", tree);
        }
        return r;
}
