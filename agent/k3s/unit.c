/* SPDX-License-Identifier: MIT */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../basic/cleanup.h"

int k3s_unit_render(enum k3s_role role, uint64_t nofile, char **ret) {
        const char *unit = k3s_unit_name(role);
        char limit[32];

        if (nofile == 0)
                nofile = K3S_DEFAULT_NOFILE;
        snprintf(limit, sizeof(limit), "%llu", (unsigned long long) nofile);
        if (asprintf(ret,
                     "# Written by nodeprep (k3s install); changes are overwritten.\n"
                     "[Unit]\n"
                     "Description=Lightweight Kubernetes\n"
                     "Documentation=https://k3s.io\n"
                     "Wants=network-online.target\n"
                     "After=network-online.target\n"
                     "\n"
                     "[Install]\n"
                     "WantedBy=multi-user.target\n"
                     "\n"
                     "[Service]\n"
                     "Type=notify\n"
                     "EnvironmentFile=-/etc/default/%%N\n"
                     "EnvironmentFile=-/etc/sysconfig/%%N\n"
                     "EnvironmentFile=-" K3S_SYSTEMD_DIR "/%s.env\n"
                     "KillMode=process\n"
                     "Delegate=yes\n"
                     "User=root\n"
                     "# Having non-zero Limit*s causes performance problems due to accounting overhead\n"
                     "# in the kernel. We recommend using cgroups to do container-local accounting.\n"
                     "LimitNOFILE=%s\n"
                     "LimitNPROC=infinity\n"
                     "LimitCORE=infinity\n"
                     "TasksMax=infinity\n"
                     "TimeoutStartSec=0\n"
                     "Restart=always\n"
                     "RestartSec=5s\n"
                     "ExecStartPre=-/sbin/modprobe br_netfilter\n"
                     "ExecStartPre=-/sbin/modprobe overlay\n"
                     "ExecStart=" K3S_BIN " \\\n"
                     "    %s\n",
                     unit, limit, k3s_role_to_string(role)) < 0)
                return -ENOMEM;
        return 0;
}

/* What install.sh copies into the unit's env file: every K3S_* and
 * CONTAINERD_* variable and the proxy variables in any case (install.sh
 * create_env_file); k3sup and k3s-ansible set K3S_* for the service this
 * way. K3S_TOKEN is the exception: it becomes the 0600 token file, so it is
 * in exactly one place. */
static bool carried_name(const char *name, size_t len) {
        static const char *const proxies[] = { "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY" };

        if (len == 9 && strneq(name, "K3S_TOKEN", 9))
                return false;
        if ((len > 4 && strneq(name, "K3S_", 4)) || (len > 11 && strneq(name, "CONTAINERD_", 11)))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(proxies); i++)
                if (len == strlen(proxies[i]) && strncasecmp(name, proxies[i], len) == 0)
                        return true;
        return false;
}

/* A name systemd's EnvironmentFile= accepts. */
static bool env_name_valid(const char *name, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') || name[i] == '_' ||
                      (i > 0 && name[i] >= '0' && name[i] <= '9')))
                        return false;
        return len > 0;
}

/* systemd EnvironmentFile= double quotes: \ " $ ` are escaped. */
static int append_quoted(FILE *f, const char *v) {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
                if (strchr("\\\"$`", *p))
                        fputc('\\', f);
                fputc(*p, f);
        }
        fputc('"', f);
        return 0;
}

int k3s_env_render(char * const *envp, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (char * const *e = envp; e && *e; e++) {
                const char *eq = strchr(*e, '=');

                if (!eq || !carried_name(*e, (size_t) (eq - *e)) || !env_name_valid(*e, (size_t) (eq - *e)) ||
                    strchr(eq + 1, '\n'))
                        continue;
                fprintf(f, "%.*s=", (int) (eq - *e), *e);
                append_quoted(f, eq + 1);
                fputc('\n', f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}
