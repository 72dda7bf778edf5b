#!/usr/bin/env bash
# A source that hangs never blocks serving: on a fixture tree (--root) the
# collector is made to block on a FIFO in place of /proc/net/netstat. /livez,
# /metrics and /status keep answering from the last snapshot; /readyz fails
# with "[-]collector failed" once the snapshot is older than three intervals
# (+ canary timeout + 5 s); when the FIFO is fed, the collector carries on and
# /readyz recovers.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl ss mkfifo
WAIT=30
R=$TMP/root
mkdir -p "$R"
cp -a "$NODEPREP_TOP/tests/fixtures/health/node/." "$R/"
mkdir -p "$R/etc/nodeprep"
printf '[health]\ninterval = 1\ncanary_timeout_ms = 1000\nchecks = listen-queue conntrack data-disk\n' \
        > "$R/etc/nodeprep/nodeprep.conf"
serve_start --root "$R" -- --interval 1
http /readyz; eq "$code" 200 "before the hang"

rm "$R/proc/net/netstat"
mkfifo "$R/proc/net/netstat"            # open() blocks until a writer comes
sleep 2
http /livez; eq "$code" 200 "/livez while the collector hangs"
http /metrics; eq "$code" 200 "/metrics from the last snapshot"
http /status; eq "$code" 200 "/status from the last snapshot"
stale() { http "/readyz?verbose"; [ "$code" = 500 ] && [[ "$body" == *"[-]collector failed: the last snapshot is "* ]]; }
wait_for stale || fail "/readyz did not report the stale snapshot: $code $body"; ok
contains "$body" "[+]conntrack ok"     # the last verdicts are still listed

# Put a regular file back under the name, then feed the FIFO (kept by a
# second link) once: the hung collection finishes with garbage (unknown), and
# the next one reads the regular file.
ln "$R/proc/net/netstat" "$TMP/fifo"
cp "$NODEPREP_TOP/tests/fixtures/health/node/proc/net/netstat" "$R/proc/net/netstat.new"
mv "$R/proc/net/netstat.new" "$R/proc/net/netstat"
printf 'garbage\n' > "$TMP/fifo"
recovered() { http /readyz; [ "$code" = 200 ]; }
wait_for recovered || fail "/readyz did not recover: $code $body"; ok
serve_stop
done_ok
