/* SPDX-License-Identifier: MIT */
#include "openfaas-render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/yaml-emit.h"

unsigned openfaas_rw_timeout(unsigned upstream_sec) {
        return upstream_sec + 5;
}

unsigned openfaas_ack_wait(unsigned upstream_sec) {
        return upstream_sec > 60 ? upstream_sec : 60;
}

static void kv_seconds(struct yaml_out *y, const char *key, unsigned sec) {
        char buf[32];

        /* Quoted: "65s" is a string to the chart; the template quotes it again. */
        snprintf(buf, sizeof(buf), "%us", sec);
        yaml_out_kv_quoted(y, key, buf);
}

int openfaas_render_values(const struct render_input *in, char **ret, size_t *ret_size) {
        struct yaml_out y;
        bool pro = in->license;
        int r;

        r = yaml_out_begin(&y);
        if (r < 0)
                return r;
        yaml_out_doc_start(&y);
        yaml_out_map_start(&y);
        yaml_out_kv(&y, "functionNamespace", "openfaas-fn");
        yaml_out_kv_plain(&y, "openfaasPro", pro ? "true" : "false");
        /* nodeprep owns the password (a 0600 file): the chart's pre-install
         * hook Secret would be regenerated on a reinstall (templates/secret.yaml). */
        yaml_out_kv_plain(&y, "generateBasicAuth", "false");
        yaml_out_kv_plain(&y, "basic_auth", "true");
        switch (in->expose) {
        case OPENFAAS_EXPOSE_CLUSTERIP:
                /* No gateway-external Service at all (templates/gateway-external-svc.yaml). */
                yaml_out_kv_plain(&y, "exposeServices", "false");
                break;
        case OPENFAAS_EXPOSE_LOADBALANCER:
                yaml_out_kv_plain(&y, "exposeServices", "true");
                yaml_out_kv(&y, "serviceType", "LoadBalancer");
                break;
        case OPENFAAS_EXPOSE_NODEPORT:
                yaml_out_kv_plain(&y, "exposeServices", "true");
                yaml_out_kv(&y, "serviceType", "NodePort");
                break;
        }
        yaml_out_str(&y, "gateway");
        yaml_out_map_start(&y);
        yaml_out_kv_plain(&y, "directFunctions", "true");
        kv_seconds(&y, "upstreamTimeout", in->function_timeout_sec);
        kv_seconds(&y, "readTimeout", openfaas_rw_timeout(in->function_timeout_sec));
        kv_seconds(&y, "writeTimeout", openfaas_rw_timeout(in->function_timeout_sec));
        yaml_out_map_end(&y);
        yaml_out_str(&y, "queueWorker");
        yaml_out_map_start(&y);
        kv_seconds(&y, "ackWait", openfaas_ack_wait(in->function_timeout_sec));
        yaml_out_map_end(&y);
        yaml_out_map_end(&y);
        yaml_out_doc_end(&y);
        r = yaml_out_finish(&y, ret, ret_size);
        yaml_out_done(&y);
        return r;
}

static void metadata(struct yaml_out *y, const char *name, const char *ns) {
        yaml_out_str(y, "metadata");
        yaml_out_map_start(y);
        yaml_out_kv(y, "name", name);
        if (ns)
                yaml_out_kv(y, "namespace", ns);
        yaml_out_str(y, "labels");
        yaml_out_map_start(y);
        yaml_out_kv(y, "app.kubernetes.io/managed-by", "nodeprep");
        yaml_out_map_end(y);
        yaml_out_map_end(y);
}

static void namespace(struct yaml_out *y, const char *name, const char *role, const char *access) {
        yaml_out_doc_start(y);
        yaml_out_map_start(y);
        yaml_out_kv(y, "apiVersion", "v1");
        yaml_out_kv(y, "kind", "Namespace");
        yaml_out_str(y, "metadata");
        yaml_out_map_start(y);
        yaml_out_kv(y, "name", name);
        /* faas-netes namespaces.yml */
        yaml_out_str(y, "labels");
        yaml_out_map_start(y);
        yaml_out_kv(y, "role", role);
        if (access)
                yaml_out_kv(y, "access", access);
        yaml_out_kv(y, "app.kubernetes.io/managed-by", "nodeprep");
        yaml_out_map_end(y);
        yaml_out_map_end(y);
        yaml_out_map_end(y);
        yaml_out_doc_end(y);
}

