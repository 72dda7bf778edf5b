/* SPDX-License-Identifier: MIT */
/* check's --json document, shared with bootstrap's preflight stage, which
 * records the same document for the groups it runs. */
#pragma once

#include <json-c/json.h>

#include "../verdict/checklist.h"

/* {"checks":[{"group","name","status","reason","evidence","hint"}],"failed":N} */
json_object *check_list_to_json(const struct check_list *l);
