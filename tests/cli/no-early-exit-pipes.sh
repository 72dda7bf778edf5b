#!/usr/bin/env bash
# No shell pipeline in tests/, scripts/ or packaging/debian/ ends in a reader
# that may stop before its input does: head, grep -q/-m/-l, awk '... exit',
# sed '...q', read. Under `set -o pipefail` the writer then dies of SIGPIPE
# (exit 141) whenever it writes after the reader has gone, which depends on
# timing and on how much it writes: a race that a green run can hide (a
# fresh machine failed `make test` with `FAIL e2e/bootstrap-deb (exit 141)`
# from `ldconfig -p | awk '... { print; exit }'`). Capture first, then read
# the variable (`grep -q x <<<"$out"`), or let the reader read it all
# (`sed -n 1p`, `awk '... END { print }'`).
# The checker is quote-aware (a `|` inside quotes is no pipe), follows `$(...)`
# inside double quotes, joins continued lines and skips here-documents; it
# first proves it flags each kind on known-bad lines.
set -euo pipefail
: "${NODEPREP_TOP:?}"
cd "$NODEPREP_TOP"
command -v python3 >/dev/null || { echo "python3 missing (scripts/install-deps.sh)"; exit 77; }

checker=$(cat <<'PY'
import os, re, sys

READER = re.compile(r"""
    ^(?:\S+=\S*\s+)*                          # VAR=value prefixes
    (?:command\s+|exec\s+)?
    (?:
        head\b
      | (?:e|f|z)?grep\s+(?:(?:-[A-Za-z]*[qml][A-Za-z]*\d*|--quiet|--silent|--max-count\S*|--files-with(?:out)?-match\S*)\b
                          |(?:\S+\s+)+(?:-[A-Za-z]*[qml][A-Za-z]*\d*|--quiet|--silent|--max-count\S*)(?:\s|$))
      | (?:g|m)?awk\b(?P<awk>.*)
      | sed\b(?P<sed>.*)
      | (?:IFS=\S*\s+)?read\b
    )""", re.X)
SED_QUIT = re.compile(r"(^|[;{}\s'\"0-9/$])[qQ]\s*\d*\s*(;|}|'|\"|$)")

def awk_exits(prog):
    # `exit` in a rule before END stops reading; in END it does not.
    body = prog.split("END", 1)[0]
    return re.search(r"\bexit\b", body) is not None

def pipe_segments(line):
    """The commands of a logical line as (after_a_pipe, text): split at
    unquoted `|`, `||`, `&&`, `;`, and at $( ) (also inside "...")."""
    done, stack = [], [("top", [False, []])]
    def cut(after_pipe):
        seg = stack[-1][1]
        done.append((seg[0], "".join(seg[1])))
        stack[-1] = (stack[-1][0], [after_pipe, []])
    i = 0
    while i < len(line):
        c, ctx = line[i], stack[-1][0]
        two = line[i:i + 2]
        add = stack[-1][1][1].append
        if ctx == "sq":
            if c == "'": stack.pop()
            else: add(c)
            if c == "'": stack[-1][1][1].append(c)
        elif c == "\\":
            add(two); i += 2; continue
        elif ctx == "dq" and c == '"':
            stack.pop(); stack[-1][1][1].append(c)
        elif c == "$" and line[i + 1:i + 2] == "(":
            add("$("); stack.append(("cmd", [False, []])); i += 2; continue
        elif ctx == "dq":
            add(c)
        elif c == "'":
            add(c); stack.append(("sq", stack[-1][1]))
        elif c == '"':
            add(c); stack.append(("dq", stack[-1][1]))
        elif c == ")" and ctx == "cmd":
            cut(False); stack.pop(); stack[-1][1][1].append(c)
        elif c == "#" and (i == 0 or line[i - 1] in " \t;("):
            break
        elif two in ("||", "&&", "|&"):
            cut(False); i += 2; continue
        elif c == ";":
            cut(False)
        elif c == "|":
            cut(True)
        else:
            add(c)
        i += 1
    while stack:
        cut(False); stack.pop()
    return done

def logical_lines(text):
    lines, buf, start, heredoc = [], "", 0, None
    for n, raw in enumerate(text.split("\n"), 1):
        if heredoc:
            if raw.strip() == heredoc: heredoc = None
            continue
        if not buf: start = n
        if raw.lstrip().startswith("#"):
            continue
        buf += raw.rstrip("\\") + " " if raw.endswith("\\") else raw
        if raw.rstrip().endswith(("|", "&&", "\\")) and not raw.rstrip().endswith("||"):
            continue
        m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", buf)
        if m and "<<<" not in buf: heredoc = m.group(1)
        lines.append((start, buf)); buf = ""
    if buf: lines.append((start, buf))
    return lines

def early_readers(line):
    out = []
    for after_pipe, seg in pipe_segments(line):
        if not after_pipe: continue
        s = seg.strip().lstrip("{( ")
        m = READER.match(s)
        if not m: continue
        if m.group("awk") is not None and not awk_exits(m.group("awk")): continue
        if m.group("sed") is not None and not SED_QUIT.search(m.group("sed")): continue
        out.append(s.split()[0] if s.split()[0] != "IFS=" else "read")
    return out

def is_shell(path):
    if path.endswith(".sh"): return True
    try:
        with open(path, "rb") as f: first = f.readline(100)
    except OSError: return False
    return re.match(rb"#!\s*\S*(/|env\s+)(ba)?sh\b", first) is not None

if sys.argv[1] == "--self-test":
    bad = ['x=$(ldconfig -p | awk -v so="$so" \'$1 == so { print $NF; exit }\')',
           'echo "$out" | grep -q "done"', 'readelf -d "$b" | grep -qxF x || fail',
           'ls | head -n1', 'a |\n  grep -m1 x', 'y=$(ls "$d" | sed -n \'/x/{p;q}\')',
           'pgrep x | read pid', 'echo "$(ls | head -n 1)"', 'f | grep -E x -q']
    good = ['grep -q x <<<"$out"', 'a || grep -q x f', 'echo "a|b" | grep -c x',
            "awk '{ n++ } END { print n; exit 0 }' f | sort", 'x | sed -n 1p', "x | sed 's/q/x/'",
            'grep -m1 x file', "echo 'a | head'", 'x |& tee log', 'x | grep -v "^q$" | sort',
            '[ "$(echo "$o" | grep -c x)" -eq 5 ] || fail', "x | sort; head -n1 f"]
    rc = 0
    for b in bad:
        if not any(early_readers(l) for _, l in logical_lines(b)):
            print("self-test: not flagged: %s" % b); rc = 1
    for g in good:
        if any(early_readers(l) for _, l in logical_lines(g)):
            print("self-test: wrongly flagged: %s" % g); rc = 1
    sys.exit(rc)

found, files = 0, 0
for top in sys.argv[1:]:
    for d, _, names in os.walk(top):
        if "/fixtures" in d or "/corpus" in d: continue
        for name in sorted(names):
            p = os.path.join(d, name)
            if not is_shell(p): continue
            files += 1
            for n, line in logical_lines(open(p, errors="replace").read()):
                for r in early_readers(line):
                    print("%s:%d: pipe into %s, which may exit before the writer (SIGPIPE under pipefail): %s"
                          % (p, n, r, line.strip()[:120]))
                    found += 1
print("checked %d shell files" % files)
sys.exit(1 if found else 0)
PY
)
python3 -c "$checker" --self-test || { echo "FAIL: the checker misses a known early-exit pipe"; exit 1; }
out=$(python3 -c "$checker" tests scripts packaging/debian) || { echo "$out"; echo "FAIL: pipelines that can die of SIGPIPE"; exit 1; }
echo "ok   no early-exit reader on a pipe ($out; self-test: 9 bad lines flagged, 12 good lines not)"
