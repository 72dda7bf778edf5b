"""K3s stand-in for nodeprep's tests (runs as __main__.py of a zip).

  k3s --version               prints the version
  k3s server | agent          like K3s: reads /etc/rancher/k3s/config.yaml and
                              config.yaml.d/*.yaml (alphabetical, last wins,
                              "key+" appends), then flags; writes server/tls,
                              token files and k3s.yaml; serves /ping, /cacerts,
                              /readyz and the node API (client certificate
                              required) on 6443 and kubelet healthz on 10248;
                              tells systemd READY=1 via NOTIFY_SOCKET.
The merged configuration is recorded in DATA/standin-config.json.
If /etc/rancher/k3s/standin-fail exists it exits 1 at start, and with\nstandin-hang it never sends READY=1 (failure tests).
"""
import base64
import glob
import hashlib
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

try:  # the Kubernetes API part for the OpenFaaS tests (tests/e2e/openfaas/kubeapi.py), when packed in
    import kubeapi
except ImportError:
    kubeapi = None

VERSION = "@VERSION@"
ETC = "/etc/rancher/k3s"
DATA = "/var/lib/rancher/k3s"
LIST_KEYS = {"disable", "tls-san", "node-label", "node-taint"}


def log(msg):
    print("standin: " + msg, flush=True)


def parse_yaml(text):
    try:
        import yaml
        return yaml.safe_load(text) or {}
    except ImportError:
        pass
    # The subset nodeprep writes: "key: scalar" and "key: [a, b]".
    out = {}
    for line in text.splitlines():
        line = line.split(" #")[0].rstrip()
        if not line or line.startswith("#") or ":" not in line or line.startswith(" "):
            continue
        k, v = line.split(":", 1)
        v = v.strip()
        if v.startswith("[") and v.endswith("]"):
            out[k.strip()] = [x.strip().strip('"\'') for x in v[1:-1].split(",") if x.strip()]
        elif v in ("true", "false"):
            out[k.strip()] = v == "true"
        else:
            out[k.strip()] = v.strip('"\'')
    return out


def merged_config(argv):
    files = []
    if os.path.exists(ETC + "/config.yaml"):
        files.append(ETC + "/config.yaml")
    files += sorted(glob.glob(ETC + "/config.yaml.d/*.yaml"))
    cfg = {}
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
            k, _, v = a[2:].partition("=")
            if not _:
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
    for k in LIST_KEYS:
        if k in cfg and not isinstance(cfg[k], list):
            cfg[k] = [x for x in str(cfg[k]).split(",") if x]
    return cfg, files


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


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    if not os.path.exists(d + "/%s.crt" % name):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", d + "/%s.key" % name, "-out", d + "/%s.crt" % name, "-days", "3650",
                "-subj", "/CN=k3s-%s@standin" % name)


def make_cert(d, ca, name, cn, sans=None, outdir=None):
    outdir = outdir or d
    key, csr, crt = outdir + "/%s.key" % name, outdir + "/%s.csr" % name, outdir + "/%s.crt" % name
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", csr, "-subj", "/CN=%s" % cn)
    ext = outdir + "/%s.ext" % name
    with open(ext, "w") as f:
        if sans:
            f.write("subjectAltName=" + ",".join(sans) + "\n")
        else:
            f.write("extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", d + "/%s.crt" % ca, "-CAkey", d + "/%s.key" % ca,
            "-CAcreateserial", "-out", crt, "-days", "3650", "-extfile", ext)
    os.unlink(csr)
    os.unlink(ext)
    os.chmod(key, 0o600)
    return crt, key


def node_name():
    return socket.gethostname().lower()


