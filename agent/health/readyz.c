/* SPDX-License-Identifier: MIT */
/*
 * /readyz bodies with Kubernetes semantics (apiserver healthz.go): "ok" when
 * everything passes; otherwise always the verbose listing, "[-]name failed:
 * reason" per failing check, ending in "readyz check failed". Unknown and n/a
 * checks pass (they cannot say the node is unfit) and say so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "snapshot.h"

static bool excluded(char * const *excludes, const char *name) {
        return excludes && strv_contains(excludes, name);
}

/* User input echoed back: printable ASCII only. */
static void put_sanitized(FILE *f, const char *s) {
        for (; *s; s++)
                fputc(*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' ? *s : '?', f);
}

/* Close the memstream (which only then sets *buf and *size). */
static int finish(FILE *f, char **buf, size_t *size, struct body *ret) {
        bool err = ferror(f);

        if (fclose(f) != 0 || err) {
                free(*buf);
                *buf = NULL;
                return -ENOMEM;
        }
        *ret = (struct body) { .data = *buf, .size = *size };
        return 0;
}

int health_readyz_render(const struct health_snapshot *s, char * const *excludes, bool verbose,
                         const char *stale_reason, struct body *ret) {
        char *buf = NULL;
        size_t size = 0;
        bool failed = stale_reason != NULL, unmatched = false;
        FILE *f;

        for (int i = 0; i < _HC_MAX; i++)
                if (s->enabled[i] && s->checks[i].status == CHECK_FAIL && !excluded(excludes, health_check_name(i)))
                        failed = true;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        if (!failed && !verbose) {
                fputs("ok", f);
                return finish(f, &buf, &size, ret) < 0 ? -ENOMEM : 200;
        }
        for (int i = 0; i < _HC_MAX; i++) {
                const struct health_check_result *c = &s->checks[i];
                const char *name = health_check_name(i);

                if (!s->enabled[i])
                        continue;
                if (excluded(excludes, name))
                        fprintf(f, "[+]%s excluded: ok\n", name);
                else if (c->status == CHECK_FAIL)
                        fprintf(f, "[-]%s failed: %s\n", name, c->reason);
                else if (c->status == CHECK_OK)
                        fprintf(f, "[+]%s ok\n", name);
                else
                        fprintf(f, "[+]%s %s: %s\n", name, check_status_to_string(c->status), c->reason);
        }
        if (stale_reason)
                fprintf(f, "[-]collector failed: %s\n", stale_reason);
        for (size_t i = 0; excludes && excludes[i]; i++)
                if (health_check_from_name(excludes[i]) < 0 || !s->enabled[health_check_from_name(excludes[i])]) {
                        if (!unmatched)
                                fputs("warn: some health checks cannot be excluded: no matches for ", f);
                        fputs(unmatched ? ",\"" : "\"", f);
                        put_sanitized(f, excludes[i]);
                        fputc('"', f);
                        unmatched = true;
                }
        if (unmatched)
                fputc('\n', f);
        fprintf(f, "readyz check %s\n", failed ? "failed" : "passed");
        return finish(f, &buf, &size, ret) < 0 ? -ENOMEM : failed ? 500 : 200;
}
