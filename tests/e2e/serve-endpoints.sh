#!/usr/bin/env bash
# nodeprep serve against the running binary: every path, method, status code
# and content type; /readyz with ?verbose, ?exclude= and /readyz/NAME in a
# passing and a failing state; /metrics through promtool and a uniqueness
# check; /status as JSON; the bearer token; TLS; the non-loopback guard.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl jq promtool openssl ss

# --- a healthy node (thresholds the test controls) --------------------------
cfg=$(write_config "checks = profile-drift neighbour-table conntrack file-handles listen-queue steal pressure data-disk nvme-health")
serve_start -- --config "$cfg" --interval 1

http /livez;            eq "$code" 200 "/livez"; eq "$ctype" "text/plain; charset=utf-8" "/livez type"; eq "$body" ok
http "/livez?verbose";  eq "$code" 200; contains "$body" "livez check passed"
http /readyz;           eq "$code" 200 "/readyz"; eq "$body" ok; eq "$ctype" "text/plain; charset=utf-8"
http "/readyz?verbose"; eq "$code" 200; contains "$body" "[+]conntrack ok"; contains "$body" "[+]data-disk ok"
contains "$body" "readyz check passed"
lacks "$body" "k3s"     # disabled checks are not listed
http /readyz/data-disk; eq "$code" 200; eq "$body" ok
http /readyz/k3s;       eq "$code" 404 "/readyz/<disabled check>"
http /readyz/bogus;     eq "$code" 404 "/readyz/<unknown check>"
for p in / /foo /metricsx /readyz/ /livez/x /status/1 "/../etc/passwd"; do
        http "$p"; [ "$p" = /readyz/ ] && { eq "$code" 200 "$p"; continue; }
        eq "$code" 404 "GET $p"; eq "$ctype" "text/plain; charset=utf-8" "404 type"
done
http /status; eq "$code" 200; eq "$ctype" application/json "/status type"
echo "$body" | jq -e '.ready == true and (.checks | length) == 12 and .figures.file_handles.max > 0' >/dev/null ||
        fail "/status: $body"; ok
echo "$body" | jq -e '.checks[] | select(.name == "k3s") | .enabled == false' >/dev/null || fail "k3s not disabled"; ok

# Methods: GET and HEAD only.
for m in POST PUT DELETE PATCH OPTIONS TRACE; do
        http /metrics -X "$m"; eq "$code" 405 "$m /metrics"
done
allow=$(curl -s -o /dev/null -D - -X DELETE "$URL/readyz" | tr -d '\r' | awk -F': ' 'tolower($1)=="allow"{print $2}')
eq "$allow" "GET, HEAD" "Allow header"
hdr=$(curl -s -I "$URL/metrics" | tr -d '\r')
contains "$hdr" "HTTP/1.1 200"; contains "$hdr" "Content-Type: text/plain; version=0.0.4; charset=utf-8"
eq "$(curl -s -I "$URL/readyz" -o - | tr -d '\r' | sed -n '/^$/,$p' | tr -d '\n')" "" "HEAD has no body"
http /readyz --data-binary 'x=1' -X GET; eq "$code" 413 "GET with a body"

# /metrics: content type, promtool, uniqueness, the build info, a check gauge.
http /metrics; eq "$code" 200; eq "$ctype" "text/plain; version=0.0.4; charset=utf-8" "/metrics type"
printf '%s\n' "$body" > "$TMP/metrics"
promtool check metrics < "$TMP/metrics" || fail "promtool check metrics: $(promtool check metrics < "$TMP/metrics" 2>&1)"; ok
dups=$(grep -v '^#' "$TMP/metrics" | sed 's/ [^ ]*$//' | sort | uniq -d)
eq "$dups" "" "duplicate series"
dups=$(grep '^# TYPE' "$TMP/metrics" | awk '{print $3}' | sort | uniq -d); eq "$dups" "" "duplicate TYPE"
# Every family's samples are contiguous: a name never comes back after another.
noncontig=$(grep -v '^#' "$TMP/metrics" | sed 's/[{ ].*//' | uniq | sort | uniq -d); eq "$noncontig" "" "non-contiguous family"
# nodeprep_, or process_ for the agent itself (what every client library names them).
bad=$(grep -v '^#' "$TMP/metrics" | grep -vE '^(nodeprep|process)_' || true); eq "$bad" "" "series without the nodeprep_ prefix"
for m in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes process_open_fds \
        process_max_fds process_start_time_seconds; do
        grep -qE "^$m [0-9.e+]+$" "$TMP/metrics" || fail "no $m"; ok
