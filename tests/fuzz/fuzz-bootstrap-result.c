/* SPDX-License-Identifier: MIT */
/* Fuzz target: the bootstrap.json reader (a previous run's result, read back
 * to resume) and the reader of a stage command's --json output. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap/bootstrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct bootstrap_previous prev;
        json_object *o = NULL;
        char *text;

        /* Both readers get a NUL-terminated buffer, as sysroot_read_file
         * and read_fd_capped hand them. */
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        (void) bootstrap_previous_parse(text, size, &prev);
        if (bootstrap_command_output_parse(text, size, &o) >= 0)
                json_object_put(o);
        free(text);
        return 0;
}
