#!/usr/bin/env bash
# The bash completion script: generated from the command tables, registered
# with `complete`, and completing commands, subcommands, options, option
# values, profile names (from the profile path) and check groups, exercised
# with simulated COMP_WORDS/COMP_CWORD the way bash calls it.
source "$(dirname "$0")/lib.sh"

run 0 np completion bash
script=$out
shipped=$NODEPREP_TOP/${BUILD:-build}/completion/nodeprep.bash
[ -f "$shipped" ] || fail "make did not generate $shipped"; ok
eq "$(cat "$shipped")" "$script" "the shipped script is the generated one"
bash -n <<<"$script" || fail "the script does not parse"; ok
run 0 np completion zsh
contains "$out" "bashcompinit"
contains "$out" "complete -F _nodeprep nodeprep"

# shellcheck disable=SC1090
source <(printf '%s\n' "$script")
set +u   # the completion runs in an interactive shell, where unset variables are empty
eq "$(complete -p nodeprep)" "complete -F _nodeprep nodeprep" "complete -p"

# complete WORD...: the words of the command line, the last one being completed.
complete_words() {
        COMP_WORDS=("$NODEPREP" "$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _nodeprep
        printf '%s\n' "${COMPREPLY[@]}" | sort
}
has_all() {  # WHAT "EXPECTED WORDS" "GOT"
        local w
        for w in $2; do
                grep -qxF -- "$w" <<<"$3" || fail "$1: '$w' not offered; got: $(echo $3)"
                ok
        done
}
section() { awk -v t="$2:" '$0 == t { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z-]/ { print $1 }' <<<"$1"; }
help_options() { grep -oE '^  --[a-z0-9-]+' <<<"$1" | tr -d ' '; }

# Commands: exactly those of --help.
run 0 np --help
want=$(section "$out" Commands | sort)
eq "$(complete_words "")" "$want" "commands"
eq "$(complete_words pl)" "plan" "prefix"
has_all "global options" "--root --json --profile-path --quiet --verbose" "$(complete_words --)"
# Global options before the command do not disturb it (their values are skipped).
eq "$(complete_words --root /tmp pl)" "plan" "after --root DIR"

# Every command and subcommand offers exactly the options its --help lists (plus --help and the globals).
for c in $(section "$(np --help)" Commands); do
        h=$(np "$c" --help)
        subs=$(section "$h" Subcommands)
        if [ -n "$subs" ]; then
                eq "$(complete_words "$c" "")" "$(sort <<<"$subs")" "$c subcommands"
                for s in $subs; do
                        got=$(complete_words "$c" "$s" --)
                        has_all "$c $s options" "$(help_options "$(np "$c" "$s" --help)") --help --json" "$got"
                done
        else
                got=$(complete_words "$c" --)
                has_all "$c options" "$(help_options "$h") --help --root" "$got"
                extra=$(comm -23 <(grep -v -e --help <<<"$got") \
                        <( (help_options "$h"; help_options "$(np --help)") | sort -u))
                eq "$extra" "" "$c: options offered that --help does not list"
        fi
done

# Profile names come from the profile path, including --profile-path on the line.
has_all "plan PROFILE" "base k3s-node serverless" "$(complete_words plan "")"
eq "$(complete_words apply --dry-run ser)" "serverless" "apply --dry-run PROFILE"
has_all "bootstrap --profile" "serverless" "$(complete_words bootstrap --profile "")"
mkdir -p "$TMP/pp"
printf '[profile]\ndescription = mine\n[sysctl]\nnet.core.somaxconn = 8192\n' >"$TMP/pp/my-own.ini"
eq "$(complete_words --profile-path "$TMP/pp" plan "")" "my-own" "--profile-path"
eq "$(complete_words profile show --profile-path "$TMP/pp" m)" "my-own" "--profile-path after the command"

# Check groups: those check --help lists.
groups=$(np check --help | sed -n 's/^Arguments: //p')
[ -n "$groups" ] || fail "check --help lists no groups"; ok
eq "$(complete_words check "")" "$(tr ' ' '\n' <<<"$groups" | sort)" "check GROUP"
eq "$(complete_words check nvme k3)" "k3s-prereq" "second group"

# Option values.
eq "$(complete_words k3s install --role "")" "$(printf 'agent\nserver')" "k3s install --role"
eq "$(complete_words bootstrap --role s)" "server" "bootstrap passes k3s install's --role"
eq "$(complete_words check --role a)" "agent" "check --role"
mkdir -p "$TMP/dirs/alpha" && touch "$TMP/dirs/afile"
eq "$(complete_words check --data-dir "$TMP/dirs/a")" "$TMP/dirs/alpha" "--data-dir completes directories"
eq "$(complete_words --root "$TMP/dirs/a")" "$TMP/dirs/alpha" "--root completes directories"
has_all "serve --config" "$TMP/dirs/afile $TMP/dirs/alpha" "$(complete_words serve --config "$TMP/dirs/a")"
# A value is not taken for the command: after --data-dir DIR, groups again.
has_all "after --data-dir DIR" "virt kvm" "$(complete_words check --data-dir /var "")"
eq "$(complete_words completion "")" "$(printf 'bash\nzsh')" "completion SHELL"
has_all "help COMMAND" "plan k3s" "$(complete_words help "")"
done_ok
