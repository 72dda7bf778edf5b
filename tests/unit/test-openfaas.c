/* SPDX-License-Identifier: MIT */
/* OpenFaaS: durations and the timeout rule, option checks, the chart index,
 * the rendered values, the API answer readers and the kubeconfig. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kube/kube.h"
#include "openfaas/api.h"
#include "openfaas/chart.h"
#include "openfaas/openfaas-render.h"

static void test_duration(void **state) {
        unsigned s = 0;

        (void) state;
        assert_int_equal(openfaas_parse_duration("60s", &s), 0);
        assert_int_equal(s, 60);
        assert_int_equal(openfaas_parse_duration("1m30s", &s), 0);
        assert_int_equal(s, 90);
        assert_int_equal(openfaas_parse_duration("1m05s", &s), 0);
        assert_int_equal(s, 65);
        assert_int_equal(openfaas_parse_duration("2h", &s), 0);
        assert_int_equal(s, 7200);
        assert_int_equal(openfaas_parse_duration("90", &s), 0);
        assert_int_equal(s, 90);
        assert_int_equal(openfaas_parse_duration("", &s), -EINVAL);
        assert_int_equal(openfaas_parse_duration("10x", &s), -EINVAL);
        assert_int_equal(openfaas_parse_duration("1.5s", &s), -EINVAL);
        assert_int_equal(openfaas_parse_duration("s", &s), -EINVAL);
        assert_int_equal(openfaas_parse_duration("1m 5s", &s), -EINVAL);
        assert_int_equal(openfaas_parse_duration("0s", &s), -ERANGE);
        assert_int_equal(openfaas_parse_duration("25h", &s), -ERANGE);
        assert_int_equal(openfaas_parse_duration("99999999999999999999s", &s), -ERANGE);
        /* exec <= upstream < read/write; ackWait never below the seed's 60s. */
        assert_true(openfaas_rw_timeout(60) > 60);
        assert_int_equal(openfaas_ack_wait(30), 60);
        assert_int_equal(openfaas_ack_wait(120), 120);
}

static void test_options(void **state) {
        struct openfaas_options o;
        char *err = NULL;

        (void) state;
        openfaas_options_init(&o);
        assert_int_equal(openfaas_options_check(&o, &err), -EINVAL);
        assert_non_null(strstr(err, OPENFAAS_CE_EULA_URL));
        free(err);
        err = NULL;
        o.accept_ce_eula = true;
        assert_int_equal(openfaas_options_check(&o, &err), 0);
        o.airgap = true;
        assert_int_equal(openfaas_options_check(&o, &err), -EINVAL);
        assert_non_null(strstr(err, "offline"));
        free(err);
        err = NULL;
        o.airgap = false;
        o.chart_url = "http://mirror.example.com/charts";
        assert_int_equal(openfaas_options_check(&o, &err), -EINVAL);
        free(err);
        err = NULL;
        o.chart_url = "http://127.0.0.1:8000/charts";
        assert_int_equal(openfaas_options_check(&o, &err), 0);
}

static const char index_yaml[] =
        "apiVersion: v1\n"
        "entries:\n"
        "  openfaas:\n"
        "  - version: 15.0.7\n"
        "    digest: 1111111111111111111111111111111111111111111111111111111111111111\n"
        "    urls: [openfaas-15.0.7.tgz]\n"
        "  - version: 15.0.6\n"
        "    digest: 937d0672524fefb7177e0153f45d44ba0cde026ed8d0bfb723207e39c1119d6c\n"
        "    urls:\n"
        "    - https://openfaas.github.io/faas-netes/openfaas-15.0.6.tgz\n";

static void test_index(void **state) {
        struct chart_entry e;
        char *err = NULL;

        (void) state;
        assert_int_equal(chart_index_find(index_yaml, strlen(index_yaml), "openfaas", "15.0.6", &e, &err), 0);
        assert_string_equal(e.digest, OPENFAAS_CHART_SHA256);
        assert_string_equal(e.url, "https://openfaas.github.io/faas-netes/openfaas-15.0.6.tgz");
        chart_entry_done(&e);
        assert_int_equal(chart_index_find(index_yaml, strlen(index_yaml), "openfaas", "15.0.5", &e, &err), -ENOENT);
        assert_non_null(strstr(err, "15.0.5"));
        free(err);
        err = NULL;
        assert_int_equal(chart_index_find(index_yaml, strlen(index_yaml), "cron-connector", "15.0.6", &e, &err), -ENOENT);
        free(err);
        err = NULL;
        {
                const char bad[] = "entries:\n  openfaas:\n  - version: 15.0.6\n    digest: ABC\n    urls: [x.tgz]\n";

                assert_int_equal(chart_index_find(bad, strlen(bad), "openfaas", "15.0.6", &e, &err), -EBADMSG);
                assert_non_null(strstr(err, "digest"));
                free(err);
                err = NULL;
        }
        assert_int_equal(chart_index_find("{[", 2, "openfaas", "15.0.6", &e, &err), -EBADMSG);
        free(err);
}

