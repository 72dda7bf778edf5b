#!/usr/bin/env python3
"""A loopback stand-in for the OpenFaaS CE gateway, as nginx sees it.

Faithful to openfaas/faas @8d803bf (gateway/):
- /healthz answers 200 "OK" (main.go: r.HandleFunc("/healthz", ...); the
  provider's health handler writes "OK").
- Every response carries X-Call-Id (a UUID unless the client sent one),
  X-Start-Time and X-Served-By: openfaas-ce/<version>
  (handlers/callid_middleware.go). nginx must hide X-Served-By.
- /function/NAME proxies to the function with a deadline of upstream_timeout;
  when it passes the gateway answers 502 with an empty body
  (handlers/forwarding_proxy.go: context.WithTimeout(r.Context(), timeout),
  then w.WriteHeader(http.StatusBadGateway) on the client error). The
  "function" here sleeps ?delay=SECONDS and echoes the body's length.
- The gateway's own http.Server has ReadTimeout/WriteTimeout = read_timeout/
  write_timeout (main.go); a response later than write_timeout is cut: the
  connection closes with nothing written. upstream_timeout < write_timeout
  (the chart's 1m < 1m05s) means the 502 always comes first.
- /async-function/NAME queues and answers 202 with X-Call-Id
  (handlers/queue_proxy.go).
- /system/* and /ui/ need basic auth, user admin; otherwise 401 with
  WWW-Authenticate: Basic realm="Restricted" and "invalid credentials"
  (vendor/github.com/openfaas/faas-provider/auth/basic_auth.go).
"""
import argparse
import base64
import hmac
import http.server
import json
import socketserver
import sys
import threading
import time
import uuid
from urllib.parse import urlparse, parse_qs

VERSION = "0.27.13"  # the chart's gateway.image tag (faas-netes values.yaml)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # nginx keeps upstream connections alive

    def log_message(self, fmt, *args):
        sys.stderr.write("standin: " + (fmt % args) + "\n")

    def _headers(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        call_id = self.headers.get("X-Call-Id") or str(uuid.uuid4())
        self.send_header("X-Call-Id", call_id)
        self.send_header("X-Start-Time", str(self.start_ns))
        self.send_header("X-Served-By", "openfaas-ce/" + VERSION)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        left = n
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        return n - left

    def _authorized(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return False
        return user == "admin" and hmac.compare_digest(pw, self.server.password)

    def _handle(self):
        self.start_ns = time.time_ns()
        url = urlparse(self.path)
        n = self._read_body()
        if url.path == "/healthz":
            return self._headers(200, b"OK")
        if url.path.startswith("/system/") or url.path.startswith("/ui/"):
            if not self._authorized():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="Restricted"')
                self.send_header("Content-Length", "19")
                self.end_headers()
                return self.wfile.write(b"invalid credentials")
            if url.path == "/system/info":
                body = json.dumps({"provider": {"provider": "faas-netes-ce", "orchestration": "kubernetes"},
                                   "version": {"release": VERSION}}).encode()
                return self._headers(200, body, "application/json")
            return self._headers(200, b"[]", "application/json")
        if url.path.startswith("/async-function/"):
            return self._headers(202)
        if url.path.startswith("/function/"):
            delay = float(parse_qs(url.query).get("delay", ["0"])[0])
            if delay >= self.server.upstream_timeout:
                time.sleep(self.server.upstream_timeout)
                return self._headers(502)
            time.sleep(delay)
            return self._headers(200, ("received %d bytes\n" % n).encode())
        return self._headers(404, b"404 page not found\n")

    def _guarded(self):
        # The gateway's WriteTimeout: nothing is written after it.
        timer = threading.Timer(self.server.write_timeout, self._cut)
        timer.start()
        try:
            self._handle()
        finally:
            timer.cancel()

    def _cut(self):
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = _guarded


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1:8080")
    p.add_argument("--upstream-timeout", type=float, default=60)
    p.add_argument("--write-timeout", type=float, default=65)
    p.add_argument("--password-file", required=True)
    a = p.parse_args()
    host, port = a.listen.rsplit(":", 1)
    s = Server((host, int(port)), Handler)
    s.upstream_timeout = a.upstream_timeout
    s.write_timeout = a.write_timeout
    with open(a.password_file) as f:
        s.password = f.read().strip()
    s.serve_forever()


if __name__ == "__main__":
    main()
