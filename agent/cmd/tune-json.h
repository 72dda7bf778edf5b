/* SPDX-License-Identifier: MIT */
/* The JSON of plan, apply, verify and rollback (the CLI contract's shape),
 * rendered from the engine's typed results; bootstrap records apply's in its
 * profile stage. NULL when out of memory. */
#pragma once

#include <json-c/json.h>

#include "../tune/engine.h"

json_object *tune_result_to_json(const struct tune_result *r);
json_object *tune_verify_result_to_json(const struct tune_verify_result *r);
json_object *tune_rollback_result_to_json(const struct tune_rollback_result *r);
