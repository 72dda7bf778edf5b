"""K3s stand-in for nodeprep's tests (runs as __main__.py of a zip).

  k3s --version               prints the version
  k3s server | agent          behaves like K3s where nodeprep depends on it.

Every behaviour cites the k3s-io/k3s source that shows the real one (paths
relative to that repository). The inconvenient parts are kept on purpose:

- Configuration: config.yaml (or $K3S_CONFIG_FILE), then config.yaml.d/*.yaml
  alphabetically; later files replace a key, "key+" appends
  (pkg/configfilearg/parser.go readConfigFile); flags beat files; a K3S_*
  variable counts only where no file or flag set the flag (urfave/cli EnvVar,
  pkg/cli/cmds/server.go and agent.go list them).
- Node name: node-name / K3S_NODE_NAME, else the hostname, lower-cased
  (pkg/util/net.go GetHostnameAndIPs), "-<id>" with with-node-id, the id kept
  in /etc/rancher/node/id (pkg/agent/config/config.go ensureNodeID).
- Time: the supervisor port answers /ping and /cacerts at once; the
  apiserver behind it answers 503 until it is up (pkg/server/handlers/
  handlers.go APIServer: "apiserver not ready"); READY=1 only after that
  (pkg/cli/server/server.go waits for APIServerReady before notifying;
  pkg/agent/run.go notifies after the node is set up). The node is
  Ready=False until the CNI is up (kubelet NetworkPluginNotReady), Ready=True
  later. A disabled traefik's manifest and objects go on a later loop of the
  deploy controller, not at start (pkg/deploy/controller.go); a fresh start
  never stages it (pkg/deploy/stage.go skips).
- Node objects of real size (nodeobj.py), 32 KB by default.
- Tokens: server/token holds K10<sha256 of the CA>::server:<secret>;
  server/node-token is a symlink to it (pkg/server/server.go printTokens).
- Join: the agent fetches /cacerts without verification, checks the token's
  CA hash (pkg/clientaccess/token.go validateCACerts), then GETs
  /v1-k3s/client-kubelet.crt with basic auth and its node password
  (/etc/rancher/node/password, pkg/agent/config/config.go getNodeNamedCrt,
  ensureNodePassword; pkg/server/handlers/handlers.go ClientKubeletCert; a
  different password for a known node is 403, pkg/nodepassword). The answer
  is the certificate followed by the key. The kubelet then registers its
  Node through the API with that certificate (NodeRestriction: only its own
  name).
- kubelet healthz on 10248, bound to 127.0.0.1, or ::1 when the first
  node-ip is IPv6, or kubelet-arg healthz-bind-address/healthz-port
  (pkg/daemons/agent/agent_linux.go kubeletArgs).
- Leftovers: a containerd-shim-like tree started from data/<hash>/bin in its
  own session, which outlives a stop under KillMode=process, tmpfs mounts
  under /run/k3s and /var/lib/kubelet/pods, a cni-* netns, the cni0 and
  flannel.1 links and KUBE-/CNI-/FLANNEL- iptables chains: what a real node
  has and install.sh's k3s-killall.sh removes.

Tuning for tests: /etc/rancher/k3s/standin.json (see DEFAULTS); the files
standin-fail (exit 1 at start) and standin-hang (never READY=1).
More API routes can be added by a module named standin_*.py next to this
one (packed into the same zip by make-standin.py) that defines
register(route), where route(method, regex, auth) is the decorator below.
"""
import base64
import glob
import hashlib
import http.server
import importlib
import json
import os
import pkgutil
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import nodeobj

try:  # the Kubernetes API part for the OpenFaaS tests (tests/e2e/openfaas/kubeapi.py), when packed in
    import kubeapi
except ImportError:
    kubeapi = None

VERSION = "@VERSION@"
ETC = "/etc/rancher/k3s"
DATA = "/var/lib/rancher/k3s"
NODE_DIR = "/etc/rancher/node"
LIST_KEYS = {"disable", "tls-san", "node-label", "node-taint", "kubelet-arg", "node-ip"}
DEFAULTS = {
    "api_delay": 2.0,           # seconds from start until the apiserver answers
    "node_ready_delay": 3.0,    # seconds from registration until Ready=True
    "traefik_delay": 3.0,       # seconds from API up until a disabled traefik is deleted
    "node_bytes": 32768,        # size of the Node objects served
    "leftovers": True,          # shims, mounts, links, netns, chains
}
# The variables K3s reads for flags (pkg/cli/cmds/server.go, agent.go EnvVar).
ENV_FLAGS = {
    "K3S_URL": "server", "K3S_TOKEN": "token", "K3S_TOKEN_FILE": "token-file",
    "K3S_AGENT_TOKEN": "agent-token", "K3S_KUBECONFIG_MODE": "write-kubeconfig-mode",
    "K3S_NODE_NAME": "node-name", "K3S_DATASTORE_ENDPOINT": "datastore-endpoint",
    "K3S_CLUSTER_INIT": "cluster-init", "K3S_KUBECONFIG_OUTPUT": "write-kubeconfig",
}
STATUS_404 = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "reason": "NotFound", "code": 404}


