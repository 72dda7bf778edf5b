#!/usr/bin/env bash
# Profiles are input too, and so is the fixture tree: a file name that would
# inject lines into the persisted files, profiles someone else could have
# written, keys that make the kernel run a program, a /var symlink pointing
# out of the root, a full disk when the record is written.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"
R=$(mkroot tune/debian12)
before=$(tree_sum "$R")
drop=$R/etc/sysctl.d/99-zz-nodeprep.conf

# 1. A newline in the profile's file name: refused, nothing written.
d=$TMP/names; mkdir -p "$d"
nl=$'evil\nkernel.modules_disabled = 1\nvm.panic_on_oom = 1\n#.ini'
printf '[sysctl]\nvm.max_map_count = 262144\n' >"$d/$nl"
run 2 np --root "$R" apply "$d/$nl"
contains "$err" "control character"
eq "$(tree_sum "$R")" "$before" "a file name with a newline touched the tree"
run 2 np --root "$R" plan "$d/$nl"

# 2. Trust: a profile (or a directory above it) writable by others or not
#    owned by root is refused, naming mode and owner, like sshd's StrictModes.
t=$TMP/trust; mkdir -p "$t"; chmod 755 "$t"
printf '[sysctl]\nvm.max_map_count = 262144\n' >"$t/p.ini"
chmod 666 "$t/p.ini"
run 2 np --root "$R" apply "$t/p.ini"
contains "$err" "writable by group or others"
contains "$err" "mode 0666"
chmod 644 "$t/p.ini"; chown nobody "$t/p.ini"
run 2 np --root "$R" apply "$t/p.ini"
contains "$err" "not owned by root"
contains "$err" "owner nobody"
chown root "$t/p.ini"; chmod 775 "$t"
run 2 np --root "$R" apply "$t/p.ini"
contains "$err" "its directory $t"
contains "$err" "mode 0775"
chmod 1777 "$t"      # sticky, like /tmp: nobody else can replace our file
run 0 np --root "$R" plan "$t/p.ini"
chmod 755 "$t"
# An include is a profile too.
printf '[profile]\ninclude = ./inc.ini\n' >"$t/top.ini"
printf '[sysctl]\nvm.swappiness = 10\n' >"$t/inc.ini"; chmod 646 "$t/inc.ini"
run 2 np --root "$R" apply "$t/top.ini"
contains "$err" "$t/inc.ini"
eq "$(tree_sum "$R")" "$before" "an untrusted profile touched the tree"

# 3. Keys that make the kernel run a program: refused, checked or not.
for body in '?kernel.core_pattern = |/tmp/x %p' '[sysctl.unchecked]\nkernel.core_pattern = | /tmp/x' \
        '?kernel.modprobe = /tmp/x' '?kernel.hotplug = /tmp/x' '?kernel.poweroff_cmd = /tmp/x'; do
        printf '[sysctl]\n%b\n' "$body" >"$t/prog.ini"
        run 2 np --root "$R" apply "$t/prog.ini"
        contains "$err" "run"
        run 2 np profile lint "$t/prog.ini"
done
eq "$(tree_sum "$R")" "$before" "a program-running key touched the tree"
printf '[sysctl]\n?kernel.core_pattern = core.%%p\n' >"$t/core.ini"
run 0 np profile lint "$t/core.ini"

# 4. Containment: /var an absolute symlink to a host directory. Everything
#    apply writes stays inside the root.
C=$(mkroot tune/debian12)
host=$TMP/host-var; mkdir -p "$host"
rm -rf "$C/var"; ln -s "$host" "$C/var"
mkdir -p "$C$host"
run 0 np --root "$C" apply "$t/p.ini"
eq "$(find "$host" -mindepth 1 | wc -l)" "0" "apply wrote outside the root"
[ -f "$C$host/lib/nodeprep/applied.json" ] || fail "applied.json not inside the root"; ok
run 0 np --root "$C" rollback
eq "$(find "$host" -mindepth 1 | wc -l)" "0" "rollback wrote outside the root"

# 5. ENOSPC writing applied.json after the keys and the drop-in were written:
#    exit 1 means restored (keys, drop-in, journal), so verify finds nothing.
if ! unshare -m true 2>/dev/null; then
        echo "ENOSPC case needs a private mount namespace (unshare -m)"; exit 77
fi
E=$(mkroot tune/debian12)
mkdir -p "$E/var/lib/nodeprep"
e_before=$(tree_sum "$E")
printf '[sysctl]\nvm.max_map_count = 262144\nfs.inotify.max_user_watches = 524288\n' >"$t/two.ini"
set +e
unshare -m bash -c '
        set -e
        mount --make-rprivate /
        # 4 pages: a 3-page filler leaves one, enough for originals.json, none for applied.json.
        mount -t tmpfs -o size=16k,mode=755 tmpfs "$1/var/lib/nodeprep"
        head -c 12288 /dev/zero >"$1/var/lib/nodeprep/filler"
        rc=0; "$2" --root "$1" apply "$3" >"$4/enospc.out" 2>"$4/enospc.err" || rc=$?
        echo $rc >"$4/enospc.rc"
        rm "$1/var/lib/nodeprep/filler"
        ls -A "$1/var/lib/nodeprep" >"$4/enospc.left"
' _ "$E" "$NODEPREP" "$t/two.ini" "$TMP" || fail "the ENOSPC setup failed"
set -e
eq "$(cat "$TMP/enospc.rc")" "1" "apply on a full state disk"
contains "$(cat "$TMP/enospc.err")" "applied.json"
contains "$(cat "$TMP/enospc.err")" "undone"
eq "$(cat "$TMP/enospc.left")" "" "state left on the full disk"
eq "$(tree_sum "$E")" "$e_before" "exit 1 left a change behind"
run 3 np --root "$E" verify
contains "$err" "no profile has been applied"
done_ok
