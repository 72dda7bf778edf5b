/* SPDX-License-Identifier: MIT */
/*
 * --help and `nodeprep help [COMMAND [SUBCOMMAND]]`, printed from the command
 * and option tables (main.c's commands, each verb's options) that parsing and
 * completion use too, so a new command or flag shows up here by itself.
 */
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "cli.h"

#define HELP_COLUMN 26

static void print_option(const struct cli_option *o) {
        char left[128];

        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        if (strlen(left) + 2 >= HELP_COLUMN)
                printf("  %s\n  %*s%s\n", left, HELP_COLUMN, "", o->help ? o->help : "");
        else
                printf("  %-*s%s\n", HELP_COLUMN, left, o->help ? o->help : "");
}

static void print_options(const char *title, const struct cli_option *options) {
        if (!options || !options->name)
                return;
        printf("\n%s:\n", title);
        for (const struct cli_option *o = options; o->name; o++)
                print_option(o);
}

static void print_entry(const char *name, const char *summary) {
        if (strlen(name) + 2 >= HELP_COLUMN)
                printf("  %s\n  %*s%s\n", name, HELP_COLUMN, "", summary ? summary : "");
        else
                printf("  %-*s%s\n", HELP_COLUMN, name, summary ? summary : "");
}

void cli_help_verb(const struct cli *cli, const char *path, const struct cli_verb *verb) {
        (void) cli;
        if (verb->subcommands) {
                printf("Usage: nodeprep %s SUBCOMMAND [OPTIONS]\n", path);
                if (verb->summary)
                        printf("\n%s\n", verb->summary);
                printf("\nSubcommands:\n");
                for (const struct cli_verb *s = verb->subcommands; s->name; s++)
                        print_entry(s->name, s->summary);
                printf("\nSee 'nodeprep %s SUBCOMMAND --help'.\n", path);
                return;
        }
        printf("Usage: nodeprep %s%s%s%s\n", path, verb->options && verb->options->name ? " [OPTIONS]" : "",
               verb->args ? " " : "", verb->args ? verb->args : "");
        if (verb->summary)
                printf("\n%s\n", verb->summary);
        if (verb->description)
                printf("\n%s\n", verb->description);
        if (verb->arg_word) {
                printf("\nArguments:");
                for (size_t i = 0; verb->arg_word(i); i++)
                        printf(" %s", verb->arg_word(i));
                printf("\n");
        }
        print_options("Options", verb->options);
        if (verb->passed_options) {
                _cleanup_free_ char *title = NULL;

                if (asprintf(&title, "Passed through to '%s'", verb->passed_from) >= 0)
                        print_options(title, verb->passed_options);
        }
        printf("\nGlobal options (before or after the command): see 'nodeprep --help'.\n");
}

void cli_help_overview(const struct cli *cli) {
        printf("Usage: nodeprep [GLOBAL OPTIONS] COMMAND [ARGS]\n"
               "\n"
               "Tune, check and bootstrap a Debian or Ubuntu host as a K3s node.\n"
               "\nCommands:\n");
        for (size_t i = 0; i < cli->n_commands; i++) {
                const struct cli_verb *v = cli->commands[i].verb;

                print_entry(cli->commands[i].name, v ? v->summary : NULL);
        }
        print_options("Global options (before or after the command)", cli->global_options);
        printf("\nSee 'nodeprep COMMAND --help' or 'nodeprep help COMMAND'.\n"
               "Exit codes: 0 ok, 1 failed, 2 invalid input, 3 drift or failed check, 4 not permitted here.\n");
}

const struct cli_command *cli_command_find(const struct cli *cli, const char *name) {
        for (size_t i = 0; i < cli->n_commands; i++)
                if (streq(cli->commands[i].name, name))
                        return &cli->commands[i];
        return NULL;
}

const struct cli_verb help_verb = {
        .name = "help",
        .args = "[COMMAND [SUBCOMMAND]]",
        .summary = "Show the usage of nodeprep or of one command",
        .complete_args = CLI_COMPLETE_COMMAND,
};

int cmd_help(struct cli *cli, int argc, char **argv) {
        const struct cli_command *c;
        const struct cli_verb *v;
        _cleanup_free_ char *path = NULL;
        int depth;

        if (argc < 2) {
                cli_help_overview(cli);
                return EXIT_OK;
        }
        c = cli_command_find(cli, argv[1]);
        if (!c)
                return cli_error(cli, EXIT_INVALID, "unknown command '%s'", argv[1]);
        if (!c->verb) {
                /* A command without a verb prints its own usage. */
                char *args[] = { argv[1], (char *) "--help", NULL };

                return c->fn(cli, 2, args);
        }
        v = cli_verb_find(c->verb, argc - 1, argv + 1, &depth);
        if (argc > 3 || (argc == 3 && depth != 2))
                return cli_error(cli, EXIT_INVALID, "no such subcommand '%s %s'", argv[1], argv[2]);
        if (asprintf(&path, "%s%s%s", argv[1], depth == 2 ? " " : "", depth == 2 ? argv[2] : "") < 0)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        cli_help_verb(cli, path, v);
        return EXIT_OK;
}
