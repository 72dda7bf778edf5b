/* SPDX-License-Identifier: MIT */
/* Fuzz target: the install manifest's validation (a tampered manifest must
 * never get past it with a path or unit outside the allow-list). */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "k3s/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_tokener *tok = json_tokener_new();
        json_object *o, *files;
        char *err = NULL;

        if (!tok)
                return 0;
        o = json_tokener_parse_ex(tok, (const char *) data, (int) (size > 1 << 20 ? 1 << 20 : size));
        json_tokener_free(tok);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return 0;
        }
        if (k3s_manifest_validate(o, NULL, &err) >= 0 && json_object_object_get_ex(o, "files", &files)) {
                json_object_object_foreach(files, path, v) {
                        (void) v;
                        if (!k3s_manifest_path_allowed(path))
                                abort();        /* validation let a foreign path through */
                }
        }
        free(err);
        json_object_put(o);
        return 0;
}