done
eq "$(grep -c '^# TYPE process_cpu_seconds_total counter' "$TMP/metrics")" 1 "process_cpu_seconds_total is a counter"
rss=$(sed -n 's/^process_resident_memory_bytes //p' "$TMP/metrics")
[ "$rss" -gt 1000000 ] && [ "$rss" -lt 1000000000 ] || fail "resident memory $rss"; ok
start=$(sed -n 's/^process_start_time_seconds //p' "$TMP/metrics")
now=$(date +%s)
python3 -c "import sys; s=float(sys.argv[1]); n=int(sys.argv[2]); sys.exit(0 if n - 600 < s <= n + 1 else 1)" "$start" "$now" ||
        fail "process_start_time_seconds $start vs now $now"; ok
fds=$(sed -n 's/^process_open_fds //p' "$TMP/metrics"); maxfds=$(sed -n 's/^process_max_fds //p' "$TMP/metrics")
[ "$fds" -ge 3 ] && [ "$fds" -le "$maxfds" ] || fail "process_open_fds $fds (max $maxfds)"; ok
# Check states: a state set, exactly one status 1 per check; no NaN anywhere.
lacks "$body" "NaN"
for c in $(sed -n 's/^nodeprep_check_ok{check="\([^"]*\)"}.*/\1/p' "$TMP/metrics"); do
        eq "$(grep -c "^nodeprep_check_status{check=\"$c\",status=\"[a-z/]*\"} 1\$" "$TMP/metrics")" 1 "$c: one current status"
        eq "$(grep -c "^nodeprep_check_status{check=\"$c\"," "$TMP/metrics")" 4 "$c: four statuses"
done
# Pressure as node_exporter: stall-time counters in seconds, no averages.
if [ -r /proc/pressure/io ]; then
        contains "$body" "# TYPE nodeprep_pressure_io_waiting_seconds_total counter"
        contains "$body" "nodeprep_pressure_cpu_waiting_seconds_total "
fi
lacks "$body" "window="
# gzip when asked for it (Prometheus sends Accept-Encoding: gzip), identity otherwise.
hdr=$(curl -s -D - -o "$TMP/metrics.gz" -H 'Accept-Encoding: gzip' "$URL/metrics" | tr -d '\r')
contains "$hdr" "Content-Encoding: gzip"
contains "$hdr" "Vary: Accept-Encoding"
eq "$(head -c 2 "$TMP/metrics.gz" | od -An -tx1 | tr -d ' ')" "1f8b" "gzip magic"
gunzip -c "$TMP/metrics.gz" >"$TMP/metrics.unz" || fail "not gzip"; ok
promtool check metrics <"$TMP/metrics.unz" || fail "promtool on the gzipped body"; ok
[ "$(stat -c %s "$TMP/metrics.gz")" -lt "$(stat -c %s "$TMP/metrics.unz")" ] || fail "gzip did not shrink it"; ok
for ae in "identity" "gzip;q=0" "br" "gzip;q=0, *;q=1"; do
        hdr=$(curl -s -D - -o "$TMP/plain" -H "Accept-Encoding: $ae" "$URL/metrics" | tr -d '\r')
        lacks "$hdr" "Content-Encoding"
        contains "$(head -c 7 "$TMP/plain")" "# HELP "
done
hdr=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: deflate, gzip;q=0.5' "$URL/metrics" | tr -d '\r')
contains "$hdr" "Content-Encoding: gzip"
contains "$body" 'nodeprep_build_info{version="'
contains "$body" 'nodeprep_check_ok{check="data-disk"} 1'
contains "$body" 'nodeprep_neighbour_table_fulls_total{family="ipv4"}'
contains "$body" '# TYPE nodeprep_tcp_listen_overflows_total counter'
serve_stop

