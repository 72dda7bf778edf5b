/* SPDX-License-Identifier: MIT */
/* Fuzz target: the state-file checks (tune/state-check.c) that stand between
 * a tampered originals.json or applied.json and rollback/apply/verify. The
 * input is parsed by json-c as the readers do, then given to both checks. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "tune/tune-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_tokener *tok;
        json_object *o;
        char *err = NULL;

        if (size > 1024 * 1024)
                return 0;
        tok = json_tokener_new();
        if (!tok)
                return 0;
        o = json_tokener_parse_ex(tok, (const char *) data, (int) size);
        if (o && json_object_is_type(o, json_type_object)) {
                (void) state_check_originals(o, &err);
                free(err);
                err = NULL;
                (void) state_check_applied(o, &err);
                free(err);
        }
        json_object_put(o);
        json_tokener_free(tok);
        return 0;
}