def log(msg):
    print("standin: " + msg, flush=True)


def tuning():
    t = dict(DEFAULTS)
    try:
        with open(ETC + "/standin.json") as f:
            t.update(json.load(f))
    except FileNotFoundError:
        pass
    return t


# ---------------------------------------------------------------- config

def parse_yaml(text):
    try:
        import yaml
        return yaml.safe_load(text) or {}
    except ImportError:
        pass
    # Without PyYAML: "key: scalar", "key: [a, b]" and block lists "- a".
    out, last = {}, None
    for line in text.splitlines():
        line = line.split(" #")[0].rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        if line.lstrip().startswith("- ") and last:
            if not isinstance(out[last], list):
                out[last] = []
            out[last].append(line.lstrip()[2:].strip().strip('"\''))
            continue
        if ":" not in line or line.startswith(" "):
            continue
        k, v = line.split(":", 1)
        k, v = k.strip(), v.strip()
        last = k
        if v.startswith("[") and v.endswith("]"):
            out[k] = [x.strip().strip('"\'') for x in v[1:-1].split(",") if x.strip()]
        elif v in ("true", "false"):
            out[k] = v == "true"
        elif v == "":
            out[k] = None
        else:
            out[k] = v.strip('"\'')
    return out


def config_files():
    main = os.environ.get("K3S_CONFIG_FILE") or ETC + "/config.yaml"
    files = [main] if os.path.exists(main) else []
    files += sorted(glob.glob(main + ".d/*.yaml") + glob.glob(main + ".d/*.yml"))
    return files


def merged_config(argv):
    cfg = {}
    files = config_files()
    for f in files:
        with open(f) as fh:
            for k, v in parse_yaml(fh.read()).items():
                if k.endswith("+"):
                    k = k[:-1]
                    old = cfg.get(k, [])
                    cfg[k] = (old if isinstance(old, list) else [old]) + (v if isinstance(v, list) else [v])
                else:
                    cfg[k] = v
    # Flags beat the files; a flag list replaces the file's list.
    flags = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            k, eq, v = a[2:].partition("=")
            if not eq:
                if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                    v = argv[i + 1]
                    i += 1
                else:
                    v = True
            if k in LIST_KEYS:
                flags.setdefault(k, []).extend(str(v).split(","))
            else:
                flags[k] = v
        i += 1
    cfg.update(flags)
    for var, key in ENV_FLAGS.items():
        if key not in cfg and os.environ.get(var):
            cfg[key] = os.environ[var]
    for k in LIST_KEYS:
        if k in cfg and not isinstance(cfg[k], list):
            cfg[k] = [x for x in str(cfg[k]).split(",") if x]
    return cfg, files


def node_name(cfg):
    name = str(cfg.get("node-name") or socket.gethostname()).lower()
    if cfg.get("with-node-id") in (True, "true"):
        os.makedirs(NODE_DIR, exist_ok=True)
        p = NODE_DIR + "/id"
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.write(os.urandom(4).hex() + "\n")
        with open(p) as f:
            name += "-" + f.read().strip()
    return name


def kubelet_arg(cfg, name):
    found = None
    for a in cfg.get("kubelet-arg", []):
        k, _, v = a.lstrip("-").partition("=")
        if k == name:
            found = v
    return found


def healthz_address(cfg):
    addr = kubelet_arg(cfg, "healthz-bind-address")
    port = int(kubelet_arg(cfg, "healthz-port") or 10248)
    if not addr:
        ips = cfg.get("node-ip") or []
        first = ips[0].split(",")[0] if ips else ""
        addr = "::1" if ":" in first else "127.0.0.1"
    return addr, port


def read_token(cfg):
    if cfg.get("token-file"):
        with open(cfg["token-file"]) as f:
            return f.read().strip()
    return str(cfg.get("token") or "")


