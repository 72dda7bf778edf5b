#!/usr/bin/env python3
"""Build the K3s stand-in "binary": a shebang line, padding (so the file is as
big as a real release, multi-megabyte), then a zip holding standin.py as
__main__.py, and the modules next to it (nodeobj.py, standin_*.py) beside it.
Python runs zips with leading data, and argv[0] dispatch
(kubectl, crictl, ctr links) works like the real multi-call binary.
Usage: make-standin.py OUT VERSION SIZE_MB [SEED]"""
import io
import os
import random
import sys
import zipfile

out, version, size_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
seed = sys.argv[4] if len(sys.argv) > 4 else version
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "standin.py")) as f:
    src = f.read().replace("@VERSION@", version)
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("__main__.py", src)
    for name in sorted(os.listdir(here)):
        if name.endswith(".py") and name not in ("standin.py", "make-standin.py", "mirror.py"):
            with open(os.path.join(here, name)) as f:
                zf.writestr(name, f.read())
    # The OpenFaaS tests' Kubernetes API (imported by standin.py) and the
    # pure-Python PyYAML it reads manifests with (the container has none).
    import yaml
    for f in ("kubeapi.py", "gateway.py"):
        zf.write(os.path.join(here, "..", "openfaas", f), f)
    for f in sorted(os.listdir(os.path.dirname(yaml.__file__))):
        if f.endswith(".py"):
            zf.write(os.path.join(os.path.dirname(yaml.__file__), f), "yaml/" + f)
head = b"#!/usr/bin/python3\n"
pad = max(0, int(size_mb * 1024 * 1024) - len(head) - len(z.getvalue()))
rnd = random.Random(seed)
tmp = out + ".tmp"
with open(tmp, "wb") as f:
    f.write(head)
    chunk = 1 << 20
    while pad > 0:
        n = min(chunk, pad)
        f.write(rnd.getrandbits(8 * n).to_bytes(n, "little"))
        pad -= n
    f.write(z.getvalue())
os.chmod(tmp, 0o755)
os.rename(tmp, out)
