/* SPDX-License-Identifier: MIT */
/* The options of `openfaas install`, shared with bootstrap's --openfaas stage
 * so every option passes through with one meaning. */
#pragma once

#include <getopt.h>
#include <json-c/json.h>

#include "../openfaas/openfaas.h"

enum {
        OPENFAAS_ARG_EULA = 0x300,
        OPENFAAS_ARG_LICENSE,
        OPENFAAS_ARG_CHART_URL,
        OPENFAAS_ARG_CHART_FILE,
        OPENFAAS_ARG_EXPOSE,
        OPENFAAS_ARG_FUNCTION_TIMEOUT,
        OPENFAAS_ARG_CANARY,
        OPENFAAS_ARG_CANARY_IMAGE,
        OPENFAAS_ARG_AIRGAP,
        OPENFAAS_ARG_ALLOW_HTTP,
        OPENFAAS_ARG_TIMEOUT,
};

#define OPENFAAS_INSTALL_OPTIONS                                                                \
        { "accept-ce-eula", no_argument, NULL, OPENFAAS_ARG_EULA },                             \
        { "license-file", required_argument, NULL, OPENFAAS_ARG_LICENSE },                      \
        { "chart-url", required_argument, NULL, OPENFAAS_ARG_CHART_URL },                       \
        { "chart-file", required_argument, NULL, OPENFAAS_ARG_CHART_FILE },                     \
        { "expose", required_argument, NULL, OPENFAAS_ARG_EXPOSE },                             \
        { "function-timeout", required_argument, NULL, OPENFAAS_ARG_FUNCTION_TIMEOUT },         \
        { "canary", no_argument, NULL, OPENFAAS_ARG_CANARY },                                   \
        { "canary-image", required_argument, NULL, OPENFAAS_ARG_CANARY_IMAGE },                 \
        { "airgap", no_argument, NULL, OPENFAAS_ARG_AIRGAP },                                   \
        { "chart-allow-http", no_argument, NULL, OPENFAAS_ARG_ALLOW_HTTP }

int openfaas_cli_option(int c, const char *arg, struct openfaas_options *o, char **ret_error);
json_object *openfaas_result_to_json(const struct openfaas_result *r);
