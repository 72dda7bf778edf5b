"""A provisioner stand-in for --report-url: stores every POSTed body as
DIR/N.json and answers 204. Usage: report-sink.py PORT DIR"""
import http.server
import os
import sys

port, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        path = os.path.join(out, "%d.json" % len(os.listdir(out)))
        with open(path, "wb") as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()


http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