class Server:
    def __init__(self, cfg):
        self.cfg = cfg
        self.tls = DATA + "/server/tls"
        self.nodes = {node_name()}
        self.lock = threading.Lock()

    def setup(self):
        os.makedirs(self.tls, mode=0o700, exist_ok=True)
        make_ca(self.tls, "server-ca")
        make_ca(self.tls, "client-ca")
        sans = ["IP:127.0.0.1", "DNS:localhost", "DNS:" + node_name()]
        for s in self.cfg.get("tls-san", []):
            sans.append(("IP:" if s.replace(".", "").isdigit() else "DNS:") + s)
        if self.cfg.get("node-ip"):
            sans.append("IP:" + self.cfg["node-ip"])
        make_cert(self.tls, "server-ca", "serving-kube-apiserver", "kube-apiserver", sans)
        make_cert(self.tls, "client-ca", "client-admin", "system:admin")
        with open(self.tls + "/server-ca.crt") as f:
            ca_pem = f.read()
        self.ca_pem = ca_pem
        secret = None
        tf = self.cfg.get("token-file")
        if tf:
            with open(tf) as f:
                secret = f.read().strip()
        elif self.cfg.get("token"):
            secret = self.cfg["token"]
        if secret and "::" in secret:
            secret = secret.split("::", 1)[1].split(":")[-1]
        if not secret:
            secret = hashlib.sha256(os.urandom(16)).hexdigest()[:32]
        self.secret = secret
        token = "K10%s::server:%s" % (hashlib.sha256(ca_pem.encode()).hexdigest(), secret)
        for n in ("token", "node-token"):
            p = DATA + "/server/" + n
            with open(p, "w") as f:
                f.write(token + "\n")
            os.chmod(p, 0o600)
        os.makedirs(DATA + "/server/manifests", exist_ok=True)
        if "traefik" not in self.cfg.get("disable", []):
            with open(DATA + "/server/manifests/traefik.yaml", "w") as f:
                f.write("# traefik HelmChart (stand-in)\n")
        elif os.path.exists(DATA + "/server/manifests/traefik.yaml"):
            os.unlink(DATA + "/server/manifests/traefik.yaml")
        mode = int(str(self.cfg.get("write-kubeconfig-mode", "0600")), 8)
        kc = ETC + "/k3s.yaml"
        with open(kc, "w") as f:
            f.write("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
                    "    server: https://127.0.0.1:6443\n  name: default\n"
                    % base64.b64encode(ca_pem.encode()).decode())
        os.chmod(kc, mode)

    def serve(self):
        srv = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body, ctype="text/plain"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def client_cn(self):
                cert = self.connection.getpeercert()
                if not cert:
                    return None
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            return v
                return None

            def do_GET(self):
                p = self.path.split("?")[0]
                if p == "/ping":
                    return self.reply(200, "pong")
                if p == "/cacerts":
                    return self.reply(200, srv.ca_pem)
                if p == "/v1-k3s/client-kubelet":
                    return self.issue_kubelet()
                cn = self.client_cn()
                if not cn:
                    return self.reply(401, '{"kind":"Status","code":401,"message":"Unauthorized"}',
                                      "application/json")
                if p in ("/readyz", "/livez", "/healthz"):
                    return self.reply(200, "ok")
                if p.startswith("/api/v1/nodes/"):
                    name = p.rsplit("/", 1)[1]
                    with srv.lock:
                        known = name in srv.nodes
                    if not known:
                        return self.reply(404, '{"kind":"Status","code":404}', "application/json")
                    node = {"kind": "Node", "metadata": {"name": name},
                            "status": {"conditions": [
                                {"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "True", "reason": "KubeletReady"}]}}
                    return self.reply(200, json.dumps(node), "application/json")
                if p.endswith("/helmcharts/traefik") or p.endswith("/deployments/traefik"):
                    if "traefik" in srv.cfg.get("disable", []):
                        return self.reply(404, '{"kind":"Status","code":404}', "application/json")
                    return self.reply(200, '{"kind":"HelmChart","metadata":{"name":"traefik"}}', "application/json")
                return self.reply(404, '{"kind":"Status","code":404}', "application/json")

            def do_POST(self):
                p = self.path.split("?")[0]
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                if p.startswith("/v1-k3s/register/") and self.client_cn():
                    with srv.lock:
                        srv.nodes.add(p.rsplit("/", 1)[1])
                    return self.reply(200, "registered")
                return self.reply(401, "Unauthorized")

            def issue_kubelet(self):
                auth = self.headers.get("Authorization", "")
                try:
                    user, _, pw = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
                except Exception:
                    return self.reply(401, "Unauthorized")
                if pw != srv.secret:
                    return self.reply(401, "Unauthorized")
                name = self.headers.get("X-Node-Name", "agent")
                d = "/run/k3s-standin-issue"
                os.makedirs(d, exist_ok=True)
                crt, key = make_cert(srv.tls, "client-ca", "kubelet-" + name, "system:node:" + name, outdir=d)
                with open(crt) as a, open(key) as b:
                    body = json.dumps({"cert": a.read(), "key": b.read()})
                return self.reply(200, body, "application/json")

        H = kubeapi.extend(H, srv) if kubeapi else H
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls + "/serving-kube-apiserver.crt", self.tls + "/serving-kube-apiserver.key")
        ctx.load_verify_locations(self.tls + "/client-ca.crt")
        ctx.verify_mode = ssl.CERT_OPTIONAL
        httpd = http.server.ThreadingHTTPServer(("0.0.0.0", 6443), H)
        httpd.daemon_threads = True
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()


def kubelet_healthz():
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = b"ok" if self.path == "/healthz" else b"not found"
            self.send_response(200 if self.path == "/healthz" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 10248), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()


def agent_join(cfg):
    server = cfg.get("server")
    tf = cfg.get("token-file")
    if not server or not tf:
        raise SystemExit("standin: agent needs server and token-file")
    with open(tf) as f:
        token = f.read().strip()
    ca_hash, _, rest = token.partition("::")
    secret = rest.split(":")[-1] if rest else token
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
    # The secure token pins the CA, as K3s checks it before sending credentials.
    if ca_hash.startswith("K10") and hashlib.sha256(ca).hexdigest() != ca_hash[3:]:
        raise SystemExit("standin: server CA does not match the token")
    d = DATA + "/agent"
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(d + "/server-ca.crt", "wb") as f:
        f.write(ca)
    ctx = ssl.create_default_context(cafile=d + "/server-ca.crt")
    ctx.check_hostname = False
    req = urllib.request.Request(server + "/v1-k3s/client-kubelet", headers={
        "Authorization": "Basic " + base64.b64encode(("node:" + secret).encode()).decode(),
        "X-Node-Name": node_name()})
    body = json.loads(urllib.request.urlopen(req, context=ctx, timeout=10).read())
    for name, key in (("client-kubelet.crt", "cert"), ("client-kubelet.key", "key")):
        with open(d + "/" + name, "w") as f:
            f.write(body[key])
        os.chmod(d + "/" + name, 0o600)
    ctx.load_cert_chain(d + "/client-kubelet.crt", d + "/client-kubelet.key")
    urllib.request.urlopen(urllib.request.Request(server + "/v1-k3s/register/" + node_name(), data=b"{}"),
                           context=ctx, timeout=10).read()
    log("joined %s as %s" % (server, node_name()))


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
    cfg, files = merged_config(args[1:])
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(ETC, exist_ok=True)
    with open(DATA + "/standin-config.json", "w") as f:
        json.dump({"mode": mode, "version": VERSION, "argv": args, "files": files, "config": cfg,
                   "nofile": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0]}, f,
                  indent=1, sort_keys=True)
    log("%s %s starting with %s" % (mode, VERSION, json.dumps(cfg, sort_keys=True)
                                   .replace(str(cfg.get("token", "")) or "\0", "***")))
    if mode == "server":
        s = Server(cfg)
        s.setup()
        s.serve()
    else:
        agent_join(cfg)
    kubelet_healthz()
    notify("READY=1\nSTATUS=stand-in %s running" % mode)
    log("ready")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
