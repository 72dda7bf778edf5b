/* SPDX-License-Identifier: MIT */
/*
 * `nodeprep completion bash|zsh`: a completion script generated from the
 * same command and option tables parsing and --help use, so it cannot drift.
 * The package ships its output (make install runs it); profile names are
 * asked of `nodeprep profile list` when completing, check groups come from
 * the check table.
 */
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "cli.h"

/* Verb paths as the script tracks them: "" (no command yet), "plan", "k3s install". */
static void emit_words(const struct cli *cli, const char *path, const struct cli_verb *v) {
        printf("        \"%s\") w=\"", path);
        if (!v) {
                for (size_t i = 0; i < cli->n_commands; i++)
                        printf("%s%s", i ? " " : "", cli->commands[i].name);
        } else if (v->subcommands) {
                for (const struct cli_verb *s = v->subcommands; s->name; s++)
                        printf("%s%s", s == v->subcommands ? "" : " ", s->name);
        } else if (v->arg_word) {
                for (size_t i = 0; v->arg_word(i); i++)
                        printf("%s%s", i ? " " : "", v->arg_word(i));
        } else if (v->complete_args)
                printf("%s", v->complete_args);
        printf("\" ;;\n");
}

static void emit_option_names(const struct cli_option *options) {
        for (const struct cli_option *o = options; o && o->name; o++)
                printf(" --%s", o->name);
}

/* After a command, global options except --help (the command's own) and
 * --version (k3s install's), as main.c's take_global_options_after_command() takes them. */
static void emit_global_names_after_command(const struct cli_option *options) {
        for (const struct cli_option *o = options; o && o->name; o++)
                if (!streq(o->name, "help") && !streq(o->name, "version"))
                        printf(" --%s", o->name);
}

static void emit_options(const struct cli *cli, const char *path, const struct cli_verb *v) {
        printf("        \"%s\") o=\"--help", path);
        emit_option_names(v->options);
        emit_option_names(v->passed_options);
        emit_global_names_after_command(cli->global_options);
        printf("\" ;;\n");
}

static void emit_options_of_globals(const struct cli *cli) {
        printf("        \"\") o=\"");
        emit_option_names(cli->global_options);
        printf("\" ;;\n");
}

/* "PATH --opt") value completion for options that take one; path NULL: any path (global options). */
static void emit_values(const char *path, const struct cli_option *options) {
        for (const struct cli_option *o = options; o && o->name; o++) {
                if (!o->has_arg)
                        continue;
                if (path)
                        printf("        \"%s --%s\")", path, o->name);
                else
                        printf("        *\" --%s\")", o->name);
                printf(" v=\"%s\" ;;\n", o->complete ? o->complete : "");
        }
}

static void for_each_verb(const struct cli *cli, void (*fn)(const struct cli *cli, const char *path,
                                                             const struct cli_verb *v)) {
        for (size_t i = 0; i < cli->n_commands; i++) {
                const struct cli_verb *v = cli->commands[i].verb;

                if (!v)
                        continue;
                fn(cli, cli->commands[i].name, v);
                for (const struct cli_verb *s = v->subcommands; s && s->name; s++) {
                        _cleanup_free_ char *path = NULL;

                        if (asprintf(&path, "%s %s", cli->commands[i].name, s->name) >= 0)
                                fn(cli, path, s);
                }
        }
}

static void words_of(const struct cli *cli, const char *path, const struct cli_verb *v) {
        emit_words(cli, path, v);
}

static void options_of(const struct cli *cli, const char *path, const struct cli_verb *v) {
        if (!v->subcommands)
                emit_options(cli, path, v);
        else {
                printf("        \"%s\") o=\"--help", path);
                emit_global_names_after_command(cli->global_options);
                printf("\" ;;\n");
        }
}

static void values_of(const struct cli *cli, const char *path, const struct cli_verb *v) {
        (void) cli;
        emit_values(path, v->options);
        emit_values(path, v->passed_options);
}

/* "PARENT/WORD") path="PARENT WORD": how a word moves the script down the tree. */
static void steps_of(const struct cli *cli, const char *path, const struct cli_verb *v) {
        (void) cli;
        if (!strchr(path, ' '))
                printf("        \"/%s\") path=\"%s\" ;;\n", path, path);
        for (const struct cli_verb *s = v->subcommands; s && s->name; s++)
                printf("        \"%s/%s\") path=\"%s %s\" ;;\n", path, s->name, path, s->name);
}

