#!/usr/bin/env bash
# --help on every command and subcommand, `nodeprep help`, global options
# after the command, and the one error format.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"

# The commands and subcommands, as the help itself lists them.
section() {  # TEXT TITLE: the first words of the lines under "TITLE:"
        awk -v t="$2:" '$0 == t { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' <<<"$1"
}
run 0 np --help
top=$out
mapfile -t commands < <(section "$top" Commands)
[ "${#commands[@]}" -ge 10 ] || fail "too few commands in --help: ${commands[*]}"; ok
paths=()
for c in "${commands[@]}"; do
        run 0 np "$c" --help
        paths+=("$c")
        mapfile -t subs < <(section "$out" Subcommands)
        for s in "${subs[@]}"; do paths+=("$c $s"); done
done
for p in profile k3s "k3s install" "k3s status" "profile show"; do
        case " ${paths[*]} " in *" $p "*) ok ;; *) fail "'$p' missing from the help tree: ${paths[*]}" ;; esac
done

# Every command and subcommand: --help and -h print usage on stdout and exit 0,
# also with arguments that would otherwise fail; `help PATH` prints the same.
for p in "${paths[@]}"; do
        read -ra words <<<"$p"
        run 0 np "${words[@]}" --help
        [[ $out == "Usage: nodeprep $p"* ]] || fail "$p --help: usage line: ${out:0:200}"; ok
        eq "$err" "" "$p --help: stderr"
        help=$out
        run 0 np "${words[@]}" -h
        eq "$out" "$help" "$p -h"
        run 0 np "${words[@]}" no-such-arg --bogus --help
        eq "$out" "$help" "$p --help after bad arguments"
        run 0 np help "${words[@]}"
        eq "$out" "$help" "help $p"
done
run 0 np help
eq "$out" "$top" "help = --help"
# The cases that were wrong: plan looked for a profile named --help, the rest exited 2.
run 0 np plan --help
lacks "$out$err" "not found"
for c in apply serve "k3s install" bootstrap check; do
        read -ra words <<<"$c"
        run 0 np "${words[@]}" --help
        contains "$out" "Options:"
done
# --help as the value of an option is a value, not a request for help.
run 2 np check --data-dir --help
contains "$err" "absolute path"

# Global options after the command, as kubectl and systemctl take them.
R=$(mkroot tune/debian12)
run 0 np --root "$R" --json plan serverless
before_cmd=$out
run 0 np plan serverless --root "$R" --json
eq "$out" "$before_cmd" "plan PROFILE --root R --json"
run 0 np plan --json serverless --root="$R"
eq "$out" "$before_cmd" "plan --json PROFILE --root=R"
run 0 np profile list --json
eq "$(jq_ '.profiles | length' <<<"$out")" "3" "profile list --json"
run 0 np -q plan serverless --root "$R" -v --json
eq "$out" "$before_cmd" "-q/-v around the command"
# A command's own option keeps its value even when it looks like a global one.
run 2 np check --data-dir --json
contains "$err" "--data-dir: an absolute path is required"
lacks "$out" "{"
# After "--", nothing is taken for a global option.
run 2 np plan -- --json
lacks "$out" "{"
run 2 np plan serverless --root
contains "$err" "--root needs a value"

# One error format: "nodeprep: COMMAND: MESSAGE", one line, then a hint.
check_error() {  # EXPECTED_RC COMMAND_NAME ARGS...
        local want=$1 name=$2; shift 2
        run "$want" np "$@"
        mapfile -t lines <<<"$err"
        eq "${#lines[@]}" "2" "'$*': stderr lines ($err)"
        [[ ${lines[0]} == "nodeprep: $name: "* ]] || fail "'$*': first line: ${lines[0]}"; ok
        [[ ${lines[1]} == "hint: "* ]] || fail "'$*': second line: ${lines[1]}"; ok
}
check_error 2 apply apply --bogus serverless
check_error 2 plan plan
check_error 2 check check --steal-window x
check_error 2 check check nosuchgroup
check_error 2 "k3s install" k3s install --bogus
check_error 2 "k3s install" k3s install --role pilot
check_error 2 "k3s status" k3s status --wait x
check_error 2 serve serve --interval 0
check_error 2 bootstrap bootstrap --bogus
check_error 2 profile profile frobnicate
check_error 2 "profile show" profile show no-such-profile
check_error 2 completion completion fish
check_error 2 help help no-such-command
run 2 np no-such-command
eq "$(head -n 1 <<<"$err")" "nodeprep: unknown command 'no-such-command'" "unknown command"
contains "$err" "hint: see 'nodeprep --help'"
# Usage errors point at the command's own help, which exists.
run 2 np apply --bogus serverless
contains "$err" "hint: see 'nodeprep apply --help'"
# With --json the error and the hint are in the object too.
run 2 np --json plan
eq "$(jq_ .exit_code <<<"$out")" "2" "--json error exit_code"
eq "$(jq_ .hint <<<"$out")" "see 'nodeprep plan --help'" "--json error hint"
done_ok
