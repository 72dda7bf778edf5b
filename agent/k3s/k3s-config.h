/* SPDX-License-Identifier: MIT */
/*
 * The K3s configuration drop-in (/etc/rancher/k3s/config.yaml.d/), emitted
 * with libyaml so quoting is never hand-made. Keys are K3s flag names; lists
 * for repeatable flags. The token itself never appears: only token-file.
 */
#pragma once

#include "k3s.h"
#include "k3sconf.h"

/* token_path: where the token copy lives (NULL: no token). op: the
 * operator's own configuration (every file but ours; NULL: none). Lists
 * are written as "key+:" so they add to the operator's; a scalar the
 * operator already set is left out, and ret_kept (may be NULL; NULL when
 * nothing was kept) says which, with file:line and both values. */
int k3s_config_render(const struct k3s_install_options *o, const char *token_path, const struct k3s_conf *op,
                      char **ret, char **ret_kept);