static void test_values(void **state) {
        struct render_input in = { .password = "p", .expose = OPENFAAS_EXPOSE_CLUSTERIP, .function_timeout_sec = 120,
                                   .chart_name = "openfaas-15.0.6.tgz" };
        char *v = NULL, *m = NULL;
        size_t n;

        (void) state;
        assert_int_equal(openfaas_render_values(&in, &v, &n), 0);
        assert_non_null(strstr(v, "upstreamTimeout: \"120s\""));
        assert_non_null(strstr(v, "readTimeout: \"125s\""));
        assert_non_null(strstr(v, "ackWait: \"120s\""));
        assert_non_null(strstr(v, "exposeServices: false"));
        assert_non_null(strstr(v, "directFunctions: true"));
        assert_non_null(strstr(v, "generateBasicAuth: false"));
        assert_int_equal(openfaas_render_manifest(&in, &m, &n), 0);
        /* set values are quoted strings; failurePolicy abort; no licence for CE */
        assert_non_null(strstr(m, "generateBasicAuth: \"false\""));
        assert_non_null(strstr(m, "failurePolicy: abort"));
        assert_non_null(strstr(m, "https://%{KUBERNETES_API}%/static/charts/openfaas-15.0.6.tgz"));
        assert_null(strstr(m, "openfaas-license"));
        free(v);
        free(m);
        in.license = "LICENCE";
        in.expose = OPENFAAS_EXPOSE_LOADBALANCER;
        assert_int_equal(openfaas_render_manifest(&in, &m, &n), 0);
        assert_non_null(strstr(m, "openfaas-license"));
        assert_non_null(strstr(m, "serviceType: LoadBalancer"));
        assert_non_null(strstr(m, "openfaasPro: \"true\""));
        free(m);
}

#define S(x) x, strlen(x)

