#!/usr/bin/env bash
# check and serve judge alike: on every tree under tests/fixtures/check/ (and
# variants built here: an NVMe controller resetting, heavy steal, file handles
# between check's warn and fail limits), `check --json` and
# `serve --once --json` must give every fact both judge the same verdict, or
# exactly the difference agent/verdict/README.md's table documents (serve
# makes warn fail or ok); and both judge the same data dir (K3s's: data-dir
# from its config.yaml, else /var/lib/rancher/k3s). The comparison then runs once more against a table
# with one row changed, and must fail: the test can fail.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 missing (scripts/install-deps.sh installs it)"
TABLE=$NODEPREP_TOP/agent/verdict/README.md

variant() {  # NAME: a copy of kvm-qemu-nvme, spoiled
        local r; r=$(mkroot check/kvm-qemu-nvme)
        case $1 in
        nvme-resetting) echo resetting >"$(readlink -f "$r/sys/class/nvme/nvme0")/state" ;;
        steal-high)     # 20 % of all ticks since boot were stolen
                python3 - "$r/proc/stat" <<'PY'
import sys
path = sys.argv[1]
out = []
for line in open(path):
    f = line.split()
    if f and f[0].startswith("cpu") and len(f) > 8:
        total = sum(int(x) for x in f[1:9]) - int(f[8])
        f[8] = str(total // 4)          # steal = 20 % of the new total
        line = " ".join(f) + "\n"
    out.append(line)
open(path, "w").write("".join(out))
PY
                ;;
        files-85)       # 85 % of fs.file-max allocated: check warns, serve passes
                echo 1000000 >"$r/proc/sys/fs/file-max"
                printf '850000\t0\t1000000\n' >"$r/proc/sys/fs/file-nr" ;;
        k3s-data-dir)   # K3s told to keep its state elsewhere
                mkdir -p "$r/etc/rancher/k3s" "$r/srv/k3s"
                printf 'data-dir: /srv/k3s\n' >"$r/etc/rancher/k3s/config.yaml" ;;
        esac
        echo "$r"
}

