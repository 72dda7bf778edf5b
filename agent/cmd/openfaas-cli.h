/* SPDX-License-Identifier: MIT */
/* The options of `openfaas install`, shared with bootstrap's --openfaas stage
 * so every option passes through with one meaning. */
#pragma once

#include <getopt.h>
#include <json-c/json.h>

#include "../openfaas/openfaas.h"
#include "cli.h"

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

/* openfaas install's options (--timeout too), from which its help, completion
 * and getopt array are made; bootstrap takes them for its openfaas stage. */
extern const struct cli_option openfaas_install_options[];

int openfaas_cli_option(int c, const char *arg, struct openfaas_options *o, char **ret_error);
json_object *openfaas_result_to_json(const struct openfaas_result *r);
