/* SPDX-License-Identifier: MIT */
/* Reading fields of the JSON results commands print and pass around. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

/* The string value of o[key]; dflt when o is NULL, the key is absent or null. */
const char *json_str_or(json_object *o, const char *key, const char *dflt);

/* o[key] as a boolean; false when o is NULL or the key is absent. */
bool json_is_true(json_object *o, const char *key);

/* o[key] when it is a string; NULL when o is NULL, the key is absent or of
 * another type. For checked reads of state files. */
const char *json_field_string(json_object *o, const char *key);
