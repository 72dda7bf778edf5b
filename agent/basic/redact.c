/* SPDX-License-Identifier: MIT */
#include "redact.h"

#include <string.h>

void url_scrub_in_place(char *s) {
        char *scheme = strstr(s, "://"), *auth_end, *at;

        /* Userinfo: between "://" and the last '@' before the path. */
        if (scheme) {
                char *host = scheme + 3;

                auth_end = host + strcspn(host, "/?#");
                at = NULL;
                for (char *p = host; p < auth_end; p++)
                        if (*p == '@')
                                at = p;
                if (at)
                        memset(host, 'x', (size_t) (at - host));
        }
        /* Query and fragment. */
        for (char *q = s + strcspn(s, "?#"); *q; q++)
                if (*q != '?' && *q != '#')
                        *q = 'x';
}