static void secret(struct yaml_out *y, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2) {
        yaml_out_doc_start(y);
        yaml_out_map_start(y);
        yaml_out_kv(y, "apiVersion", "v1");
        yaml_out_kv(y, "kind", "Secret");
        metadata(y, name, "openfaas");
        yaml_out_kv(y, "type", "Opaque");
        /* stringData: the API server merges it into data (base64) itself. */
        yaml_out_str(y, "stringData");
        yaml_out_map_start(y);
        yaml_out_kv_quoted(y, k1, v1);
        if (k2)
                yaml_out_kv_quoted(y, k2, v2);
        yaml_out_map_end(y);
        yaml_out_map_end(y);
        yaml_out_doc_end(y);
}

static void helmchart(struct yaml_out *y, const struct render_input *in, const char *values) {
        char chart[256];

        /* klipper-helm's entry script rewrites %{KUBERNETES_API}% to the API
         * server, which serves server/static/ (how K3s ships traefik). */
        snprintf(chart, sizeof(chart), "https://%%{KUBERNETES_API}%%/static/charts/%s", in->chart_name);
        yaml_out_doc_start(y);
        yaml_out_map_start(y);
        yaml_out_kv(y, "apiVersion", "helm.cattle.io/v1");
        yaml_out_kv(y, "kind", "HelmChart");
        metadata(y, "openfaas", "kube-system");
        yaml_out_str(y, "spec");
        yaml_out_map_start(y);
        yaml_out_kv(y, "chart", chart);
        yaml_out_kv(y, "targetNamespace", "openfaas");
        yaml_out_kv(y, "timeout", "600s");
        /* The default "reinstall" runs helm uninstall on a failed release
         * (helm-controller#246); abort makes the job fail and us say so. */
        yaml_out_kv(y, "failurePolicy", "abort");
        /* Invariants only, quoted: set is a map of IntOrString, and a bare
         * bool stops the controller decoding every chart (k3s#748). They beat
         * any HelmChartConfig; everything else is in valuesContent, which an
         * operator's HelmChartConfig of the same name overrides. */
        yaml_out_str(y, "set");
        yaml_out_map_start(y);
        yaml_out_kv_quoted(y, "functionNamespace", "openfaas-fn");
        yaml_out_kv_quoted(y, "generateBasicAuth", "false");
        yaml_out_kv_quoted(y, "basic_auth", "true");
        yaml_out_kv_quoted(y, "openfaasPro", in->license ? "true" : "false");
        yaml_out_map_end(y);
        yaml_out_str(y, "valuesContent");
        yaml_out_literal(y, values);
        yaml_out_map_end(y);
        yaml_out_map_end(y);
        yaml_out_doc_end(y);
}

int openfaas_render_manifest(const struct render_input *in, char **ret, size_t *ret_size) {
        _cleanup_free_ char *values = NULL;
        struct yaml_out y;
        size_t vs;
        int r;

        r = openfaas_render_values(in, &values, &vs);
        if (r < 0)
                return r;
        r = yaml_out_begin(&y);
        if (r < 0)
                return r;
        namespace(&y, "openfaas", "openfaas-system", "openfaas-system");
        namespace(&y, "openfaas-fn", "openfaas-fn", NULL);
        secret(&y, "basic-auth", "basic-auth-user", "admin", "basic-auth-password", in->password);
        if (in->license)
                secret(&y, "openfaas-license", "license", in->license, NULL, NULL);
        /* valuesContent is the values document without its "---" line. */
        helmchart(&y, in, values + (strncmp(values, "---\n", 4) == 0 ? 4 : 0));
        r = yaml_out_finish(&y, ret, ret_size);
        yaml_out_done(&y);
        return r;
}
