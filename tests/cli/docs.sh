#!/usr/bin/env bash
# README's CLI tour and the man page say what --help says: every command and
# subcommand is documented, each man page entry names exactly the options the
# command's help lists (its own; passed-through and global ones may appear
# too), the GLOBAL OPTIONS section lists the global options, and every command
# line in the README tour is one the help knows, with options it knows.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 missing (scripts/install-deps.sh installs it)"

# The help tree as JSON: {"globals": [...], "commands": {"k3s install": {"own": [...], "passed": [...]}}}.
section() { awk -v t="$2" '$0 ~ "^"t { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z-]/ { print $1 }' <<<"$1"; }
options_under() { awk -v t="$2" '$0 ~ "^"t { on = 1; next } on && /^$/ { on = 0 } on && /^  --/ { print $1 }' <<<"$1"; }
tree=$TMP/help.tsv
top=$(np --help)
options_under "$top" "Global options" | sed 's/^/global\t/' >"$tree"
for c in $(section "$top" "Commands:"); do
        h=$(np "$c" --help)
        subs=$(section "$h" "Subcommands:")
        paths=("$c")
        [ -n "$subs" ] && { paths=(); for s in $subs; do paths+=("$c $s"); done; }
        for p in "${paths[@]}"; do
                read -ra w <<<"$p"
                hp=$(np "${w[@]}" --help)
                printf 'command\t%s\n' "$p" >>"$tree"
                options_under "$hp" "Options:" | sed "s|^|own\t$p\t|" >>"$tree"
                options_under "$hp" "Passed through" | sed "s|^|passed\t$p\t|" >>"$tree"
        done
done
grep -q $'^own\tk3s install\t--role' "$tree" || fail "help tree: no k3s install --role: $(cat "$tree")"; ok

python3 - "$tree" "$NODEPREP_TOP/packaging/man/nodeprep.8" "$NODEPREP_TOP/README.md" <<'PY'
import re, sys
tree, man_path, readme_path = sys.argv[1:]
globals_, own, passed, commands = set(), {}, {}, []
for line in open(tree):
    kind, *rest = line.rstrip("\n").split("\t")
    if kind == "global":
        globals_.add(rest[0])
    elif kind == "command":
        commands.append(rest[0]); own[rest[0]] = set(); passed[rest[0]] = set()
    else:
        (own if kind == "own" else passed)[rest[0]].add(rest[1])
errors = []

def plain(s):
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace("\\(dq", '"')
    return re.sub(r"^\.(B|BI|BR|RB|IR|I)\s+", "", s)

# The man page: .TP entries, each until the next .TP/.SS/.SH.
blocks, cur, section = [], None, None
for line in open(man_path):
    line = line.rstrip("\n")
    if line.startswith(".SH"):
        section = line[4:].strip().strip('"'); cur = None; continue
    if line.startswith(".TP") or line.startswith(".SS"):
        cur = None if line.startswith(".SS") else {"section": section, "lines": []}
        if cur is not None: blocks.append(cur)
        continue
    if cur is not None:
        cur["lines"].append(plain(line))
documented = {}
man_globals = set()
for b in blocks:
    text = "\n".join(b["lines"])
    opts = set(re.findall(r"--[a-z0-9][a-z0-9-]*", text))
    if b["section"] == "GLOBAL OPTIONS":
        man_globals |= set(re.findall(r"--[a-z0-9][a-z0-9-]*", b["lines"][0]))
        continue
    if b["section"] != "COMMANDS" or not b["lines"]:
        continue
    words = re.findall(r"[a-z0-9][a-z0-9-]*", b["lines"][0].replace('"', " "))
    path = None
    if len(words) >= 2 and " ".join(words[:2]) in own:
        path = " ".join(words[:2])
    elif words and words[0] in own:
        path = words[0]
    if path:
        documented[path] = opts
for p in commands:
    if p not in documented:
        errors.append(f"man page: no entry for '{p}'")
        continue
    missing = own[p] - documented[p]
    unknown = documented[p] - own[p] - passed[p] - globals_ - {"--help"}
    if missing: errors.append(f"man page, {p}: does not document {sorted(missing)}")
    if unknown: errors.append(f"man page, {p}: documents options --help does not list: {sorted(unknown)}")
if man_globals != globals_:
    errors.append(f"man page GLOBAL OPTIONS {sorted(man_globals)} != --help's {sorted(globals_)}")

# README: the tour's command lines and the global options it names.
readme = open(readme_path).read()
tour = readme.split("## A tour of the CLI", 1)[1].split("\n## ", 1)[0]
block = re.search(r"```sh\n(.*?)```", tour, re.S).group(1)
seen = set()
for line in block.splitlines():
    cmd = re.sub(r"^source <\((.*)\)\s*$", r"\1", line.split("#", 1)[0].strip()).split()
    if cmd and cmd[0] == "sudo": cmd = cmd[1:]
    if not cmd or cmd[0] != "nodeprep": errors.append(f"README tour: not a nodeprep line: {line}"); continue
    args = [a for a in cmd[1:] if not a.startswith("-")]
    path = " ".join(args[:2]) if " ".join(args[:2]) in own else (args[0] if args else "")
    if path not in own:
        errors.append(f"README tour: '{' '.join(cmd)}' names no command --help knows"); continue
    seen.add(path.split()[0])
    for o in [a.split("=")[0] for a in cmd[1:] if a.startswith("--")]:
        if o not in own[path] | passed[path] | globals_ | {"--help"}:
            errors.append(f"README tour: '{' '.join(cmd)}': {o} is not an option of {path}")
for o in set(re.findall(r"`(--[a-z0-9-]+)", tour.split("```", 2)[2])):
    if o not in globals_:
        errors.append(f"README tour: says every command takes {o}, which is not a global option")
for c in ("help", "completion"):
    if c not in seen: errors.append(f"README tour: '{c}' is not shown")
if errors:
    print("\n".join(errors)); sys.exit(1)
print(f"{len(commands)} commands, {sum(map(len, own.values()))} options: man page and README agree with --help")
PY
ok

# The repository's docs and comments stand alone: no citation of files
# outside it (the design notes it was built from live in ../shared/).
cites=$(cd "$NODEPREP_TOP" && git grep -n -I -e '\.\./shared/reference' -e '\.\./shared/design' -- . ':!tests/cli/docs.sh' || true)
[ -z "$cites" ] || fail "citations of files not in the repository: $cites"
ok
done_ok
