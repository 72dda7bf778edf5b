"""OpenFaaS CE gateway stand-in (with faas-netes behind it) for nodeprep's tests.

Each behaviour names the upstream file it copies (openfaas/faas @8d803bf,
openfaas/faas-netes @662ce9ce, openfaas/faas-provider):
  GET /healthz              no auth, 200 "OK" (gateway/main.go: proxied to the
                            provider's /healthz; faas-provider serve.go)
  /system/*                 Basic auth admin:<basic-auth secret> else 401
                            (faas-provider auth/basic_auth.go, gateway main.go
                            decorateExternalAuth)
  GET /system/info          provider faas-netes-ce / kubernetes, gateway version
                            (gateway/handlers/infohandler.go, faas-netes pkg/handlers/info.go)
  GET /system/functions     the function list
  POST /system/functions    202; 400 "unable to create function, maximum: 15" past
                            15 functions, 400 for private images (faas-netes
                            pkg/handlers/deploy.go, validate.go, replica_reader.go
                            MaxFunctions = 15)
  GET /system/function/N    replicas / availableReplicas (ready after a start-up
                            delay, as a Deployment is), 404 otherwise
  DELETE /system/functions  {"functionName"} 202, 404 when unknown
  POST /function/N          the function (fprocess "cat" echoes), after
                            function_delay_sec; at upstream_timeout the gateway
                            gives up with 502 (gateway/handlers/forwarding_proxy.go)
  POST /async-function/N    202 Accepted, queued (gateway/handlers/queue_proxy.go)
Every proxied call carries X-Call-Id (kept when the caller sent one),
X-Start-Time and X-Served-By: openfaas-ce/VERSION (gateway/handlers/callid_middleware.go).
"""
import base64
import http.server
import json
import threading
import time
import uuid

GATEWAY_VERSION = "0.27.13"
PROVIDER_VERSION = "0.18.17"
MAX_FUNCTIONS = 15
# faas-netes checks public access with an anonymous registry HEAD; here a
# registry name decides (the tests cannot reach any registry).
PUBLIC_REGISTRIES = ("ghcr.io/openfaas/", "docker.io/functions/", "functions/", "ghcr.io/openfaas")


class Gateway:
    def __init__(self, address, port, password_fn, upstream_timeout_sec, function_delay_fn):
        self.address, self.port = address, port
        self.password_fn = password_fn
        self.upstream_timeout = upstream_timeout_sec
        self.function_delay_fn = function_delay_fn
        self.functions = {}
        self.lock = threading.Lock()
        self.httpd = None

    def running(self):
        return self.httpd is not None

    def start(self):
        gw = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body=b"", ctype="text/plain; charset=utf-8", headers=()):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def authorized(self):
                auth = self.headers.get("Authorization", "")
                try:
                    user, _, pw = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
                except Exception:
                    return False
                return user == "admin" and pw == gw.password_fn()

            def call_headers(self):
                call_id = self.headers.get("X-Call-Id") or str(uuid.uuid4())
                return [("X-Call-Id", call_id), ("X-Start-Time", str(time.time_ns())),
                        ("X-Served-By", "openfaas-ce/" + GATEWAY_VERSION)]

            def route(self, method):
                p = self.path.split("?")[0]
                if p == "/healthz" and method == "GET":
                    return self.reply(200, "OK")
                if p.startswith("/system/"):
                    if not self.authorized():
                        return self.reply(401, "Unauthorized\n", headers=[("Www-Authenticate", 'Basic realm="Restricted"')])
                    return self.system(method, p)
                if p.startswith("/function/"):
                    return self.invoke(p.split("/")[2], self.body())
                if p.startswith("/async-function/") and method == "POST":
                    self.body()
                    return self.reply(202, "", headers=self.call_headers())
                return self.reply(404, "404 page not found\n")

            def system(self, method, p):
                if p == "/system/info" and method == "GET":
                    info = {"provider": {"provider": "faas-netes-ce", "orchestration": "kubernetes",
                                         "version": {"sha": "standin", "release": PROVIDER_VERSION}},
                            "version": {"sha": "standin", "release": GATEWAY_VERSION}, "arch": "x86_64"}
                    return self.reply(200, json.dumps(info), "application/json")
                if p == "/system/functions" and method == "GET":
                    with gw.lock:
                        items = [gw.status(n) for n in gw.functions]
                    return self.reply(200, json.dumps(items), "application/json")
                if p == "/system/functions" and method == "POST":
                    return self.deploy(self.body())
                if p == "/system/functions" and method == "DELETE":
                    try:
                        name = json.loads(self.body())["functionName"]
                    except Exception:
                        return self.reply(400, "Invalid request")
                    with gw.lock:
                        found = gw.functions.pop(name, None)
                    return self.reply(202 if found else 404, "" if found else "function %s not found" % name)
                if p.startswith("/system/function/") and method == "GET":
                    name = p.split("/")[3]
                    with gw.lock:
                        st = gw.status(name) if name in gw.functions else None
                    if not st:
                        return self.reply(404, "function %s not found" % name)
                    return self.reply(200, json.dumps(st), "application/json")
                return self.reply(404, "404 page not found\n")

            def deploy(self, raw):
                try:
                    req = json.loads(raw)
                    name, image = req["service"], req["image"]
                except Exception:
                    return self.reply(400, "Invalid request")
                if not image.startswith(PUBLIC_REGISTRIES):
                    return self.reply(400, "the Community Edition license agreement only supports public images")
                with gw.lock:
                    if name not in gw.functions and len(gw.functions) >= MAX_FUNCTIONS:
                        return self.reply(400, "unable to create function, maximum: %d" % MAX_FUNCTIONS)
                    gw.functions[name] = {"image": image, "created": time.time(), "invocations": 0}
                return self.reply(202, "")

            def invoke(self, name, data):
                with gw.lock:
                    fn = gw.functions.get(name)
                    if fn:
                        fn["invocations"] += 1
                hdrs = self.call_headers()
                if not fn:
                    # directFunctions: the gateway dials NAME.openfaas-fn.svc and fails.
                    return self.reply(502, "Post \"http://%s.openfaas-fn.svc.cluster.local:8080\": dial tcp: lookup "
                                      "failed: no such host\n" % name, headers=hdrs)
                delay = gw.function_delay_fn()
                if delay >= gw.upstream_timeout:
                    time.sleep(gw.upstream_timeout)
                    return self.reply(502, "context deadline exceeded\n", headers=hdrs)
                time.sleep(delay)
                return self.reply(200, data, "text/plain", hdrs + [("X-Duration-Seconds", "%.6f" % delay)])

            def do_GET(self):
                self.route("GET")

            def do_POST(self):
                self.route("POST")

            def do_DELETE(self):
                self.route("DELETE")

            def do_PUT(self):
                self.route("PUT")

        httpd = http.server.ThreadingHTTPServer((self.address, self.port), H)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.httpd = httpd

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def status(self, name):
        fn = self.functions[name]
        ready = time.time() - fn["created"] >= 1.0
        return {"name": name, "image": fn["image"], "namespace": "openfaas-fn", "replicas": 1,
                "availableReplicas": 1 if ready else 0, "invocationCount": fn["invocations"],
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fn["created"]))}