trees=()
for d in "$FIXTURES"/check/*/; do trees+=("$(basename "$d")=$(mkroot "check/$(basename "$d")")"); done
for v in nvme-resetting steal-high files-85 k3s-data-dir; do trees+=("$v=$(variant "$v")"); done

# Both commands on each tree (serve on its own copy: it writes a canary).
for t in "${trees[@]}"; do
        name=${t%%=*} root=${t#*=}
        rc=0; "$NODEPREP" --json --root "$root" check >"$TMP/$name.check.json" 2>"$TMP/$name.check.err" || rc=$?
        [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$name: check exited $rc: $(cat "$TMP/$name.check.err")"
        cp -a "$root" "$TMP/serve-$name"
        rc=0; "$NODEPREP" --json --root "$TMP/serve-$name" serve --once >"$TMP/$name.serve.json" 2>"$TMP/$name.serve.err" || rc=$?
        [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$name: serve --once exited $rc: $(cat "$TMP/$name.serve.err")"
        ok
done

compare() {  # TABLE: the comparison; exit 0 when every fact agrees
        python3 - "$1" "$TMP" "${trees[@]%%=*}" <<'PY'
import json, re, sys

table_path, tmp, names = sys.argv[1], sys.argv[2], sys.argv[3:]

def rows(path):
    inside, out = False, []
    for line in open(path, encoding="utf-8"):
        if "<!-- verdict-facts: begin -->" in line:
            inside = True
        elif "<!-- verdict-facts: end -->" in line:
            break
        elif inside and line.startswith("|") and "|---" not in line and not line.startswith("| fact |"):
            cells = [c.strip().replace("`", "").replace("\x00", "|")
                     for c in line.replace("\\|", "\x00").strip().strip("|").split("|")]
            out.append(dict(fact=cells[0], item=re.compile(cells[1]), serve=cells[2], warn=cells[3]))
    if not out:
        sys.exit(f"no table between the verdict-facts markers in {path}")
    return out

SEVERITY = {"fail": 3, "ok": 2, "n/a": 1}

def judged(item):
    """A check item that is a verdict (not "could not tell", not skipped)."""
    if item["status"] == "unknown":
        return False
    return not (item["status"] == "n/a" and "skipped under --root" in (item["reason"] or ""))

facts = rows(table_path)
compared = documented = skipped = 0
bad = []
for name in names:
    check = json.load(open(f"{tmp}/{name}.check.json"))["checks"]
    status = json.load(open(f"{tmp}/{name}.serve.json"))
    serve = {c["name"]: c for c in status["checks"]}
    # The data dir: check names it first in disk/mount, serve probes it (or,
    # before it exists, its nearest existing parent and says so).
    mount = [i for i in check if (i["group"], i["name"]) == ("disk", "mount")]
    if mount:
        check_dir = mount[0]["reason"].split()[0]
        serve_dir = status["figures"]["data_disk"]["path"]
        disk_reason = serve["data-disk"]["reason"]
        compared += 1
        if serve_dir != check_dir and not disk_reason.startswith(f"{check_dir} does not exist yet"):
            bad.append(f"{name}: data dir: check judges {check_dir}, serve {serve_dir} ({disk_reason})")
        else:
            print(f"{name}: data dir {check_dir} in both")
    by_serve = {}
    for row in facts:
        for item in check:
            if row["item"].fullmatch(f'{item["group"]}/{item["name"]}') and judged(item):
                mapped = row["warn"] if item["status"] == "warn" else item["status"]
                by_serve.setdefault(row["serve"], []).append((row["fact"], item, mapped))
    for serve_name, found in sorted(by_serve.items()):
        got = serve[serve_name]
        if not got["enabled"] or got["status"] == "unknown":
            skipped += 1
            print(f"{name}: {serve_name}: serve could not tell ({got['reason']}); not compared")
            continue
        want = max((m for _, _, m in found), key=lambda s: SEVERITY[s])
        line = "; ".join(f'{fact} {i["group"]}/{i["name"]}={i["status"]}' for fact, i, _ in found)
        compared += 1
        if got["status"] != want:
            bad.append(f"{name}: {serve_name}: serve says {got['status']} ({got['reason']}), "
                       f"check's verdicts through the table say {want} ({line})")
        elif any(i["status"] != m for _, i, m in found):
            documented += 1
            print(f"{name}: {serve_name}: serve {got['status']}, check {line}: the documented difference")
for b in bad:
    print("DISAGREE " + b)
print(f"{compared} facts compared on {len(names)} trees, {documented} documented differences, "
      f"{skipped} not compared, {len(bad)} disagreements")
sys.exit(1 if bad else 0)
PY
}

compare "$TABLE" >"$TMP/report" 2>&1 || { cat "$TMP/report"; fail "check and serve disagree"; }
report=$(cat "$TMP/report")
echo "$report"
# Every variant must show its difference (else the variants test nothing).
contains "$report" "nvme-resetting: nvme-health: serve fail, check nvme-state nvme/nvme0=warn"
contains "$report" "steal-high: steal: serve fail, check steal virt/steal=warn"
contains "$report" "files-85: file-handles: serve ok, check file-nr limits/file-nr=warn"
contains "$report" "k3s-data-dir: data dir /srv/k3s in both"
contains "$report" "kvm-qemu-nvme: data dir /var/lib/rancher/k3s in both"
contains "$report" " 0 disagreements"

# The same runs against a table that says serve passes a resetting controller:
# the comparison must fail, naming it.
sed 's/^| nvme-state \(.*\) | nvme-health | fail |/| nvme-state \1 | nvme-health | ok |/' "$TABLE" >"$TMP/table-wrong.md"
cmp -s "$TABLE" "$TMP/table-wrong.md" && fail "could not build the wrong table (README table changed?)"
rc=0; compare "$TMP/table-wrong.md" >"$TMP/report-wrong" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "the comparison passed against a wrong table: $(cat "$TMP/report-wrong")"
contains "$(cat "$TMP/report-wrong")" "DISAGREE nvme-resetting: nvme-health: serve says fail"
done_ok