# --- a failing node: the data disk below its minimum -------------------------
cfg=$(write_config "data_disk_min_free_bytes = 1048576T" "checks = conntrack data-disk file-handles")
serve_start -- --config "$cfg" --interval 1
http /readyz; eq "$code" 500 "/readyz failing"; eq "$ctype" "text/plain; charset=utf-8"
contains "$body" "[-]data-disk failed: $TMP/data"; contains "$body" "below the minimum"
contains "$body" "[+]conntrack ok"; contains "$body" "readyz check failed"
http "/readyz?verbose"; eq "$code" 500; contains "$body" "[-]data-disk failed"
http "/readyz?exclude=data-disk"; eq "$code" 200 "excluded"; eq "$body" ok
http "/readyz?exclude=data-disk&verbose"; eq "$code" 200; contains "$body" "[+]data-disk excluded: ok"
contains "$body" "readyz check passed"
http "/readyz?exclude=conntrack&exclude=data-disk&verbose=1"; eq "$code" 200 "repeated exclude"
contains "$body" "[+]conntrack excluded: ok"; contains "$body" "[+]data-disk excluded: ok"
http "/readyz?exclude=nope"; eq "$code" 500
contains "$body" 'warn: some health checks cannot be excluded: no matches for "nope"'
http /readyz/data-disk; eq "$code" 500 "/readyz/data-disk"; contains "$body" "internal server error: "
http /readyz/conntrack; eq "$code" 200; eq "$body" ok
http /livez; eq "$code" 200 "/livez stays 200 when not ready"
http /metrics; contains "$body" 'nodeprep_check_ok{check="data-disk"} 0'; contains "$body" "nodeprep_ready 0"
http /status; echo "$body" | jq -e '.ready == false' >/dev/null || fail "status ready"; ok
serve_stop

# --- bearer token -----------------------------------------------------------
printf 's3cret-token-0123456789\n' > "$TMP/token"; chmod 600 "$TMP/token"
cfg=$(write_config)
serve_start -- --config "$cfg" --token-file "$TMP/token"
http /metrics; eq "$code" 401 "no token"
http /metrics -H "Authorization: Bearer wrong"; eq "$code" 401 "wrong token"
http /metrics -H "Authorization: Bearer s3cret-token-0123456789"; eq "$code" 200 "right token"
http /readyz -H "Authorization: bearer s3cret-token-0123456789"; eq "$code" 200 "scheme is case-insensitive"
http /livez; eq "$code" 200 "/livez needs no token"
serve_stop

# --- TLS --------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null || fail "openssl"
PORT=$(free_port)
"$NODEPREP" serve --config "$cfg" --listen "127.0.0.1:$PORT" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" \
        >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
wait_for curl -s -o /dev/null --cacert "$TMP/cert.pem" "https://127.0.0.1:$PORT/livez" || fail "TLS serve"
eq "$(curl -s --cacert "$TMP/cert.pem" "https://127.0.0.1:$PORT/readyz")" ok "/readyz over TLS"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true)
[ "$code" != 200 ] || fail "plain HTTP answered on the TLS port"; ok
serve_stop

# --- exposure guard, usage errors --------------------------------------------
set +e
out=$("$NODEPREP" serve --config "$cfg" --listen 0.0.0.0:$(free_port) 2>&1); rc=$?
set -e
eq "$rc" 2 "non-loopback without protection"; contains "$out" "refusing to serve node health on non-loopback"
set +e
out=$("$NODEPREP" serve --config "$cfg" --listen "[::]:$(free_port)" 2>&1); rc=$?
set -e
eq "$rc" 2 "[::] without protection"
for bad in "--listen nonsense" "--listen 127.0.0.1:0" "--listen 127.0.0.1:70000" "--interval 0" "--bogus" "extra"; do
        set +e
        # shellcheck disable=SC2086
        out=$("$NODEPREP" serve --config "$cfg" $bad 2>&1); rc=$?
        set -e
        eq "$rc" 2 "serve $bad"
done
set +e
out=$("$NODEPREP" serve --config "$cfg" --tls-cert "$TMP/cert.pem" 2>&1); rc=$?
set -e
eq "$rc" 2 "--tls-cert without --tls-key"

done_ok