static void emit_bash(const struct cli *cli) {
        printf("# bash completion for nodeprep                          -*- shell-script -*-\n"
               "# Generated by `nodeprep completion bash` from its command and option tables.\n"
               "\n"
               "_nodeprep_profiles() {\n"
               "    local i args=()\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "        case ${COMP_WORDS[i]} in\n"
               "        --root|--profile-path) args+=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i+1]}\") ;;\n"
               "        esac\n"
               "    done\n"
               "    \"${COMP_WORDS[0]}\" \"${args[@]}\" profile list 2>/dev/null | while read -r name _; do\n"
               "        printf '%%s\\n' \"$name\"\n"
               "    done\n"
               "}\n"
               "\n"
               "_nodeprep_value() {  # path option -> what its value completes to\n"
               "    local v=\n"
               "    case \"$1 $2\" in\n");
        for_each_verb(cli, values_of);
        emit_values(NULL, cli->global_options);
        printf("        *) return 1 ;;\n"
               "    esac\n"
               "    printf '%%s' \"$v\"\n"
               "}\n"
               "\n"
               "_nodeprep_options() {\n"
               "    local o=\n"
               "    case \"$1\" in\n");
        emit_options_of_globals(cli);
        for_each_verb(cli, options_of);
        printf("    esac\n"
               "    printf '%%s' \"$o\"\n"
               "}\n"
               "\n"
               "_nodeprep_words() {\n"
               "    local w=\n"
               "    case \"$1\" in\n");
        emit_words(cli, "", NULL);
        for_each_verb(cli, words_of);
        printf("    esac\n"
               "    printf '%%s' \"$w\"\n"
               "}\n"
               "\n"
               "_nodeprep_step() {  # path word -> the path after the word\n"
               "    local path=$1\n"
               "    case \"$1/$2\" in\n");
        for_each_verb(cli, steps_of);
        printf("    esac\n"
               "    printf '%%s' \"$path\"\n"
               "}\n"
               "\n"
               "_nodeprep_expand() {  # a word list or @file @dir @profile @command\n"
               "    local cur=$2 w\n"
               "    for w in $1; do\n"
               "        case $w in\n"
               "        @file) compgen -f -- \"$cur\" ;;\n"
               "        @dir) compgen -d -- \"$cur\" ;;\n"
               "        @profile) compgen -W \"$(_nodeprep_profiles)\" -- \"$cur\" ;;\n"
               "        @command) compgen -W \"$(_nodeprep_words '')\" -- \"$cur\" ;;\n"
               "        *) compgen -W \"$w\" -- \"$cur\" ;;\n"
               "        esac\n"
               "    done\n"
               "}\n"
               "\n"
               "_nodeprep() {\n"
               "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
               "    local path= i w v\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "        w=${COMP_WORDS[i]}\n"
               "        case $w in\n"
               "        --*=*) ;;\n"
               "        -*) _nodeprep_value \"$path\" \"$w\" >/dev/null && ((i++)) ;;\n"
               "        *) path=$(_nodeprep_step \"$path\" \"$w\") ;;\n"
               "        esac\n"
               "    done\n"
               "    COMPREPLY=()\n"
               "    if [[ $prev == -* ]] && v=$(_nodeprep_value \"$path\" \"$prev\"); then\n"
               "        [[ -n $v ]] && mapfile -t COMPREPLY < <(_nodeprep_expand \"$v\" \"$cur\")\n"
               "        return 0\n"
               "    fi\n"
               "    if [[ $cur == -* ]]; then\n"
               "        mapfile -t COMPREPLY < <(compgen -W \"$(_nodeprep_options \"$path\")\" -- \"$cur\")\n"
               "        return 0\n"
               "    fi\n"
               "    mapfile -t COMPREPLY < <(_nodeprep_expand \"$(_nodeprep_words \"$path\")\" \"$cur\")\n"
               "}\n"
               "complete -F _nodeprep nodeprep\n");
}

static const char *shell_word(size_t i) {
        static const char *const shells[] = { "bash", "zsh" };

        return i < ELEMENTSOF(shells) ? shells[i] : NULL;
}

const struct cli_verb completion_verb = {
        .name = "completion",
        .args = "SHELL",
        .summary = "Print a completion script for bash or zsh",
        .description = "The Debian package installs the bash one; for zsh: source <(nodeprep completion zsh)",
        .arg_word = shell_word,
};

int cmd_completion(struct cli *cli, int argc, char **argv) {
        if (argc != 2)
                return cli_error(cli, EXIT_INVALID, "expected one shell: bash or zsh");
        if (streq(argv[1], "bash"))
                emit_bash(cli);
        else if (streq(argv[1], "zsh")) {
                /* zsh runs bash completion functions through bashcompinit. */
                printf("#compdef nodeprep\nautoload -U +X bashcompinit && bashcompinit\n");
                emit_bash(cli);
        } else
                return cli_error(cli, EXIT_INVALID, "unknown shell '%s' (bash or zsh)", argv[1]);
        return EXIT_OK;
}
