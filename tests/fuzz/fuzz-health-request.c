/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: what the health server does with request data of its own
 * (libmicrohttpd parses the HTTP): the path routing, the Authorization
 * header, the control-byte scan of request bytes, the --listen address, and /readyz rendering with ?exclude= names.
 * Input: line 1 path, line 2 Authorization value, line 3 listen address,
 * further lines exclude names; the first byte's low bits pick verbose and
 * which checks fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/route.h"
#include "health/snapshot.h"

#define MAX_LINES 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *lines[MAX_LINES + 1] = {}, *save = NULL;
        struct health_snapshot s = {};
        struct sockaddr_storage ss;
        socklen_t sl;
        size_t n = 0;
        struct body b;
        uint8_t flags;

        if (size == 0 || size > 64 * 1024)
                return 0;
        flags = data[0];
        buf = malloc(size);
        if (!buf)
                return 0;
        memcpy(buf, data + 1, size - 1);
        buf[size - 1] = 0;
        for (char *t = strtok_r(buf, "\n", &save); t && n < MAX_LINES; t = strtok_r(NULL, "\n", &save))
                lines[n++] = t;

        (void) request_bytes_have_control(data, size);
        (void) route_parse(n > 0 ? lines[0] : "");
        (void) bearer_matches(n > 1 ? lines[1] : NULL, "fuzz-token");
        if (listen_address_parse(n > 2 ? lines[2] : "", &ss, &sl) >= 0)
                (void) sockaddr_is_loopback((struct sockaddr *) &ss);

        for (int i = 0; i < _HC_MAX; i++) {
                s.enabled[i] = (flags >> (i % 8)) & 1 || i >= 8;
                s.checks[i].status = (i + flags) % 3 == 0 ? CHECK_FAIL : CHECK_OK;
                memcpy(s.checks[i].reason, "reason", 7);
        }
        if (health_readyz_render(&s, n > 3 ? lines + 3 : NULL, flags & 0x80, (flags & 0x40) ? "stale" : NULL,
                                 &b) >= 0)
                free(b.data);
        free(buf);
        return 0;
}
