/* SPDX-License-Identifier: MIT */
#include "json-util.h"

const char *json_str_or(json_object *o, const char *key, const char *dflt) {
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || json_object_get_type(v) == json_type_null)
                return dflt;
        return json_object_get_string(v);
}

bool json_is_true(json_object *o, const char *key) {
        json_object *v;

        return o && json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

const char *json_field_string(json_object *o, const char *key) {
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || json_object_get_type(v) != json_type_string)
                return NULL;
        return json_object_get_string(v);
}
