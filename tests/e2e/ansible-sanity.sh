#!/usr/bin/env bash
# The Ansible collection against ansible-core 2.14 (Debian 12, the declared
# minimum): validate-modules reports nothing but what
# tests/sanity/ignore-2.14.txt accepts, and ansible-doc renders every module
# with no markup 2.14 does not know (O(), V(), RV(), E() print raw there).
# validate-modules is ansible-test's own script (ansible_test/_util/.../
# validate.py, with the arguments ansible-test gives it), run with the system
# python: `ansible-test sanity --test validate-modules` wants a venv with pip
# from the network.
set -euo pipefail
: "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/lib/harness.sh"
py=/usr/bin/python3     # Debian's, where ansible-core and python3-voluptuous are
vm=/usr/lib/python3/dist-packages/ansible_test/_util/controller/sanity/validate-modules/validate.py
command -v ansible-doc >/dev/null && [ -f "$vm" ] || { echo "ansible-core missing (scripts/install-deps.sh)"; exit 77; }
"$py" -c 'import voluptuous' 2>/dev/null || { echo "python3-voluptuous missing (scripts/install-deps.sh)"; exit 77; }
work=$(mktemp -d /tmp/np-ansible.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(ansible-doc --version | sed -n 's/^ansible-doc \[core \([0-9]*\.[0-9]*\).*/\1/p')
[ "$version" = 2.14 ] || echo "note: ansible-core $version here; the collection declares 2.14 as its minimum"

col=$work/ac/ansible_collections/nodeprep/node
mkdir -p "$(dirname "$col")"
cp -a "$NODEPREP_TOP/packaging/ansible" "$col"
mapfile -t modules < <(cd "$col" && ls plugins/modules/*.py)
[ "${#modules[@]}" -ge 3 ] || fail "modules: ${modules[*]}"

(cd "$col" && ANSIBLE_COLLECTIONS_PATH=$work/ac "$py" "$vm" --format json --arg-spec \
        --collection ansible_collections/nodeprep/node "${modules[@]}") >"$work/vm.json" 2>"$work/vm.err" || true
"$py" - "$work/vm.json" "$col/tests/sanity/ignore-2.14.txt" <<'PY' || { cat "$work/vm.err"; exit 1; }
import json, sys
report = json.load(open(sys.argv[1]))
ignored = set()
for line in open(sys.argv[2]):
    entry = line.split("#", 1)[0].split()
    if entry:
        path, test = entry
        ignored.add((path, test.split(":", 1)[1]))
errors, used = [], set()
for path, r in report.items():
    for e in r["errors"] + r["warnings"]:
        if (path, e["code"]) in ignored:
            used.add((path, e["code"]))
        else:
            errors.append(f"{path}: {e['code']}: {e['msg']}")
    if r["traces"]:
        errors.append(f"{path}: validate-modules crashed: {r['traces']}")
unused = ignored - used
if unused:
    errors.append(f"ignore-2.14.txt entries that match nothing: {sorted(unused)}")
if errors:
    print("\n".join(errors)); sys.exit(1)
print(f"validate-modules: {len(report)} modules clean ({len(used)} ignore entries, all used)")
PY

for m in "${modules[@]}"; do
        name=$(basename "$m" .py)
        ANSIBLE_COLLECTIONS_PATH=$work/ac ansible-doc "nodeprep.node.$name" >"$work/doc" 2>"$work/doc.err" ||
                { cat "$work/doc.err"; fail "ansible-doc $name"; }
        grep -nE '\b(O|V|RV|E|P)\(' "$work/doc" && fail "ansible-doc $name prints markup ansible-core $version does not render"
        grep -q "ATTRIBUTES" "$work/doc" || fail "ansible-doc $name: no attributes section"
        [ -s "$work/doc.err" ] && { cat "$work/doc.err"; fail "ansible-doc $name warned"; }
done
echo "ok   ansible-doc renders ${#modules[@]} modules on ansible-core $version, attributes included, no raw markup"
