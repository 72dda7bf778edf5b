"""The shipped user-data (packaging/cloud-init/user-data.yaml) as the test
container runs it. Only what a container on a private network needs changes:
  - the apt source is a local file repository holding the .deb just built;
  - the K3s release base is the loopback mirror serving the stand-in;
  - the profile is the per-netns one, with --allow-netns (see container.ini);
  - preflight items a container cannot pass are accepted by name;
  - the report goes to a loopback sink;
  - /readyz leaves out the host-load checks (pressure, steal): in a container
    they judge the shared test machine, which other tests keep busy.
Usage: user-data-for-test.py SRC VERSION MIRROR_URL REPORT_URL > user-data"""
import sys

import yaml

src, version, mirror_url, report_url = sys.argv[1:5]
with open(src) as f:
    doc = yaml.safe_load(f)
doc["apt"]["sources"]["nodeprep"] = {"source": "deb [trusted=yes] file:/srv/nodeprep-apt ./"}
for f in doc["write_files"]:
    if f["path"] == "/etc/nodeprep/nodeprep.conf":
        f["content"] += ("checks = profile-drift neighbour-table conntrack file-handles listen-queue "
                         "data-disk nvme-health k3s\n")
runcmd = doc["runcmd"]
argv = runcmd[-1]
assert runcmd[0] == "set -e" and argv[:2] == ["nodeprep", "bootstrap"], runcmd
i = argv.index("--profile")
argv[i + 1] = "container"
i = argv.index("--report-url")
argv[i + 1] = report_url
argv += ["--allow-netns", "--ignore-preflight", "overlay,default-route,kmsg,kernel-config",
         "--version", version, "--mirror", mirror_url, "--timeout", "120"]
sys.stdout.write("#cloud-config\n" + yaml.safe_dump(doc, sort_keys=False, width=1000))
