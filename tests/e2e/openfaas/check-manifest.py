#!/usr/bin/env python3
"""Check the manifest nodeprep wrote, by parsing it (PyYAML), as K3s's deploy
controller would (k3s pkg/deploy/controller.go: a multi-document YAML file).

  check-manifest.py MANIFEST PASSWORD_FILE UPSTREAM_SEC EXPOSE [pro]

Exits 1 naming the first thing that is wrong."""
import sys

import yaml

path, pw_file, upstream, expose = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pro = len(sys.argv) > 5 and sys.argv[5] == "pro"


def fail(msg):
    sys.exit("manifest: " + msg)


docs = [d for d in yaml.safe_load_all(open(path)) if d]
kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
want = [("Namespace", "openfaas"), ("Namespace", "openfaas-fn"), ("Secret", "basic-auth")]
if pro:
    want.append(("Secret", "openfaas-license"))
want.append(("HelmChart", "openfaas"))
if kinds != want:
    fail("objects %s, expected %s" % (kinds, want))
if pro and not docs[3].get("stringData", {}).get("license", "").startswith("eyJ"):
    fail("openfaas-license Secret has no licence")
password = open(pw_file).read().strip()
if len(password) < 32 or not password.isalnum():
    fail("password is not 32+ alphanumerics")
sec = docs[2]
if sec["metadata"]["namespace"] != "openfaas" or sec["stringData"] != {
        "basic-auth-user": "admin", "basic-auth-password": password}:
    fail("basic-auth Secret does not carry the password file's value")
hc = docs[-1]
spec = hc["spec"]
if hc["apiVersion"] != "helm.cattle.io/v1" or hc["metadata"]["namespace"] != "kube-system":
    fail("HelmChart apiVersion/namespace")
if spec["failurePolicy"] != "abort" or spec["targetNamespace"] != "openfaas":
    fail("failurePolicy/targetNamespace: %s" % spec)
if not spec["chart"].startswith("https://%{KUBERNETES_API}%/static/charts/openfaas-"):
    fail("chart: " + spec["chart"])
# Every set value must be a string: helm-controller decodes set as IntOrString.
for k, v in spec["set"].items():
    if not isinstance(v, str):
        fail("set.%s is %r, not a quoted string" % (k, v))
if spec["set"] != {"functionNamespace": "openfaas-fn", "generateBasicAuth": "false", "basic_auth": "true",
                   "openfaasPro": "true" if pro else "false"}:
    fail("set: %s" % spec["set"])
v = yaml.safe_load(spec["valuesContent"])
gw = v["gateway"]
checks = {
    "functionNamespace": v["functionNamespace"] == "openfaas-fn",
    "generateBasicAuth": v["generateBasicAuth"] is False,
    "openfaasPro": v["openfaasPro"] is pro,
    "directFunctions": gw["directFunctions"] is True,
    "upstreamTimeout": gw["upstreamTimeout"] == "%ds" % upstream,
    "read<write order": gw["readTimeout"] == gw["writeTimeout"] == "%ds" % (upstream + 5),
    "ackWait": v["queueWorker"]["ackWait"] == "%ds" % max(60, upstream),
    "expose": (v["exposeServices"] is False) if expose == "clusterip" else
              (v["exposeServices"] is True and v["serviceType"] == {"loadbalancer": "LoadBalancer",
                                                                     "nodeport": "NodePort"}[expose]),
}
bad = [k for k, ok in checks.items() if not ok]
if bad:
    fail("values wrong: %s in %s" % (bad, v))
print("manifest ok: %d objects, upstream %ds" % (len(docs), upstream))
