/* SPDX-License-Identifier: MIT */
#include "dlopen.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "../basic/log.h"

/* serve's threads may reach a library's first use at the same time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int fail(const char *error, const char **ret_error) {
        log_debug("%s", error);
        if (ret_error)
                *ret_error = error;
        return -EOPNOTSUPP;
}

static int load(void **handle, const char *soname, const struct dlsym_entry *syms, size_t n,
                const char **ret_error) {
        static char error[256];
        void *h;

        if (*handle)
                return 0;
        h = dlopen(soname, RTLD_NOW | RTLD_NODELETE);
        if (!h) {
                snprintf(error, sizeof(error), "%s is not installed: %s", soname, dlerror());
                return fail(error, ret_error);
        }
        for (size_t i = 0; i < n; i++) {
                void *p = dlsym(h, syms[i].name);

                if (!p) {
                        snprintf(error, sizeof(error), "%s lacks %s", soname, syms[i].name);
                        for (size_t j = 0; j < i; j++)
                                *syms[j].ptr = NULL;
                        dlclose(h);
                        return fail(error, ret_error);
                }
                *syms[i].ptr = p;
        }
        *handle = h;
        return 0;
}

int dlopen_symbols(void **handle, const char *soname, const struct dlsym_entry *syms, size_t n,
                   const char **ret_error) {
        int r;

        pthread_mutex_lock(&lock);
        r = load(handle, soname, syms, n, ret_error);
        pthread_mutex_unlock(&lock);
        return r;
}