def split_token(token):
    """K10<ca hash>::<user>:<secret>, or a bare secret (user "node")."""
    if token.startswith("K10") and "::" in token:
        ca_hash, _, creds = token[3:].partition("::")
        user, _, secret = creds.rpartition(":")
        return ca_hash, user or "node", secret
    return None, "node", token


# ---------------------------------------------------------------- systemd

def notify(state):
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(addr)
    s.send(state.encode())
    s.close()


# ---------------------------------------------------------------- certificates

def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    if not os.path.exists(d + "/%s.crt" % name):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", d + "/%s.key" % name, "-out", d + "/%s.crt" % name, "-days", "3650",
                "-subj", "/CN=k3s-%s@standin" % name)


def make_cert(d, ca, name, cn, sans=None, outdir=None, org=None):
    outdir = outdir or d
    key, csr, crt = outdir + "/%s.key" % name, outdir + "/%s.csr" % name, outdir + "/%s.crt" % name
    subj = "/CN=%s" % cn + ("/O=%s" % org if org else "")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", csr, "-subj", subj)
    ext = outdir + "/%s.ext" % name
    with open(ext, "w") as f:
        f.write("subjectAltName=" + ",".join(sans) + "\n" if sans else "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", d + "/%s.crt" % ca, "-CAkey", d + "/%s.key" % ca,
            "-CAcreateserial", "-out", crt, "-days", "3650", "-extfile", ext)
    os.unlink(csr)
    os.unlink(ext)
    os.chmod(key, 0o600)
    return crt, key


# ---------------------------------------------------------------- routes

ROUTES = []     # (method, compiled regex, auth, handler(server, req, match))


def route(method, pattern, auth):
    """auth: "none" (supervisor, anonymous), "node" (basic auth with the
    token, pkg/server/auth), "api" (client certificate of the client CA,
    anonymous-auth=false: pkg/daemons/control/server.go; 503 until up)."""
    def deco(f):
        ROUTES.append((method, re.compile(pattern + "$"), auth, f))
        return f
    return deco


def load_route_modules():
    seen = set()
    for m in pkgutil.iter_modules(sys.path[:1]):
        if m.name.startswith("standin_") and m.name not in seen:
            seen.add(m.name)
            importlib.import_module(m.name).register(route)


@route("GET", "/ping", "none")
def r_ping(srv, req, m):
    return req.reply(200, "pong")       # pkg/server/handlers/handlers.go Ping


@route("GET", "/cacerts", "none")
def r_cacerts(srv, req, m):
    return req.reply(200, srv.ca_pem)   # handlers.go CACerts: the server CA bundle


@route("GET", "/(readyz|livez|healthz)", "api")
def r_health(srv, req, m):
    return req.reply(200, "ok")


@route("GET", "/api/v1/nodes/([^/]+)", "api")
def r_node(srv, req, m):
    with srv.lock:
        since = srv.nodes.get(m.group(1), {}).get("registered")
    if since is None:
        return req.json(404, dict(STATUS_404, message='nodes "%s" not found' % m.group(1)))
    ready = time.time() - since >= srv.tuning["node_ready_delay"]
    return req.reply(200, nodeobj.node(m.group(1), ready, int(srv.tuning["node_bytes"]), VERSION),
                     "application/json")


@route("POST", "/api/v1/nodes", "api")
def r_register(srv, req, m):
    # The kubelet registers itself; NodeRestriction allows only its own name.
    try:
        name = json.loads(req.body)["metadata"]["name"]
    except (ValueError, KeyError, TypeError):
        return req.json(400, {"kind": "Status", "code": 400, "reason": "BadRequest"})
    if req.client_cn() != "system:node:" + name:
        return req.json(403, {"kind": "Status", "code": 403, "reason": "Forbidden"})
    srv.register(name)
    return req.json(201, {"kind": "Node", "apiVersion": "v1", "metadata": {"name": name}})


@route("GET", "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/traefik", "api")
def r_helmchart(srv, req, m):
    return srv.addon_object(req, "HelmChart")


@route("GET", "/apis/apps/v1/namespaces/kube-system/deployments/traefik", "api")
def r_deployment(srv, req, m):
    return srv.addon_object(req, "Deployment")


