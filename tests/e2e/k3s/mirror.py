#!/usr/bin/env python3
"""Loopback K3s release mirror for tests, with fault injection.

Serves the layout nodeprep expects:
  GET /channels/<channel>                    302 -> .../releases/tag/<version>
  GET /releases/download/<version>/<asset>   files from --dir (Range supported)
and a control endpoint:
  GET /_control/fault/<name>                 set the fault (none to clear)
  GET /_control/requests                     request log (one line each)

Faults: channel-503, channel-200, 404, truncated, reset, reset-once, slow,
wrong-hash, missing-hash-line, other-arch, huge (declares 10 GB, sends on
while read), drip (2 KB/s, never stalls long enough for a low-speed abort).
Usage: mirror.py --dir DIR --version V --port-file FILE
"""
import argparse
import hashlib
import http.server
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse


class State:
    fault = "none"
    resets_done = 0
    reset_fds = set()
    log = []
    lock = threading.Lock()


def make_handler(root, version):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            with State.lock:
                State.log.append("%s %s" % (self.command, self.path))

        def send_text(self, code, body, headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            parts = [p for p in path.split("/") if p]
            if parts[:2] == ["_control", "fault"] and len(parts) == 3:
                State.fault = parts[2]
                State.resets_done = 0
                return self.send_text(200, "fault %s\n" % State.fault)
            if parts[:2] == ["_control", "requests"]:
                with State.lock:
                    text = "".join(l + "\n" for l in State.log)
                return self.send_text(200, text)
            if len(parts) == 2 and parts[0] == "channels":
                return self.channel(parts[1])
            if len(parts) == 4 and parts[:2] == ["releases", "download"]:
                return self.asset(urllib.parse.unquote(parts[2]), parts[3], parts[2])
            return self.send_text(404, "not found\n")

        def channel(self, name):
            if State.fault == "channel-503":
                return self.send_text(503, "Service Unavailable\n")
            if State.fault == "channel-200":
                return self.send_text(200, "<html>stable</html>\n")
            loc = "https://github.com/k3s-io/k3s/releases/tag/" + version.replace("+", "%2B")
            return self.send_text(302, "", [("Location", loc)])

        def hash_file(self, asset):
            # The real sha256sum file lists the binary and the image tarballs.
            lines = []
            for name in sorted(os.listdir(root)):
                if name.startswith("sha256sum-"):
                    continue
                with open(os.path.join(root, name), "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                if State.fault == "wrong-hash" and name == "k3s":
                    h = "0" * 64
                if State.fault == "missing-hash-line" and name == "k3s":
                    continue
                if State.fault == "other-arch" and name == "k3s":
                    name = "k3s-arm64"
                lines.append("%s  %s\n" % (h, name))
            return "".join(lines)

        def asset(self, ver, asset, raw):
            if ver != version or "+" in raw:
                return self.send_text(404, "no such release (want %2B-encoded version)\n")
            if asset.startswith("sha256sum-"):
                return self.send_text(200, self.hash_file(asset))
            if State.fault == "404":
                return self.send_text(404, "Not Found\n")
            p = os.path.join(root, asset)
            if not os.path.isfile(p):
                return self.send_text(404, "Not Found\n")
            with open(p, "rb") as f:
                data = f.read()
            start = 0
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                if start >= len(data):
                    return self.send_text(416, "")
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            else:
                self.send_response(200)
            body = data[start:]
            if State.fault == "huge":
                # A mirror that declares 10 GB and keeps sending.
                self.send_header("Content-Length", str(10 << 30))
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(b"\0" * 65536)
                except OSError:
                    return
            if State.fault == "drip":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(0, len(body), 2048):
                    try:
                        self.wfile.write(body[i:i + 2048])
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(1)
                return
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            fault = State.fault
            if fault == "truncated":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault == "reset" or (fault == "reset-once" and State.resets_done == 0):
                State.resets_done += 1
                self.wfile.write(body[: len(body) // 3])
                self.wfile.flush()
                # SO_LINGER 0: close sends RST, a real reset mid-stream.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                State.reset_fds.add(self.connection.fileno())
                self.close_connection = True
                return
            if fault == "slow":
                for i in range(0, len(body), 100):
                    try:
                        self.wfile.write(body[i:i + 100])
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(1)
                return
            try:
                self.wfile.write(body)
            except OSError:
                pass

    return H


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def shutdown_request(self, request):
        # No FIN first for a reset: close with SO_LINGER 0 sends RST.
        if request.fileno() in State.reset_fds:
            State.reset_fds.discard(request.fileno())
            request.close()
            return
        super().shutdown_request(request)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--fault", default="none")
    a = ap.parse_args()
    State.fault = a.fault
    srv = Server((a.bind, 0), make_handler(a.dir, a.version))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
