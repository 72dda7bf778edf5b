/* SPDX-License-Identifier: MIT */
#include "nvme-health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../verdict/verdict-facts.h"
#include "../verdict/verdict-rules.h"
#include "health-checks.h"

void nvme_health_collect(const struct sysroot *sr, struct nvme_health *ret) {
        struct nvme_list l = {};
        struct nvme_health h = {};

        h.err = nvme_enumerate(sr, &l);
        for (size_t i = 0; h.err >= 0 && i < l.n && h.n < NVME_HEALTH_CTRLS; i++) {
                const struct nvme_ctrl *src = &l.ctrls[i];
                struct nvme_health_ctrl *c = &h.c[h.n++];

                snprintf(c->name, sizeof(c->name), "%s", src->name);
                snprintf(c->model, sizeof(c->model), "%s", src->model);
                snprintf(c->state, sizeof(c->state), "%s", src->state);
                c->temp_millicelsius = src->temp_millicelsius;
                /* The ioctl needs the live device node. */
                c->smart_err = sr->live ? nvme_smart_read(sr, src->name, &c->smart) : -EOPNOTSUPP;
                /* SMART's limits are not [health] keys: the defaults. */
                if (c->smart_err >= 0)
                        c->unhealthy = verdict_nvme_smart(&c->smart, &verdict_thresholds_default, c->why,
                                                          sizeof(c->why)) == CHECK_FAIL;
        }
        if (h.err >= 0)
                nvme_list_done(&l);
        *ret = h;
}

/* "; name detail" appended to the reason. */
static void add(struct health_check_result *r, const char *sep, const char *a, const char *b) {
        size_t n = strlen(r->reason);

        if (n + 3 >= sizeof(r->reason))
                return;
        snprintf(r->reason + n, sizeof(r->reason) - n, "%s%s%s%s", n ? "; " : "", a, sep, b);
}

void nvme_health_evaluate(const struct nvme_health *h, struct health_check_result *r) {
        bool fail = false;

        r->reason[0] = 0;
        if (h->err == -ENOENT) {
                r->status = CHECK_NA;
                snprintf(r->reason, sizeof(r->reason), "no NVMe controllers");
                return;
        }
        if (h->err < 0) {
                r->status = CHECK_UNKNOWN;
                snprintf(r->reason, sizeof(r->reason), "/sys/class/nvme: %s", strerror(-h->err));
                return;
        }
        if (h->n == 0) {
                r->status = CHECK_NA;
                snprintf(r->reason, sizeof(r->reason), "no NVMe controllers");
                return;
        }
        for (size_t i = 0; i < h->n; i++) {
                const struct nvme_health_ctrl *c = &h->c[i];

                enum check_status state = verdict_serve(VERDICT_FACT_NVME_STATE, verdict_nvme_state(c->state));
                enum check_status smart = verdict_serve(VERDICT_FACT_NVME_SMART, c->unhealthy ? CHECK_FAIL : CHECK_OK);

                if (state != CHECK_OK) {
                        fail = fail || state == CHECK_FAIL;
                        add(r, " state ", c->name, c->state);
                } else if (c->smart_err >= 0) {
                        if (smart != CHECK_OK) {
                                fail = true;
                                add(r, ": ", c->name, c->why);
                        } else
                                add(r, ": ", c->name, "SMART ok");
                } else
                        add(r, ": ", c->name, c->smart_err == -EPERM || c->smart_err == -EACCES ?
                            "live, SMART not permitted" : c->smart_err == -EOPNOTSUPP ?
                            "live, SMART needs the live device" : "live, SMART unreadable");
        }
        r->status = fail ? CHECK_FAIL : CHECK_OK;
}
