#!/usr/bin/env bash
# nodeprep serve against hostile clients, on loopback only:
#  - slowloris: 256 connections from 127.0.0.2-5, each sending one header
#    byte every 4 s (and reconnecting when cut) for 60 s, while scrapes from
#    127.0.0.1 must all be answered 200 within 1 s (SERVE_SLOWLORIS_SECONDS
#    overrides the length);
#  - requests nginx refuses: each gets a 4xx, among them a NUL (or another
#    control byte) in a header value or the request line (RFC 9110 5.5),
#    which libmicrohttpd 0.9.72/0.9.75 would cut or pass; a tab in a value
#    is still served;
#  - token rules: at least 16 bytes, TLS is not authentication.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl python3 openssl
ulimit -n 4096 2>/dev/null || true
SECONDS_LOAD=${SERVE_SLOWLORIS_SECONDS:-60}

# --- token rules --------------------------------------------------------------
cfg=$(write_config)
for t in x 0123456789abcde; do
        printf '%s\n' "$t" >"$TMP/short"; chmod 600 "$TMP/short"
        set +e
        out=$(timeout 20 "$NODEPREP" serve --config "$cfg" --listen "127.0.0.1:$(free_port)" \
                --token-file "$TMP/short" 2>&1); rc=$?
        set -e
        eq "$rc" 2 "a ${#t}-byte token"; contains "$out" "at least 16 bytes"
done
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null || fail "openssl"
set +e
out=$(timeout 20 "$NODEPREP" serve --config "$cfg" --listen "0.0.0.0:$(free_port)" --tls-cert "$TMP/cert.pem" \
        --tls-key "$TMP/key.pem" 2>&1); rc=$?
set -e
eq "$rc" 2 "non-loopback with TLS but no token"; contains "$out" "TLS is not authentication"

# --- requests nginx refuses ------------------------------------------------------
TOKEN=0123456789abcdef-hostile-test
printf '%s\n' "$TOKEN" >"$TMP/token"; chmod 600 "$TMP/token"
serve_start -- --config "$cfg" --token-file "$TMP/token"
http /metrics -H "Authorization: Bearer $TOKEN"; eq "$code" 200 "the right token"
http /metrics -H "Authorization: Bearer ${TOKEN}x"; eq "$code" 401 "a longer token"
http /metrics -H "Authorization: Bearer ${TOKEN:0:8}"; eq "$code" 401 "a prefix of the token"
PYTHONPATH="$NODEPREP_TOP/tests/e2e/lib" python3 - "$PORT" "$TOKEN" <<'PY' || fail "parsing cases"
import rawhttp, socket, sys
port, token = int(sys.argv[1]), sys.argv[2].encode()

def exchange(data):
    return rawhttp.exchange(("127.0.0.1", port), data, 10)

smuggled = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
cases = {
    "two Content-Length": b"GET /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: %d\r\n\r\n"
                          % len(smuggled) + smuggled,
    "HTTP/1.1 without Host": b"GET /readyz HTTP/1.1\r\n\r\n",
    "blank before the colon": b"GET /readyz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "%00 in the path": b"GET /readyz%00/../metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    "NUL in a header value": b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\x00junk\r\n\r\n",
    "NUL in the request line": b"GET /metrics\x00junk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                               b"\r\n\r\n",
    "NUL in a header name": b"GET /livez HTTP/1.1\r\nHost: x\r\nX-A\x00b: c\r\n\r\n",
    "SOH in a header value": b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n",
    "DEL in a header value": b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Note: a\x7fb\r\n\r\n",
    "33 exclude=": b"GET /readyz?" + b"&".join(b"exclude=x%d" % i for i in range(33)) + b" HTTP/1.1\r\nHost: x\r\n"
                   b"Authorization: Bearer " + token + b"\r\n\r\n",
}
bad = 0
for name, req in cases.items():
    out = exchange(req)
    status = out.split(b"\r\n", 1)[0]
    codes = [l.split()[1] for l in out.split(b"\r\n") if l.startswith(b"HTTP/1.")]
    good = status.startswith(b"HTTP/1.1 4") and not any(c.startswith(b"2") for c in codes)
    print(("ok   " if good else "FAIL ") + name + ": " + repr(codes))
    bad += not good
out = exchange(b"GET /readyz?" + b"&".join(b"exclude=x%d" % i for i in range(32)) + b" HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Bearer " + token + b"\r\nConnection: close\r\n\r\n")
print("32 exclude=: " + repr(out.split(b"\r\n", 1)[0]))
bad += not out.startswith(b"HTTP/1.1 200")
# Kept alive: the first request is served, the second one, with a NUL, is not.
c = socket.create_connection(("127.0.0.1", port), timeout=10)
c.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
first = b""
while not first.endswith(b"\r\n\r\nok"):
    d = c.recv(4096)
    if not d:
        break
    first += d
c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\x00junk\r\n\r\n")
second = rawhttp.read_until_close(c)
c.close()
print("kept alive, NUL in the second request: %r then %r" % (first.split(b"\r\n", 1)[0], second.split(b"\r\n", 1)[0]))
bad += not (first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 400"))
# A tab is the one control byte a field value may hold (RFC 9110 5.5): served.
out = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Note: a\tb\r\nAuthorization: Bearer " + token +
               b"\r\nConnection: close\r\n\r\n")
print("tab in a header value: " + repr(out.split(b"\r\n", 1)[0]))
bad += not out.startswith(b"HTTP/1.1 200")
sys.exit(1 if bad else 0)
PY
ok
serve_stop

# --- slowloris from four other loopback addresses ------------------------------
serve_start -- --config "$cfg"
python3 - "$PORT" "$SECONDS_LOAD" <<'PY' || fail "slowloris"
import socket, sys, threading, time, urllib.request
port, duration = int(sys.argv[1]), float(sys.argv[2])
sources = ["127.0.0.%d" % i for i in (2, 3, 4, 5)]
stop = time.monotonic() + duration
cut = [0]
lock = threading.Lock()

def slow_client(src):
    # One header byte every 4 s, forever; reconnect when the server cuts us.
    request = b"GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 8000
    while time.monotonic() < stop:
        try:
            s = socket.socket()
            s.bind((src, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            for b in request:
                if time.monotonic() >= stop:
                    break
                s.send(bytes([b]))
                time.sleep(4)
        except OSError:
            with lock:
                cut[0] += 1
            time.sleep(0.2)
        finally:
            s.close()

threads = [threading.Thread(target=slow_client, args=(sources[i % 4],), daemon=True) for i in range(256)]
for t in threads:
    t.start()
time.sleep(2)   # all 256 connected (or refused by the per-address limit)
scrapes = slow = 0
worst = 0.0
while time.monotonic() < stop:
    for path in ("/readyz", "/metrics"):
        t0 = time.monotonic()
        try:
            code = urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=1).status
        except Exception as e:
            code = repr(e)
        took = time.monotonic() - t0
        worst = max(worst, took)
        scrapes += 1
        if code != 200 or took > 1.0:
            slow += 1
            print("scrape %s: %s after %.2fs" % (path, code, took))
    time.sleep(0.5)
print("%d scrapes from 127.0.0.1 during %.0f s of slowloris, %d not 200 within 1 s (worst %.3f s); "
      "slow connections cut or refused: %d" % (scrapes, duration, slow, worst, cut[0]))
sys.exit(1 if slow or scrapes < duration or cut[0] == 0 else 0)
PY
ok
kill -0 "$SERVE_PID" || fail "serve died"
serve_stop
done_ok
