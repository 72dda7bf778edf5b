/* SPDX-License-Identifier: MIT */
#include "route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "health-config.h"

static bool path_is(const char *path, const char *want) {
        size_t n = strlen(want);

        return strneq(path, want, n) && (path[n] == 0 || (path[n] == '/' && path[n + 1] == 0));
}

struct route route_parse(const char *path) {
        if (!path)
                return (struct route) { ROUTE_NONE, -1 };
        if (path_is(path, "/livez"))
                return (struct route) { ROUTE_LIVEZ, -1 };
        if (path_is(path, "/readyz"))
                return (struct route) { ROUTE_READYZ, -1 };
        if (path_is(path, "/metrics"))
                return (struct route) { ROUTE_METRICS, -1 };
        if (path_is(path, "/status"))
                return (struct route) { ROUTE_STATUS, -1 };
        if (strneq(path, "/readyz/", 8)) {
                int id = health_check_from_name(path + 8);

                if (id >= 0)
                        return (struct route) { ROUTE_READYZ_CHECK, id };
        }
        return (struct route) { ROUTE_NONE, -1 };
}

bool bearer_matches(const char *authorization, const char *token) {
        size_t n, tn;
        unsigned diff;

        if (!authorization || !token || strncasecmp(authorization, "Bearer ", 7) != 0)
                return false;
        authorization += 7;
        while (*authorization == ' ')
                authorization++;
        n = strlen(authorization);
        tn = strlen(token);
        /* Constant time in the secret: every byte of the token is compared,
         * whatever the length of the guess, so timing tells neither the
         * token's length nor its prefix. */
        diff = (unsigned) (n ^ tn) | (tn == 0);
        for (size_t i = 0; i < tn; i++)
                diff |= (unsigned char) (token[i] ^ (i < n ? authorization[i] : 0));
        return diff == 0;
}

bool request_bytes_have_control(const void *p, size_t n) {
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++)
                if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') || b[i] == 0x7f)
                        return true;
        return false;
}

static int parse_port(const char *s, uint16_t *ret) {
        uint64_t v;

        if (safe_atou64(s, &v) < 0 || v == 0 || v > 65535)
                return -EINVAL;
        *ret = htons((uint16_t) v);
        return 0;
}

int listen_address_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *colon;
        struct sockaddr_storage ss = {};
        size_t n;

        if (!s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *end = strchr(s, ']');
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;

                if (!end || end[1] != ':' || (size_t) (end - s - 1) >= sizeof(host))
                        return -EINVAL;
                n = (size_t) (end - s - 1);
                memcpy(host, s + 1, n);
                host[n] = 0;
                a->sin6_family = AF_INET6;
                if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1 || parse_port(end + 2, &a->sin6_port) < 0)
                        return -EINVAL;
                *ret = ss;
                *ret_len = sizeof(*a);
                return 0;
        }
        colon = strrchr(s, ':');
        if (!colon || (size_t) (colon - s) >= sizeof(host) || strchr(s, ':') != colon)
                return -EINVAL;
        {
                struct sockaddr_in *a = (struct sockaddr_in *) &ss;

                n = (size_t) (colon - s);
                memcpy(host, s, n);
                host[n] = 0;
                a->sin_family = AF_INET;
                if (n == 0)
                        a->sin_addr.s_addr = htonl(INADDR_ANY);
                else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
                        return -EINVAL;
                if (parse_port(colon + 1, &a->sin_port) < 0)
                        return -EINVAL;
                *ret = ss;
                *ret_len = sizeof(*a);
        }
        return 0;
}

bool sockaddr_is_loopback(const struct sockaddr *sa) {
        if (sa->sa_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;

                if (IN6_IS_ADDR_LOOPBACK(a))
                        return true;
                return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
        }
        return false;
}
