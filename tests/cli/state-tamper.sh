#!/usr/bin/env bash
# The state files are input: originals.json, applied.json and bootstrap.json
# tampered with in each way an attacker or a bug would: exit 2 naming the
# file and the entry, and nothing touched (a tree checksum proves it).
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"

R=$(mkroot tune/debian12)
S=$R/var/lib/nodeprep
printf '[sysctl]\nvm.max_map_count = 262144\n' >"$TMP/p.ini"
run 0 np --root "$R" apply "$TMP/p.ini"
good_orig=$(cat "$S/originals.json")
good_applied=$(cat "$S/applied.json")

# tampered CMD FILE CONTENT WANT...: write CONTENT into FILE, run CMD: exit 2,
# every WANT in stderr, the tree exactly as before.
tampered() {
        local cmd=$1 file=$2 content=$3; shift 3
        printf '%s' "$content" >"$S/$file"
        local before
        before=$(tree_sum "$R")
        # shellcheck disable=SC2086
        run 2 np --root "$R" $cmd
        contains "$err" "/var/lib/nodeprep/$file"
        for w in "$@"; do contains "$err" "$w"; done
        eq "$(tree_sum "$R")" "$before" "$cmd with a tampered $file touched the tree"
        eq "$(cat "$R/etc/passwd")" "root:x:0:0:root:/root:/bin/bash" "/etc/passwd"
}
echo "root:x:0:0:root:/root:/bin/bash" >"$R/etc/passwd"
orig() { jq -c --arg k "$1" --arg v "$2" '.keys[$k] = $v' <<<"$good_orig"; }

# originals.json, read by rollback and by apply (before anything is written).
for cmd in rollback "apply $TMP/p.ini"; do
        tampered "$cmd" originals.json "$(orig '//.//.//.etc.passwd' 'pwned')" "//.//.//.etc.passwd" "canonical"
        tampered "$cmd" originals.json "$(orig 'net/core/somaxconn' '4096')" "net/core/somaxconn"
        tampered "$cmd" originals.json "$(orig kernel.core_pattern '|/tmp/evil %p')" "kernel.core_pattern" "run a program"
        tampered "$cmd" originals.json "$(orig kernel.modprobe /tmp/evil)" "kernel.modprobe"
        tampered "$cmd" originals.json "$(orig kernel.poweroff_cmd /tmp/evil)" "kernel.poweroff_cmd"
        tampered "$cmd" originals.json "$(orig net.core.somaxconn 'lots')" "net.core.somaxconn" "integer"
        tampered "$cmd" originals.json "$(orig vm.swappiness $'10\nkernel.panic = 0')" "vm.swappiness" "control characters"
        tampered "$cmd" originals.json "$(orig vm.swappiness "$(head -c 5000 /dev/zero | tr '\0' 1)")" "too long"
        tampered "$cmd" originals.json "$(jq -c '.version = 2' <<<"$good_orig")" "version"
        tampered "$cmd" originals.json "$(jq -c '.keys = []' <<<"$good_orig")" '"keys"'
        tampered "$cmd" originals.json "$(jq -c '.keys["vm.max_map_count"] = 65530' <<<"$good_orig")" "not a string"
        tampered "$cmd" originals.json "$(jq -c '.keys = ([range(5000)] | map({key: "kernel.x\(.)", value: "1"}) | from_entries)' \
                <<<"$good_orig")" "more than 4096 keys"
        tampered "$cmd" originals.json '{"version":1,"keys":{' "not a JSON object"
        tampered "$cmd" originals.json "{\"version\":1,\"keys\":{\"a.b\":\"$(head -c 5000000 /dev/zero | tr '\0' 1)\"}}" \
                "not a JSON object of at most"
done
# A package's core_pattern helper is an original rollback may put back.
printf '%s' "$(orig kernel.core_pattern '|/lib/systemd/systemd-coredump %P %u %g %s %t %c %h')" >"$S/originals.json"
echo core >"$R/proc/sys/kernel/core_pattern"
run 0 np --root "$R" rollback
eq "$(cat "$R/proc/sys/kernel/core_pattern")" "|/lib/systemd/systemd-coredump %P %u %g %s %t %c %h" "packaged helper restored"

# applied.json, read by verify.
run 0 np --root "$R" apply "$TMP/p.ini"
good_applied=$(cat "$S/applied.json")
app() { jq -c "$1" <<<"$good_applied"; }
tampered verify applied.json "$(app '.keys[0].key = "//.//.//.etc.passwd"')" "//.//.//.etc.passwd"
tampered verify applied.json "$(app '.keys[0].value = "many"')" "vm.max_map_count" "integer"
tampered verify applied.json "$(app '.keys[0].value = "|/tmp/x" | .keys[0].key = "kernel.core_pattern"')" "run a program"
tampered verify applied.json "$(app '.keys[0].modifier = "~"')" "modifier"
tampered verify applied.json "$(app '.keys[0] = {key: "vm.swappiness"}')" "keys[0]"
tampered verify applied.json "$(app '.profile = "x\nvm.panic_on_oom = 1"')" '"profile"'
tampered verify applied.json "$(app '.files["/etc/passwd"] = "root::0:0::/:/bin/sh\n"')" "/etc/passwd" "not a file nodeprep writes"
tampered verify applied.json "$(app '.modules = ["../../evil"]')" "modules[0]"
tampered verify applied.json "$(app '.nofile = -1')" "nofile"
tampered verify applied.json "$(app '.version = "1"')" "version"
tampered verify applied.json "[]" "not a JSON object"
printf '%s' "$good_applied" >"$S/applied.json"
run 0 np --root "$R" verify

# bootstrap.json, read by bootstrap for its "resuming" line.
tampered bootstrap bootstrap.json '{"ok":false,"stages":[],"failed_stage":"x\nnodeprep: all good"}' "bootstrap.json"
tampered bootstrap bootstrap.json '{"ok":false,"stages":[],"exit_code":-7}' "not a result nodeprep wrote"
tampered bootstrap bootstrap.json '{"ok":false,"stages":[]' "not a result nodeprep wrote"
rm "$S/bootstrap.json"
done_ok