@route("GET", "/v1-k3s/client-kubelet.crt", "node")
def r_client_kubelet(srv, req, m):
    name = req.headers.get("K3s-Node-Name")
    password = req.headers.get("K3s-Node-Password")
    if not name or not password:
        return req.reply(400, "missing node name or password")
    with srv.lock:
        known = srv.passwords.get(name)
        if known and known != hashlib.sha256(password.encode()).hexdigest():
            return req.reply(403, "Forbidden")
        srv.passwords[name] = hashlib.sha256(password.encode()).hexdigest()
    d = DATA + "/server/standin-issued"
    os.makedirs(d, mode=0o700, exist_ok=True)
    crt, key = make_cert(srv.tls, "client-ca", "kubelet-" + name, "system:node:" + name, outdir=d,
                         org="system:nodes")
    with open(crt, "rb") as a, open(key, "rb") as b:
        body = a.read() + b.read()
    return req.reply(200, body, "application/octet-stream")


class Request(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    srv = None

    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def json(self, code, obj):
        return self.reply(code, json.dumps(obj), "application/json")

    def client_cn(self):
        for rdn in (self.connection.getpeercert() or {}).get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def basic_auth(self):
        auth = self.headers.get("Authorization", "")
        try:
            user, _, pw = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
            return user, pw
        except (IndexError, ValueError):
            return None, None

    def dispatch(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(min(n, 1 << 20))
        path = self.path.split("?")[0]
        for meth, rx, auth, handler in ROUTES:
            m = rx.match(path)
            if not m or meth != method:
                continue
            if auth == "node":
                user, pw = self.basic_auth()
                if pw != self.srv.secret:
                    return self.reply(401, "Unauthorized")
            if auth == "api":
                if not self.client_cn():
                    return self.json(401, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                           "status": "Failure", "message": "Unauthorized",
                                           "reason": "Unauthorized", "code": 401})
                if not self.srv.api_up():
                    return self.reply(503, "apiserver not ready")
            return handler(self.srv, self, m)
        if not self.srv.api_up():
            return self.reply(503, "apiserver not ready")
        return self.json(404, STATUS_404)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")


# ---------------------------------------------------------------- server

class Server:
    def __init__(self, cfg, t):
        self.cfg = cfg
        self.tuning = t
        self.tls = DATA + "/server/tls"
        self.name = node_name(cfg)
        self.nodes = {}
        self.passwords = {}
        self.lock = threading.Lock()
        self.started = time.time()

    def api_up(self):
        return time.time() - self.started >= self.tuning["api_delay"]

    def register(self, name):
        with self.lock:
            self.nodes.setdefault(name, {"registered": time.time()})

    def addon_object(self, req, kind):
        if os.path.exists(DATA + "/server/manifests/traefik.yaml"):
            return req.json(200, {"kind": kind, "metadata": {"name": "traefik", "namespace": "kube-system"}})
        return req.json(404, STATUS_404)

    def setup(self):
        os.makedirs(self.tls, mode=0o700, exist_ok=True)
        make_ca(self.tls, "server-ca")
        make_ca(self.tls, "client-ca")
        sans = ["IP:127.0.0.1", "IP:::1", "DNS:localhost", "DNS:" + self.name]
        for s in self.cfg.get("tls-san", []):
            sans.append(("IP:" if s.replace(".", "").isdigit() or ":" in s else "DNS:") + s)
        for ip in self.cfg.get("node-ip", []):
            sans += ["IP:" + x for x in ip.split(",")]
        make_cert(self.tls, "server-ca", "serving-kube-apiserver", "kube-apiserver", sans)
        make_cert(self.tls, "client-ca", "client-admin", "system:admin", org="system:masters")
        with open(self.tls + "/server-ca.crt") as f:
            self.ca_pem = f.read()
        _, _, secret = split_token(read_token(self.cfg))
        self.secret = secret or hashlib.sha256(os.urandom(16)).hexdigest()[:32]
        token = "K10%s::server:%s" % (hashlib.sha256(self.ca_pem.encode()).hexdigest(), self.secret)
        tok = DATA + "/server/token"
        with open(os.open(tok, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(token + "\n")
        os.chmod(tok, 0o600)
        # node-token is a symlink to token (pkg/server/server.go printTokens).
        nt = DATA + "/server/node-token"
        if os.path.lexists(nt):
            os.unlink(nt)
        os.symlink(tok, nt)
        os.makedirs(DATA + "/server/manifests", exist_ok=True)
        if "traefik" not in self.cfg.get("disable", []):
            with open(DATA + "/server/manifests/traefik.yaml", "w") as f:
                f.write("# traefik HelmChart (stand-in)\n")
        mode = int(str(self.cfg.get("write-kubeconfig-mode") or "0600"), 8)
        kc = self.cfg.get("write-kubeconfig") or ETC + "/k3s.yaml"
        with open(kc, "w") as f:
            f.write("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
                    "    server: https://127.0.0.1:6443\n  name: default\n"
                    % base64.b64encode(self.ca_pem.encode()).decode())
        os.chmod(kc, mode)

    def deploy_loop(self):
        """The deploy controller: once the API is up, a disabled AddOn's
        manifest and objects are deleted on a later pass."""
        while not self.api_up():
            time.sleep(0.2)
        time.sleep(self.tuning["traefik_delay"])
        if "traefik" in self.cfg.get("disable", []):
            try:
                os.unlink(DATA + "/server/manifests/traefik.yaml")
                log("deploy: removed disabled traefik")
            except FileNotFoundError:
                pass

    def serve(self):
        Request.srv = self
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls + "/serving-kube-apiserver.crt", self.tls + "/serving-kube-apiserver.key")
        ctx.load_verify_locations(self.tls + "/client-ca.crt")
        ctx.verify_mode = ssl.CERT_OPTIONAL

        class Dual(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6
            daemon_threads = True

            def server_bind(self):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                super().server_bind()

        handler = kubeapi.extend(Request, self) if kubeapi else Request
        try:
            httpd = Dual(("::", 6443), handler)
        except OSError:        # no IPv6 on this node
            httpd = http.server.ThreadingHTTPServer(("0.0.0.0", 6443), handler)
            httpd.daemon_threads = True
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        threading.Thread(target=self.deploy_loop, daemon=True).start()

    def wait_api_and_register_self(self):
        while not self.api_up():
            time.sleep(0.1)
        self.register(self.name)


# ---------------------------------------------------------------- agent

def kubelet_healthz(cfg):
    addr, port = healthz_address(cfg)

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = b"ok" if self.path == "/healthz" else b"not found"
            self.send_response(200 if self.path == "/healthz" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class S(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        daemon_threads = True

    httpd = S((addr, port), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    log("kubelet healthz on %s port %d" % (addr, port))


def node_password():
    os.makedirs(NODE_DIR, exist_ok=True)
    p = NODE_DIR + "/password"
    if not os.path.exists(p):
        with open(os.open(p, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(os.urandom(16).hex() + "\n")
    with open(p) as f:
        return f.read().strip()


def agent_join(cfg):
    server = cfg.get("server")
    token = read_token(cfg)
    if not server or not token:
        raise SystemExit("standin: agent needs server and a token")
    ca_hash, user, secret = split_token(token)
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    while True:
        try:
            ca = urllib.request.urlopen(server + "/cacerts", context=insecure, timeout=5).read()
            break
        except OSError as e:
            log("waiting for %s: %s" % (server, e))
            time.sleep(1)
    if ca_hash and hashlib.sha256(ca).hexdigest() != ca_hash:
        raise SystemExit("standin: token CA hash does not match the Cluster CA certificate hash")
    d = DATA + "/agent"
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(d + "/server-ca.crt", "wb") as f:
        f.write(ca)
    ctx = ssl.create_default_context(cafile=d + "/server-ca.crt")
    ctx.check_hostname = False
    name = node_name(cfg)
    req = urllib.request.Request(server + "/v1-k3s/client-kubelet.crt", headers={
        "Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode(),
        "K3s-Node-Name": name, "K3s-Node-Password": node_password()})
    pem = urllib.request.urlopen(req, context=ctx, timeout=10).read().decode()
    cert = "".join(re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", pem, re.S))
    key = "".join(re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\n?", pem, re.S))
    if not cert or not key:
        raise SystemExit("standin: client-kubelet.crt answer holds no certificate and key")
    for fname, body in (("client-kubelet.crt", cert), ("client-kubelet.key", key)):
        with open(os.open(d + "/" + fname, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(body)
    ctx.load_cert_chain(d + "/client-kubelet.crt", d + "/client-kubelet.key")
    body = json.dumps({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name}}).encode()
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(server + "/api/v1/nodes", data=body, headers={
                "Content-Type": "application/json"}), context=ctx, timeout=10).read()
            break
        except urllib.error.HTTPError as e:
            if e.code != 503:
                raise SystemExit("standin: node registration: HTTP %d" % e.code)
            time.sleep(0.5)
    log("joined %s as %s" % (server, name))


# ---------------------------------------------------------------- leftovers

SHIM = """#!/bin/sh
# containerd-shim stand-in: a pause child, and it outlives k3s.service's
# main process under KillMode=process like the real shims do.
sleep 2147483647 &
wait
"""


def run_quiet(*cmd):
    try:
        return subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def make_leftovers():
    """What a running K3s leaves behind when its unit stops."""
    bindir = DATA + "/data/%s/bin" % hashlib.sha256(VERSION.encode()).hexdigest()[:16]
    os.makedirs(bindir, exist_ok=True)
    shim = bindir + "/containerd-shim-runc-v2"
    with open(shim, "w") as f:
        f.write(SHIM)
    os.chmod(shim, 0o755)
    cid = hashlib.sha256(b"pause" + os.urandom(8)).hexdigest()
    subprocess.Popen(["/bin/sh", shim, "-namespace", "k8s.io", "-id", cid, "-address",
                      "/run/k3s/containerd/containerd.sock"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = ["shim"]
    for mnt in ("/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/%s/rootfs" % cid,
                "/var/lib/kubelet/pods/%s/volumes/kubernetes.io~empty-dir/cache" % cid[:32]):
        os.makedirs(mnt, exist_ok=True)
        if run_quiet("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt):
            done.append("mount " + mnt)
    ns = "cni-%s-%s" % (cid[:8], cid[8:12])
    if run_quiet("ip", "netns", "add", ns):
        done.append("netns " + ns)
    if run_quiet("ip", "link", "add", "cni0", "type", "bridge"):
        done.append("cni0")
    # A pod's veth, enslaved to cni0 (install.sh removes "master cni0" links).
    veth = "veth" + cid[:8]
    if run_quiet("ip", "link", "add", veth, "type", "veth", "peer", "name", "p" + cid[:8]) and \
            run_quiet("ip", "link", "set", veth, "master", "cni0"):
        done.append(veth)
    # flannel.1 is a VXLAN device; kernels without vxlan or dummy get a bridge of that name.
    for kind in (["vxlan", "id", "1", "dstport", "8472", "dev", "lo"], ["dummy"], ["bridge"]):
        if run_quiet("ip", "link", "add", "flannel.1", "type", *kind):
            done.append("flannel.1 (%s)" % kind[0])
            break
    if shutil.which("iptables"):
        for table, chain, parent in (("filter", "KUBE-FIREWALL", "INPUT"), ("filter", "CNI-FORWARD", "FORWARD"),
                                     ("filter", "FLANNEL-FWD", "FORWARD"), ("nat", "KUBE-SERVICES", "PREROUTING"),
                                     ("nat", "FLANNEL-POSTRTG", "POSTROUTING")):
            if run_quiet("iptables", "-t", table, "-N", chain) and \
                    run_quiet("iptables", "-t", table, "-A", parent, "-j", chain):
                done.append(chain)
    log("leftovers: " + ", ".join(done))


# ---------------------------------------------------------------- main

def main():
    prog = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if prog in ("kubectl", "crictl", "ctr"):
        print("%s (k3s stand-in %s)" % (prog, VERSION))
        return 0
    if not args or args[0] in ("--version", "-v", "version"):
        print("k3s version %s (stand-in)\ngo version go1.22 (none)" % VERSION)
        return 0
    mode = args[0]
    if mode not in ("server", "agent"):
        print("stand-in: unknown command %s" % mode, file=sys.stderr)
        return 1
    if os.path.exists(ETC + "/standin-fail"):
        log("failing on purpose (standin-fail present)")
        return 1
    if os.path.exists(ETC + "/standin-hang"):
        log("never ready on purpose (standin-hang present)")
        while True:
            time.sleep(3600)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    t = tuning()
    cfg, files = merged_config(args[1:])
    os.makedirs(DATA + "/server", exist_ok=True)
    os.makedirs(ETC, exist_ok=True)
    load_route_modules()
    with open(DATA + "/standin-config.json", "w") as f:
        json.dump({"mode": mode, "version": VERSION, "argv": args, "files": files, "config": cfg,
                   "node_name": node_name(cfg), "tuning": t,
                   "nofile": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0]}, f,
                  indent=1, sort_keys=True)
    os.chmod(DATA + "/standin-config.json", 0o600)
    log("%s %s starting, node %s, config keys %s" % (mode, VERSION, node_name(cfg), sorted(cfg)))
    if mode == "server":
        s = Server(cfg, t)
        s.setup()
        s.serve()
        s.wait_api_and_register_self()
        log("apiserver up")
    else:
        agent_join(cfg)
    kubelet_healthz(cfg)
    if t["leftovers"]:
        make_leftovers()
    notify("READY=1\nSTATUS=stand-in %s running" % mode)
    log("ready")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
