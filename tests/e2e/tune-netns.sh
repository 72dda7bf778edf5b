#!/usr/bin/env bash
# Live apply / verify / rollback of per-netns keys inside `unshare -n` with a
# private mount namespace over /etc/sysctl.d and /var/lib, so neither this
# machine's kernel settings nor its files change. Also: a value the kernel
# rejects mid-apply leaves zero keys changed, and kill -9 at several points
# of a live apply is undone exactly by rollback.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/lib/harness.sh"
[ "$(id -u)" -eq 0 ] || skip "skipped: needs root for unshare -n -m"
unshare -n -m true 2>/dev/null || skip "skipped: unshare -n -m not permitted here"
command -v strace >/dev/null || { echo "FAIL: strace missing"; exit 1; }

KEYS="net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.ip_forward net.ipv4.ip_local_port_range net.ipv4.ip_local_reserved_ports"
host_before=$(sysctl -n $KEYS | tr '\t' ' ')
TMP=$(mktemp -d /tmp/nodeprep-netns.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"  # the non-root check reads the profile as nobody
cat > "$TMP/netns.ini" <<'INI'
[profile]
description = per-netns keys for the live test
[sysctl]
net.core.somaxconn = 8192
net.ipv4.tcp_max_syn_backlog = 8192
net.ipv4.ip_forward = 1
net.ipv4.ip_local_port_range = 40000 50001
INI
cat > "$TMP/rejected.ini" <<'INI'
[sysctl]
net.core.somaxconn = 8192
net.ipv4.ip_local_reserved_ports = 30000-32767
; the kernel rejects a low end below ip_unprivileged_port_start (1024)
net.ipv4.ip_local_port_range = 80 65000
INI
cat > "$TMP/global.ini" <<'INI'
[sysctl]
net.core.somaxconn = 8192
fs.file-max = >=100000
INI

# Not root: exit 4 before anything else.
set +e
setpriv --reuid=65534 --regid=65534 --clear-groups "$NODEPREP" apply "$TMP/netns.ini" >/dev/null 2>"$TMP/err.nonroot"
rc=$?
set -e
[ $rc -eq 4 ] || { echo "FAIL: non-root apply exited $rc, expected 4"; exit 1; }
grep -q "needs root" "$TMP/err.nonroot" || { echo "FAIL: non-root message: $(cat "$TMP/err.nonroot")"; exit 1; }

export TMP KEYS
unshare -n -m bash -euo pipefail -c '
values() { sysctl -n $KEYS | tr "\t" " "; }
mkdir -p "$TMP/etc-sysctl.d" "$TMP/var-lib"
cp -a /etc/sysctl.d/. "$TMP/etc-sysctl.d/" 2>/dev/null || true
mount --bind "$TMP/etc-sysctl.d" /etc/sysctl.d
mount --bind "$TMP/var-lib" /var/lib
orig=$(values)

# A read-only /proc/sys (a container without privileges): exit 4.
(
        mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
        set +e; "$NODEPREP" apply --allow-netns "$TMP/netns.ini" >/dev/null 2>"$TMP/err"; rc=$?; set -e
        umount /proc/sys
        [ $rc -eq 4 ] || fail "apply on a read-only /proc/sys exited $rc, expected 4"
        grep -q "read-only" "$TMP/err" || fail "read-only message: $(cat "$TMP/err")"
)
[ "$(values)" = "$orig" ] || fail "read-only attempt changed values"

# The guard: a child netns needs --allow-netns, and then only per-netns keys.
set +e; "$NODEPREP" apply "$TMP/netns.ini" 2>/dev/null; rc=$?; set -e
[ $rc -eq 4 ] || fail "apply outside the host netns exited $rc, expected 4"
set +e; "$NODEPREP" apply --allow-netns "$TMP/global.ini" 2>"$TMP/err"; rc=$?; set -e
[ $rc -eq 4 ] || fail "global key in a child netns exited $rc, expected 4"
grep -q "fs.file-max is global" "$TMP/err" || fail "guard message: $(cat "$TMP/err")"
[ "$(values)" = "$orig" ] || fail "refused apply changed values"

# apply, read back from /proc/sys
"$NODEPREP" apply --allow-netns "$TMP/netns.ini" >/dev/null
[ "$(sysctl -n net.core.somaxconn)" = 8192 ] || fail somaxconn
[ "$(sysctl -n net.ipv4.tcp_max_syn_backlog)" = 8192 ] || fail backlog
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || fail ip_forward
[ "$(sysctl -n net.ipv4.ip_local_port_range | tr "\t" " ")" = "40000 50001" ] || fail port_range
grep -qx "net.core.somaxconn = 8192" /etc/sysctl.d/99-zz-nodeprep.conf || fail "drop-in"
"$NODEPREP" verify >/dev/null || fail "verify after apply"

# drift by hand, named by verify with exit 3
echo 1000 > /proc/sys/net/core/somaxconn
set +e; "$NODEPREP" verify >/dev/null 2>"$TMP/err"; rc=$?; set -e
[ $rc -eq 3 ] || fail "verify after drift exited $rc"
grep -q "net.core.somaxconn" "$TMP/err" || fail "verify did not name the key: $(cat "$TMP/err")"

# rollback restores every original exactly
"$NODEPREP" rollback --allow-netns >/dev/null
[ "$(values)" = "$orig" ] || fail "rollback: $(values) != $orig"
[ ! -e /etc/sysctl.d/99-zz-nodeprep.conf ] || fail "drop-in left"
[ ! -e /var/lib/nodeprep/originals.json ] || fail "journal left"

# A value the kernel rejects mid-apply: exit 1 naming key and errno, zero keys changed.
set +e; "$NODEPREP" apply --allow-netns "$TMP/rejected.ini" >/dev/null 2>"$TMP/err"; rc=$?; set -e
[ $rc -eq 1 ] || fail "rejected value exited $rc, expected 1"
grep -q "net.ipv4.ip_local_port_range" "$TMP/err" && grep -q "errno 22" "$TMP/err" || fail "message: $(cat "$TMP/err")"
[ "$(values)" = "$orig" ] || fail "rejected apply left changes: $(values)"
[ ! -e /etc/sysctl.d/99-zz-nodeprep.conf ] || fail "rejected apply persisted"
[ ! -e /var/lib/nodeprep/originals.json ] || fail "rejected apply left a journal"

# kill -9 at each sysctl write of a live apply; rollback restores exactly.
for n in 1 2 3 4 5 6; do
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n \
                "$NODEPREP" apply --allow-netns "$TMP/netns.ini" >/dev/null 2>&1 &
        wait $! || true
        "$NODEPREP" rollback --allow-netns >/dev/null
        [ "$(values)" = "$orig" ] || fail "after kill at write #$n: $(values) != $orig"
done
echo "netns: apply, verify, drift, rollback, rejected value, 6 kill points: ok"
'
host_after=$(sysctl -n $KEYS | tr '\t' ' ')
[ "$host_before" = "$host_after" ] || { echo "FAIL: host values changed: $host_before -> $host_after"; exit 1; }
echo "host values unchanged"
