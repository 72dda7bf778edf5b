"""The shipped user-data (packaging/cloud-init/user-data*.yaml) as a test
container runs it. Only what a container on a private network needs changes:
  - the apt source is a local file repository holding the .deb just built
    (nginx and certbot, for the gateway stage, are not in it: dropped);
  - the K3s release base is the loopback mirror serving the stand-in;
  - the profile is the per-netns one, with --allow-netns (see container.ini);
  - preflight items a container cannot pass are accepted by name;
  - the report goes to a loopback sink;
  - /readyz leaves out the host-load checks (pressure, steal): in a container
    they judge the shared test machine, which other tests keep busy;
  - agents: the server URL and the token are this test's.
Usage: user-data-for-test.py SRC VERSION MIRROR_URL REPORT_URL
           [--server URL --token-file FILE] [EXTRA_ARG...] > user-data"""
import sys

import yaml

src, version, mirror_url, report_url = sys.argv[1:5]
rest = sys.argv[5:]
server = token = None
if rest[:1] == ["--server"]:
    server, token_file, rest = rest[1], rest[3], rest[4:]
    with open(token_file) as f:
        token = f.read()
with open(src) as f:
    doc = yaml.safe_load(f)
doc["apt"]["sources"]["nodeprep"] = {"source": "deb [trusted=yes] file:/srv/nodeprep-apt ./"}
doc["packages"] = [p for p in doc["packages"] if p not in ("nginx", "certbot")]
doc.setdefault("write_files", [])
paths = [f["path"] for f in doc["write_files"]]
if "/etc/nodeprep/nodeprep.conf" not in paths:
    doc["write_files"].append({"path": "/etc/nodeprep/nodeprep.conf", "defer": True, "permissions": "0644",
                               "content": "[health]\n"})
for f in doc["write_files"]:
    if f["path"] == "/etc/nodeprep/nodeprep.conf":
        f["content"] += ("checks = profile-drift neighbour-table conntrack file-handles listen-queue "
                         "data-disk nvme-health k3s\n")
    if f["path"] == "/etc/nodeprep/k3s-token":
        assert token, "agent user-data needs --server URL --token-file FILE"
        f["content"] = token
runcmd = doc["runcmd"]
argv = runcmd[-1]
assert runcmd[0] == "set -e" and argv[:2] == ["nodeprep", "bootstrap"], runcmd
argv[argv.index("--profile") + 1] = "container"
argv[argv.index("--report-url") + 1] = report_url
if server:
    argv[argv.index("--server") + 1] = server
argv += ["--allow-netns", "--ignore-preflight", "overlay,default-route,kmsg,kernel-config",
         "--version", version, "--mirror", mirror_url, "--timeout", "120"] + rest
sys.stdout.write("#cloud-config\n" + yaml.safe_dump(doc, sort_keys=False, width=1000))
