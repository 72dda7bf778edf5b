/* SPDX-License-Identifier: MIT */
/*
 * The K3s configuration drop-in (/etc/rancher/k3s/config.yaml.d/), emitted
 * with libyaml so quoting is never hand-made. Keys are K3s flag names; lists
 * for repeatable flags. The token itself never appears: only token-file.
 */
#pragma once

#include "k3s.h"

/* token_path: where the token copy lives (NULL: no token). */
int k3s_config_render(const struct k3s_install_options *o, const char *token_path, char **ret);
