/* SPDX-License-Identifier: MIT */
/* Release naming, the channel redirect and hash-file parsers, and the
 * rendered config drop-in, unit and env file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "k3s/k3s-config.h"
#include "k3s/release.h"
#include "k3s/unit.h"

static void test_versions(void **state) {
        (void) state;
        assert_true(k3s_version_valid("v1.31.4+k3s1"));
        assert_true(k3s_version_valid("v1.32.0-rc1+k3s2"));
        assert_false(k3s_version_valid("stable"));
        assert_false(k3s_version_valid("v1.31.4"));
        assert_false(k3s_version_valid("v1.31.4+k3s"));
        assert_false(k3s_version_valid("v01.31.4+k3s1"));
        assert_false(k3s_version_valid("v1.31.4+k3s1 "));
        assert_true(k3s_channel_valid("stable"));
        assert_true(k3s_channel_valid("v1.31"));
        assert_false(k3s_channel_valid("v1.31.4"));
        assert_false(k3s_channel_valid("../x"));
}

static void test_location(void **state) {
        char *v = NULL;

        (void) state;
        assert_int_equal(k3s_version_from_location("https://github.com/k3s-io/k3s/releases/tag/v1.31.4%2Bk3s1", &v), 0);
        assert_string_equal(v, "v1.31.4+k3s1");
        free(v);
        assert_int_equal(k3s_version_from_location("https://x/tag/v1.31.4+k3s1/?a#b", &v), 0);
        assert_string_equal(v, "v1.31.4+k3s1");
        free(v);
        /* The shell installer's bug: a channel URL echoed back is no version. */
        assert_int_equal(k3s_version_from_location("https://update.k3s.io/v1-release/channels/stable", &v), -EBADMSG);
        assert_int_equal(k3s_version_from_location("https://x/tag/v1.2.3%2Bk3s1%00", &v), -EBADMSG);
        assert_int_equal(k3s_version_from_location("https://x/tag/v1.2.3%2Bk3s1%0a", &v), -EBADMSG);
        assert_int_equal(k3s_version_from_location("/tag/v1.2.3%2Bk3s1", &v), -EBADMSG);     /* not absolute */
        assert_int_equal(k3s_version_from_location("https://x/tag/v1.2.3%2", &v), -EBADMSG);
        assert_int_equal(k3s_version_from_location("", &v), -EBADMSG);
}

static void test_urls_and_arch(void **state) {
        const struct k3s_arch *a;
        char *u = NULL;

        (void) state;
        assert_int_equal(k3s_asset_url("http://127.0.0.1:1/releases/", "v1.31.4+k3s1", "k3s", &u), 0);
        assert_string_equal(u, "http://127.0.0.1:1/releases/download/v1.31.4%2Bk3s1/k3s");
        free(u);
        assert_int_equal(k3s_arch_lookup("x86_64", &a), 0);
        assert_string_equal(a->asset, "k3s");
        assert_int_equal(k3s_arch_lookup("aarch64", &a), 0);
        assert_string_equal(a->hash_file, "sha256sum-arm64.txt");
        assert_int_equal(k3s_arch_lookup("armv7l", &a), 0);
        assert_string_equal(a->asset, "k3s-armhf");
        assert_string_equal(a->hash_file, "sha256sum-arm.txt");
        assert_int_equal(k3s_arch_lookup("s390x", &a), -ENOTSUP);
}

static void test_hash_file(void **state) {
        const char *text =
                "1111111111111111111111111111111111111111111111111111111111111111  k3s-airgap-images-amd64.tar\n"
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  k3s\n"
                "2222222222222222222222222222222222222222222222222222222222222222  k3s-arm64\n";
        char h[65];

        (void) state;
        assert_int_equal(k3s_hash_file_find(text, strlen(text), "k3s", h), 0);
        assert_string_equal(h, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_int_equal(k3s_hash_file_find(text, strlen(text), "k3s-armhf", h), -ENOENT);
        assert_int_equal(k3s_hash_file_find(text, 64 + 2, "k3s", h), -ENOENT);
}

static void test_render(void **state) {
        struct k3s_install_options o;
        char *tls[] = { (char *) "a.example", (char *) "10.0.0.1", NULL };
        char *s = NULL, *kept = NULL;
        char *env[] = { (char *) "HTTPS_PROXY=http://p:3128", (char *) "PATH=/bin", (char *) "no_proxy=a,\"b\"$",
                        (char *) "K3S_TOKEN=secret", (char *) "CONTAINERD_HTTP_PROXY=x",
                        (char *) "K3S_NODE_NAME=n1", (char *) "K3S_=x", (char *) "CONTAINERD_LOG_LEVEL=debug",
                        (char *) "K3S_X-Y=bad", NULL };

        (void) state;
        k3s_install_options_init(&o);
        o.tls_san = tls;
        o.cluster_init = true;
        assert_int_equal(k3s_config_render(&o, "/etc/rancher/k3s/nodeprep-token", NULL, &s, &kept), 0);
        assert_null(kept);
        assert_non_null(strstr(s, "disable+: [traefik]\n"));
        assert_non_null(strstr(s, "tls-san+: [a.example, 10.0.0.1]\n"));
        assert_non_null(strstr(s, "cluster-init: true\n"));
        assert_non_null(strstr(s, "write-kubeconfig-mode: \"0600\"\n"));
        assert_non_null(strstr(s, "token-file: \"/etc/rancher/k3s/nodeprep-token\"\n"));
        free(s);
        assert_int_equal(k3s_unit_render(K3S_ROLE_AGENT, 0, &s), 0);
        assert_non_null(strstr(s, "LimitNOFILE=1048576\n"));
        assert_non_null(strstr(s, "EnvironmentFile=-/etc/systemd/system/k3s-agent.service.env\n"));
        assert_non_null(strstr(s, "    agent\n"));
        free(s);
        assert_int_equal(k3s_env_render(env, &s), 0);
        /* Point 7: K3S_* and CONTAINERD_* carried, K3S_TOKEN not. */
        assert_string_equal(s, "HTTPS_PROXY=\"http://p:3128\"\nno_proxy=\"a,\\\"b\\\"\\$\"\nCONTAINERD_HTTP_PROXY=\"x\"\n"
                               "K3S_NODE_NAME=\"n1\"\nCONTAINERD_LOG_LEVEL=\"debug\"\n");
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_location),
                cmocka_unit_test(test_urls_and_arch),
                cmocka_unit_test(test_hash_file),
                cmocka_unit_test(test_render),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
