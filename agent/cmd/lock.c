/* SPDX-License-Identifier: MIT */
/*
 * Which commands change the node, and holding the run lock for them
 * (basic/runlock.h). Called once by the dispatcher, so bootstrap, which runs
 * apply and k3s install in-process, takes it once for its whole run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/runlock.h"
#include "cli.h"

/* COMMAND, or COMMAND SUBCOMMAND for the ones whose subcommands differ. */
static const char *const changing[] = {
        "apply", "rollback", "bootstrap",
        "k3s install", "k3s uninstall", "k3s killall",
        "openfaas install", "openfaas uninstall",
        "gateway apply", "gateway remove",
};

static bool has_arg(int argc, char **argv, const char *arg) {
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], arg))
                        return true;
        return false;
}

/* The table's name for the command argv runs, or NULL when it only reads. */
static const char *changing_command(int argc, char **argv) {
        char name[64];

        if (argc < 1)
                return NULL;
        /* A dry run only reads; it takes no lock, like plan and verify. */
        if (has_arg(argc, argv, "--dry-run") || has_arg(argc, argv, "--help"))
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(changing); i++) {
                const char *sub = strchr(changing[i], ' ');

                if (!sub) {
                        if (streq(argv[0], changing[i]))
                                return changing[i];
                        continue;
                }
                snprintf(name, sizeof(name), "%s %s", argv[0], argc > 1 ? argv[1] : "");
                if (streq(name, changing[i]))
                        return changing[i];
        }
        return NULL;
}

bool cli_command_changes_node(int argc, char **argv) {
        return changing_command(argc, argv) != NULL;
}

int cli_run_lock(const struct cli *cli, int argc, char **argv, unsigned long timeout_sec, struct run_lock *ret) {
        struct run_lock_holder holder = {};
        const char *what = changing_command(argc, argv);
        int r;

        *ret = (struct run_lock) RUN_LOCK_NONE;
        if (!what)
                return EXIT_OK;
        r = run_lock_acquire(cli->sr, what, timeout_sec * 1000UL, &holder, ret);
        if (r == -ETIMEDOUT)
                return cli_error(cli, EXIT_FAILED,
                                 "%s: another nodeprep run holds %s (%s) and did not finish within "
                                 "--lock-timeout %lu s; nothing was changed",
                                 what, RUN_LOCK_PATH, holder.text[0] ? holder.text : "holder unknown",
                                 timeout_sec);
        if (r == -EACCES || r == -EPERM || r == -EROFS)
                return cli_error(cli, EXIT_NOT_PERMITTED, "%s needs root: cannot create the run lock %s: %s",
                                 what, RUN_LOCK_PATH, strerror(-r));
        if (r < 0)
                return cli_error(cli, EXIT_FAILED, "%s: cannot take the run lock %s: %s",
                                 what, RUN_LOCK_PATH, strerror(-r));
        return EXIT_OK;
}
