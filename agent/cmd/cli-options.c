/* SPDX-License-Identifier: MIT */
/* Option tables: getopt_long() arrays built from the tables help prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "cli.h"

/* More than any command has; cli_options_to_getopt() stops at the cap. */
#define CLI_MAX_OPTIONS 64

size_t cli_options_to_getopt(const struct cli_option *options, int val_base, struct option *out, size_t n,
                             size_t cap) {
        for (const struct cli_option *o = options; o && o->name && n + 1 < cap; o++)
                out[n++] = (struct option) { o->name, o->has_arg, NULL, val_base + o->val };
        out[n] = (struct option) { NULL, 0, NULL, 0 };
        return n;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct cli_option *options) {
        /* getopt_long() keeps pointers into the array between calls: one per
         * table, rebuilt when a different command (bootstrap's stages) parses. */
        static struct option longopts[CLI_MAX_OPTIONS];
        static const struct cli_option *built;

        if (built != options) {
                cli_options_to_getopt(options, 0, longopts, 0, ELEMENTSOF(longopts));
                built = options;
        }
        opterr = 0;     /* the command reports the bad option, in the one error format */
        return getopt_long(argc, argv, shortopts, longopts, NULL);
}

int cli_run_subcommand(struct cli *cli, int argc, char **argv, const struct cli_subcommand *subs, const char *missing) {
        _cleanup_free_ char *names = NULL;
        size_t size = 0;
        FILE *f;

        if (argc < 2)
                return cli_error(cli, EXIT_INVALID, "%s", missing);
        for (const struct cli_subcommand *s = subs; s->name; s++)
                if (streq(s->name, argv[1]))
                        return s->fn(cli, argc - 1, argv + 1);
        /* "k3s: unknown subcommand 'x' (install, status, ...)" */
        f = open_memstream(&names, &size);
        if (!f)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        for (const struct cli_subcommand *s = subs; s->name; s++)
                fprintf(f, "%s%s", s == subs ? "" : ", ", s->name);
        if (fclose(f) != 0)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        return cli_error(cli, EXIT_INVALID, "%s: unknown subcommand '%s' (%s)", argv[0], argv[1], names);
}

const struct cli_option *cli_option_find(const struct cli_option *options, const char *name) {
        for (const struct cli_option *o = options; o && o->name; o++)
                if (streq(o->name, name))
                        return o;
        return NULL;
}

const struct cli_verb *cli_verb_find(const struct cli_verb *verb, int argc, char **argv, int *ret_depth) {
        int depth = 1;

        /* argv[0] is the command; a subcommand, when the verb has them, is argv[1]. */
        if (verb && verb->subcommands && argc > 1)
                for (const struct cli_verb *s = verb->subcommands; s->name; s++)
                        if (streq(s->name, argv[1])) {
                                verb = s;
                                depth = 2;
                                break;
                        }
        if (ret_depth)
                *ret_depth = depth;
        return verb;
}
