#!/usr/bin/env bash
# The tuning races of tests/cli/race.sh (two applies, apply against
# rollback) on the live kernel: per-netns keys inside `unshare -n`, with a
# private mount namespace over /run (the lock), /etc/sysctl.d and /var/lib,
# so neither this machine's kernel settings nor its files change.
# NODEPREP_RACE_ROUNDS rounds of each (default 200; `make stress` runs 1000).
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/lib/harness.sh"
[ "$(id -u)" -eq 0 ] || skip "skipped: needs root for unshare -n -m"
unshare -n -m true 2>/dev/null || skip "skipped: unshare -n -m not permitted here"
KEYS="net.core.somaxconn net.ipv4.tcp_max_syn_backlog"
host_before=$(sysctl -n $KEYS)
TMP=$(mktemp -d /tmp/nodeprep-race-netns.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export TMP
unshare -n -m bash -euo pipefail -c '
mount --make-rprivate /
mkdir -p "$TMP/etc-sysctl.d" "$TMP/var-lib"
cp -a /etc/sysctl.d/. "$TMP/etc-sysctl.d/" 2>/dev/null || true
mount --bind "$TMP/etc-sysctl.d" /etc/sysctl.d
mount --bind "$TMP/var-lib" /var/lib
mount -t tmpfs -o mode=755 tmpfs /run
NODEPREP_RACE_LIVE=1 bash "$NODEPREP_TOP/tests/cli/race.sh"
'
[ "$(sysctl -n $KEYS)" = "$host_before" ] || { echo "FAIL: host values changed"; exit 1; }
echo "host values unchanged"
