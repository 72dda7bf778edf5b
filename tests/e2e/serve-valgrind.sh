#!/usr/bin/env bash
# nodeprep serve under valgrind (memcheck): several snapshots published while
# every endpoint is requested, then SIGTERM. No invalid access, no use of
# uninitialised memory, no definite leak.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl valgrind ss
WAIT=60
cfg=$(write_config "data_disk_min_free_bytes = 1048576T")
SERVE_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite --track-origins=yes --log-file=$TMP/valgrind.log"
serve_start -- --config "$cfg" --interval 1
end=$((SECONDS + 6))
while [ $SECONDS -lt $end ]; do
        for p in /livez "/livez?verbose" /readyz "/readyz?verbose" "/readyz?exclude=data-disk&exclude=x" \
                 /readyz/data-disk /readyz/conntrack /readyz/nope /metrics /status /nope; do
                curl -s -o /dev/null "$URL$p" || fail "GET $p"
        done
        curl -s -o /dev/null -X POST "$URL/metrics" || true
        curl -s -o /dev/null -H "X-Big: $(head -c 12000 /dev/zero | tr '\0' a)" "$URL/readyz" || true
done
ok
kill -TERM "$SERVE_PID"
set +e
wait "$SERVE_PID"; rc=$?
set -e
SERVE_PID=
[ -s "$TMP/valgrind.log" ] && cat "$TMP/valgrind.log"
eq "$rc" 0 "exit status under valgrind (99: memcheck errors)"
done_ok