static void test_api(void **state) {
        struct helmchart_state h;
        struct job_state j;
        struct pod_state p;
        struct release_state rel;
        struct deployments_state d;
        struct gateway_info g;
        char sum[65], ip[64];
        int port;
        long avail;

        (void) state;
        assert_int_equal(api_addon_checksum(S("{\"kind\":\"Addon\",\"spec\":{\"checksum\":\""
                                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}"), sum), 0);
        assert_int_equal(api_addon_checksum(S("{\"kind\":\"Addon\",\"spec\":{}}"), sum), -ENODATA);
        assert_int_equal(api_addon_checksum(S("{\"kind\":\"Job\"}"), sum), -EBADMSG);
        assert_int_equal(api_addon_checksum(S("{\"kind\":\"Addon\"} trailing"), sum), -EBADMSG);

        assert_int_equal(api_helmchart_state(S("{\"kind\":\"HelmChart\",\"status\":{\"jobName\":\"helm-install-openfaas\","
                                               "\"conditions\":[{\"type\":\"JobCreated\",\"status\":\"True\"},"
                                               "{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"Job failed\","
                                               "\"message\":\"m\"}]}}"), &h), 0);
        assert_true(h.job_created && h.failed);
        assert_string_equal(h.reason, "Job failed");
        assert_string_equal(h.job_name, "helm-install-openfaas");

        assert_int_equal(api_job_state(S("{\"kind\":\"Job\",\"status\":{\"active\":1}}"), &j), 0);
        assert_false(j.complete || j.failed);
        assert_int_equal(j.active, 1);
        assert_int_equal(api_job_state(S("{\"kind\":\"Job\",\"status\":{\"conditions\":[{\"type\":\"Complete\","
                                         "\"status\":\"True\"}]}}"), &j), 0);
        assert_true(j.complete);

        assert_int_equal(api_pods_state(S("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"a\"},\"status\":"
                                          "{\"phase\":\"Running\",\"containerStatuses\":[{\"restartCount\":4,\"state\":"
                                          "{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":"
                                          "{\"exitCode\":1,\"message\":\"Error: x\"}}}]}}]}"), &p), 0);
        assert_string_equal(p.waiting_reason, "CrashLoopBackOff");
        assert_string_equal(p.terminated_message, "Error: x");
        assert_int_equal(p.restarts, 4);
        assert_int_equal(p.exit_code, 1);

        assert_int_equal(api_release_state(S("{\"kind\":\"SecretList\",\"items\":["
                                             "{\"metadata\":{\"labels\":{\"owner\":\"helm\",\"status\":\"deployed\",\"version\":\"10\"}}},"
                                             "{\"metadata\":{\"labels\":{\"owner\":\"helm\",\"status\":\"superseded\",\"version\":\"9\"}}},"
                                             "{\"metadata\":{\"labels\":{\"owner\":\"x\",\"status\":\"failed\",\"version\":\"11\"}}}]}"),
                                           &rel), 0);
        assert_int_equal(rel.version, 10);
        assert_string_equal(rel.status, "deployed");

        assert_int_equal(api_deployments_state(S("{\"kind\":\"DeploymentList\",\"items\":[{\"metadata\":{\"name\":\"gateway\"},"
                                                 "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"gateway\",\"env\":"
                                                 "[{\"name\":\"upstream_timeout\",\"value\":\"60s\"}]}]}}},\"status\":"
                                                 "{\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}},"
                                                 "{\"metadata\":{\"name\":\"nats\"}}]}"), &d), 0);
        assert_int_equal(d.n, 2);
        assert_int_equal(d.n_available, 1);
        assert_string_equal(d.unavailable, "nats");
        assert_string_equal(d.upstream_timeout, "60s");

        assert_int_equal(api_service_address(S("{\"kind\":\"Service\",\"spec\":{\"clusterIP\":\"10.43.0.9\",\"ports\":"
                                               "[{\"port\":8080}]}}"), ip, &port), 0);
        assert_string_equal(ip, "10.43.0.9");
        assert_int_equal(port, 8080);
        assert_int_equal(api_service_address(S("{\"kind\":\"Service\",\"spec\":{\"clusterIP\":\"None\",\"ports\":"
                                               "[{\"port\":8080}]}}"), ip, &port), -ENODATA);

        assert_int_equal(api_gateway_info(S("{\"provider\":{\"provider\":\"faas-netes-ce\",\"orchestration\":\"kubernetes\"},"
                                            "\"version\":{\"release\":\"0.27.13\"}}"), &g), 0);
        assert_string_equal(g.provider, "faas-netes-ce");
        assert_int_equal(api_gateway_info(S("{}"), &g), -EBADMSG);
        assert_int_equal(api_function_available(S("{\"availableReplicas\":1}"), &avail), 0);
        assert_int_equal(avail, 1);
        assert_int_equal(api_function_available(S("[]"), &avail), -EBADMSG);
}

static void test_kubeconfig(void **state) {
        /* base64 of "-----BEGIN X-----\n" */
        const char *b = "LS0tLS1CRUdJTiBYLS0tLS0K";
        char text[1024];
        struct kubeconfig k;
        char *err = NULL;

        (void) state;
        snprintf(text, sizeof(text),
                 "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
                 "    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n"
                 "    user: default\n  name: default\ncurrent-context: default\nkind: Config\nusers:\n- name: default\n"
                 "  user:\n    client-certificate-data: %s\n    client-key-data: %s\n", b, b, b);
        assert_int_equal(kubeconfig_parse(text, strlen(text), &k, &err), 0);
        assert_string_equal(k.server, "https://127.0.0.1:6443");
        assert_string_equal(k.ca_pem, "-----BEGIN X-----\n");
        kubeconfig_done(&k);
        /* No embedded key: named. */
        *strstr(text, "    client-key-data") = 0;
        assert_int_equal(kubeconfig_parse(text, strlen(text), &k, &err), -EBADMSG);
        assert_non_null(strstr(err, "client-key-data"));
        free(err);
        assert_null(kube_status_message(S("{\"kind\":\"Status\"}")));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_index),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_api),
                cmocka_unit_test(test_kubeconfig),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
