/* SPDX-License-Identifier: MIT */
#include "dlopen.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int dlopen_symbols(void **handle, const char *soname, const struct dlsym_entry *syms, size_t n,
                   const char **ret_error) {
        static char error[256];
        void *h;

        if (*handle)
                return 0;
        h = dlopen(soname, RTLD_NOW | RTLD_NODELETE);
        if (!h) {
                snprintf(error, sizeof(error), "%s is not available: %s", soname, dlerror());
                if (ret_error)
                        *ret_error = error;
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < n; i++) {
                void *p = dlsym(h, syms[i].name);

                if (!p) {
                        snprintf(error, sizeof(error), "%s lacks %s", soname, syms[i].name);
                        for (size_t j = 0; j < i; j++)
                                *syms[j].ptr = NULL;
                        dlclose(h);
                        if (ret_error)
                                *ret_error = error;
                        return -EOPNOTSUPP;
                }
                *syms[i].ptr = p;
        }
        *handle = h;
        return 0;
}
