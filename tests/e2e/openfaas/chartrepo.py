#!/usr/bin/env python3
"""A loopback Helm chart repository for nodeprep's OpenFaaS tests.

  chartrepo.py --dir D [--version 15.0.6] [--bad-digest] [--port-file F]

Writes D/openfaas-VERSION.tgz (a small chart of our own: the real one may not
be redistributed, faas-netes LICENSE / CE EULA) and D/index.yaml in the shape
`helm repo index` writes (helm pkg/repo/index.go: apiVersion, entries.NAME[]
with version, digest = sha256 of the .tgz, urls relative to the repository,
generated). With --port-file it then serves D on 127.0.0.1 (an ephemeral
port, written to F) until killed.
"""
import argparse
import functools
import gzip
import hashlib
import http.server
import io
import os
import tarfile

CHART_YAML = """apiVersion: v2
name: openfaas
description: stand-in chart for nodeprep tests (not OpenFaaS)
version: {v}
"""
VALUES_YAML = """functionNamespace: openfaas-fn
generateBasicAuth: true
gateway:
  directFunctions: false
  upstreamTimeout: 1m
  readTimeout: 1m05s
  writeTimeout: 1m05s
"""


def make_chart(version):
    buf = io.BytesIO()
    # gzip's header carries a time: fixed (as the members' mtime), so the
    # chart and its digest are the same bytes every run (tests/golden).
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=1700000000) as gz, tarfile.open(fileobj=gz, mode="w") as tf:
        for name, text in (("Chart.yaml", CHART_YAML.format(v=version)), ("values.yaml", VALUES_YAML)):
            data = text.encode()
            info = tarfile.TarInfo("openfaas/" + name)
            info.size = len(data)
            info.mtime = 1700000000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_repo(d, version, bad_digest):
    os.makedirs(d, exist_ok=True)
    tgz = make_chart(version)
    with open(os.path.join(d, "openfaas-%s.tgz" % version), "wb") as f:
        f.write(tgz)
    digest = hashlib.sha256(tgz).hexdigest()
    if bad_digest:
        digest = hashlib.sha256(b"another chart").hexdigest()
    with open(os.path.join(d, "index.yaml"), "w") as f:
        f.write("apiVersion: v1\nentries:\n  openfaas:\n  - apiVersion: v2\n"
                "    created: \"2026-05-13T15:59:11.143152175+01:00\"\n"
                "    description: OpenFaaS - Serverless Functions Made Simple\n"
                "    digest: %s\n    name: openfaas\n    type: application\n"
                "    urls:\n    - openfaas-%s.tgz\n    version: %s\n"
                "generated: \"2026-05-13T15:59:10.8+01:00\"\n" % (digest, version, version))
    return digest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--version", default="15.0.6")
    ap.add_argument("--bad-digest", action="store_true")
    ap.add_argument("--port-file")
    a = ap.parse_args()
    write_repo(a.dir, a.version, a.bad_digest)
    if not a.port_file:
        return
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=a.dir)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(httpd.server_address[1]))
    os.rename(tmp, a.port_file)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
