"""The part of the Kubernetes API that `nodeprep openfaas` talks to, for the
K3s stand-in (tests/e2e/k3s/standin.py hooks it in with extend()).

Served on the stand-in's 6443 next to /ping and /readyz, in the real paths and
shapes, with a client certificate required as the apiserver does (k3s
pkg/daemons/control/server.go: anonymous-auth=false):
  /api/v1 namespaces, secrets, pods, services; /apis/apps/v1 deployments;
  /apis/batch/v1 jobs; /apis/helm.cattle.io/v1 helmcharts, helmchartconfigs
  (and its discovery document); /apis/k3s.cattle.io/v1 addons; GET object,
  GET list with ?labelSelector=k=v[,k=v], DELETE.
  /static/... without authentication: files under server/static (k3s
  pkg/server/router.go serves StaticDir; K3s ships traefik's chart that way).
Controllers, each copying what the real one does:
  deploy    every 15 s (k3s pkg/deploy/controller.go start(): time.After(15s))
            applies each changed *.yaml/*.yml/*.json in server/manifests (dot
            files skipped, shouldSkipFile) and records the AddOn named after the
            file's basename up to the first dot, spec.source and spec.checksum
            = sha256 of the file, updated only after a successful apply.
            Deleting the file deletes nothing.
  apiserver Secret stringData is merged into data as base64 (k8s
            pkg/apis/core/v1 conversion); namespace deletion removes what the
            namespace holds after a Terminating phase (namespace controller).
  helm      helm-controller pkg/controllers/chart/chart.go: Job
            helm-install-NAME (helm-delete-NAME once the HelmChart is deleted,
            finalizer wrangler.cattle.io/on-helm-chart-remove), status.jobName,
            conditions JobCreated / Failed with the controller's reasons and
            messages, pod label helmcharts.helm.cattle.io/chart=NAME, a new Job
            when the spec changes; values: chart defaults < valuesContent <
            HelmChartConfig valuesContent < set. The job's "helm install"
            records the release as Helm 3 does (Secret sh.helm.release.v1.NAME.vN,
            labels owner=helm,name,status,version; helm pkg/storage/driver/secrets.go)
            and creates the faas-netes chart's Deployments and Services
            (chart/openfaas/templates/*-dep.yaml, gateway-svc.yaml,
            gateway-external-svc.yaml), which become Available after a delay.
            The gateway Service gets a ClusterIP from 10.43.0.0/16 (K3s's service
            CIDR) that the stand-in adds to lo, as kube-proxy makes ClusterIPs
            reachable from the node; the OpenFaaS gateway stand-in (gateway.py)
            listens there once the gateway Deployment is Available.
Scripted outcomes: DATA/standin-openfaas.json {"scenario": ok | crashloop |
imagepull | job-failed | chart-failed | never-available | no-crd, "job_sec", "deploy_sec",
"backoff_sec", "resync_sec", "function_delay_sec"} is read whenever a job
starts; DATA/standin-openfaas-gateway-down stops the gateway (its Deployment
turns unavailable) until removed.
"""
import base64
import copy
import hashlib
import json
import os
import random
import subprocess
import threading
import time
import urllib.parse
import uuid

import yaml

import gateway as gateway_standin

DATA = "/var/lib/rancher/k3s"
MANIFESTS = DATA + "/server/manifests"
STATIC = DATA + "/server/static"
SCENARIO = DATA + "/standin-openfaas.json"
GATEWAY_DOWN = DATA + "/standin-openfaas-gateway-down"
LOG = DATA + "/standin-openfaas.log"

RESOURCES = {
    ("api/v1", "namespaces"): "Namespace",
    ("api/v1", "secrets"): "Secret",
    ("api/v1", "pods"): "Pod",
    ("api/v1", "services"): "Service",
    ("apis/apps/v1", "deployments"): "Deployment",
    ("apis/batch/v1", "jobs"): "Job",
    ("apis/helm.cattle.io/v1", "helmcharts"): "HelmChart",
    ("apis/helm.cattle.io/v1", "helmchartconfigs"): "HelmChartConfig",
    ("apis/k3s.cattle.io/v1", "addons"): "Addon",
}
BY_KIND = {kind: key for key, kind in RESOURCES.items()}
API_VERSION = {"api/v1": "v1", "apis/apps/v1": "apps/v1", "apis/batch/v1": "batch/v1",
               "apis/helm.cattle.io/v1": "helm.cattle.io/v1", "apis/k3s.cattle.io/v1": "k3s.cattle.io/v1"}
# Chart defaults that matter here (faas-netes chart/openfaas/values.yaml).
CHART_DEFAULTS = {"functionNamespace": "openfaas-fn", "exposeServices": True, "serviceType": "NodePort",
                  "generateBasicAuth": True, "async": True,
                  "gateway": {"upstreamTimeout": "1m", "readTimeout": "1m05s", "writeTimeout": "1m05s",
                              "directFunctions": False, "nodePort": 31112}}
CE_DEPLOYMENTS = ["gateway", "nats", "queue-worker", "prometheus", "alertmanager"]
KLIPPER_IMAGE = "rancher/klipper-helm:v0.9.8-build20250709"


def log(msg):
    with open(LOG, "a") as f:
        f.write("%.3f %s\n" % (time.time(), msg))


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def scenario():
    try:
        with open(SCENARIO) as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {}
    defaults = {"scenario": "ok", "job_sec": 4, "deploy_sec": 3, "backoff_sec": 10, "resync_sec": 15,
                "function_delay_sec": 0}
    defaults.update(s)
    return defaults


def merge(base, over):
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def set_path(values, dotted, value):
    """helm --set a.b=v: "true"/"false"/"null" typed, the rest strings
    (helm-controller passes them as --set / --set-string)."""
    node = values
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = {"true": True, "false": False, "null": None}.get(value, value)


def pad(obj, size):
    """Real objects carry managedFields (server-side apply bookkeeping): a
    Deployment is 5-8 KB, a Pod 4-6 KB. Pad to that so clients see real sizes."""
    fields = obj["metadata"].setdefault("managedFields", [])
    i = 0
    while len(json.dumps(obj)) < size:
        fields.append({"apiVersion": obj.get("apiVersion", "v1"), "fieldsType": "FieldsV1",
                       "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                           "k:{\"name\":\"c%d\"}" % i: {".": {}, "f:image": {}, "f:imagePullPolicy": {},
                                                        "f:resources": {}, "f:terminationMessagePath": {}}}}}}},
                       "manager": "helm", "operation": "Update", "time": now()})
        i += 1
    return obj


class Store:
    def __init__(self):
        self.objs = {}
        self.lock = threading.RLock()
        self.rv = 1000

    def key(self, kind, ns, name):
        gv, plural = BY_KIND[kind]
        return (gv, plural, ns or "", name)

    def put(self, obj):
        with self.lock:
            md = obj.setdefault("metadata", {})
            gv, plural = BY_KIND[obj["kind"]]
            obj["apiVersion"] = API_VERSION[gv]
            k = (gv, plural, md.get("namespace", "") if obj["kind"] != "Namespace" else "", md["name"])
            old = self.objs.get(k)
            md.setdefault("uid", old["metadata"]["uid"] if old else str(uuid.uuid4()))
            md.setdefault("creationTimestamp", old["metadata"]["creationTimestamp"] if old else now())
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            self.objs[k] = obj
            return obj

    def get(self, kind, ns, name):
        with self.lock:
            return self.objs.get(self.key(kind, ns, name))

    def delete(self, kind, ns, name):
        with self.lock:
            return self.objs.pop(self.key(kind, ns, name), None)

    def list(self, kind, ns=None, labels=None):
        gv, plural = BY_KIND[kind]
        with self.lock:
            out = []
            for (g, p, n, _), o in sorted(self.objs.items()):
                if g != gv or p != plural or (ns is not None and n != ns):
                    continue
                have = o["metadata"].get("labels") or {}
                if labels and any(have.get(k) != v for k, v in labels.items()):
                    continue
                out.append(o)
            return out


def status_error(code, reason, message, details=None):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "details": details or {}, "code": code}


class KubeAPI:
    def __init__(self):
        self.store = Store()
        self.modtimes = {}
        self.runs = {}          # HelmChart name -> the job run in progress
        self.gateway = None
        self.gateway_env = None
        self.cluster_ips = {}

    # ---- the deploy controller (k3s pkg/deploy/controller.go) ----
    def deploy_loop(self):
        force = True
        while True:
            try:
                self.list_files(force)
                force = False
            except Exception as e:  # noqa: BLE001 - as K3s: log, retry next round
                log("deploy: %s" % e)
            time.sleep(scenario()["resync_sec"])

    def list_files(self, force):
        if not os.path.isdir(MANIFESTS):
            return
        for name in sorted(os.listdir(MANIFESTS)):
            path = os.path.join(MANIFESTS, name)
            if name.startswith(".") or not name.endswith((".yaml", ".yml", ".json")) or not os.path.isfile(path):
                continue
            mtime = os.stat(path).st_mtime_ns
            if not force and self.modtimes.get(path) == mtime:
                continue
            self.deploy(path)
            self.modtimes[path] = mtime

    def deploy(self, path):
        name = os.path.basename(path).split(".", 1)[0]
        with open(path, "rb") as f:
            content = f.read()
        checksum = hashlib.sha256(content).hexdigest()
        addon = self.store.get("Addon", "kube-system", name) or {
            "kind": "Addon", "metadata": {"name": name, "namespace": "kube-system"}, "spec": {}}
        addon["spec"]["source"] = path
        self.store.put(addon)
        if addon["spec"].get("checksum") == checksum:
            return
        docs = [d for d in yaml.safe_load_all(content.decode()) if d]
        for d in docs:
            if d.get("kind") not in BY_KIND:
                raise ValueError("%s: no matches for kind %s" % (path, d.get("kind")))
            if d["kind"].startswith("HelmChart") and scenario()["scenario"] == "no-crd":
                raise ValueError("%s: no matches for kind \"%s\" in version \"helm.cattle.io/v1\"" % (path, d["kind"]))
        for d in docs:
            self.apply(d, owner=name)
        addon["spec"]["checksum"] = checksum
        addon["metadata"].setdefault("annotations", {})["addon.k3s.cattle.io/gvks"] = ";".join(
            sorted({"%s, Kind=%s" % (d["apiVersion"], d["kind"]) for d in docs}))
        self.store.put(addon)
        log("deploy: applied %s (%d objects, checksum %s)" % (path, len(docs), checksum[:12]))

    def apply(self, obj, owner=None):
        obj = copy.deepcopy(obj)
        md = obj["metadata"]
        if obj["kind"] != "Namespace":
            md.setdefault("namespace", "default")
        if owner:
            md.setdefault("annotations", {})["objectset.rio.cattle.io/owner-name"] = owner
        if obj["kind"] == "Secret" and "stringData" in obj:
            data = obj.setdefault("data", {})
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
        if obj["kind"] == "Namespace":
            obj.setdefault("status", {"phase": "Active"})
        old = self.store.get(obj["kind"], md.get("namespace"), md["name"])
        if old and "status" in old and obj["kind"] != "Namespace":
            obj["status"] = old["status"]
        self.store.put(obj)

    # ---- the helm controller (helm-controller pkg/controllers/chart/chart.go) ----
    def helm_loop(self):
        while True:
            try:
                self.helm_round()
                self.gateway_round()
            except Exception as e:  # noqa: BLE001
                log("helm: %s" % e)
            time.sleep(0.5)

    def helm_round(self):
        for hc in self.store.list("HelmChart"):
            name, ns = hc["metadata"]["name"], hc["metadata"]["namespace"]
            deleting = "deletionTimestamp" in hc["metadata"]
            spec_hash = hashlib.sha256(json.dumps([hc["spec"], self.config_of(hc)], sort_keys=True).encode()).hexdigest()
            run = self.runs.get(name)
            if deleting and (not run or run["action"] != "delete"):
                run = self.start_job(hc, "delete", spec_hash)
            elif not deleting and (not run or run["hash"] != spec_hash):
                run = self.start_job(hc, "install", spec_hash)
            self.step_job(hc, run)

    def config_of(self, hc):
        cfg = self.store.get("HelmChartConfig", hc["metadata"]["namespace"], hc["metadata"]["name"])
        return cfg["spec"] if cfg else {}

    def start_job(self, hc, action, spec_hash):
        name, ns = hc["metadata"]["name"], hc["metadata"]["namespace"]
        sc = scenario()
        job_name = "helm-%s-%s" % (action, name)
        for old in ("helm-install-" + name, "helm-delete-" + name):
            self.store.delete("Job", ns, old)
        for p in self.store.list("Pod", ns, {"helmcharts.helm.cattle.io/chart": name}):
            self.store.delete("Pod", ns, p["metadata"]["name"])
        run = {"action": action, "hash": spec_hash, "job": job_name, "started": time.time(), "sc": sc,
               "restarts": 0, "next_restart": None, "done": False,
               "pod": "%s-%s" % (job_name, "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))}
        self.runs[name] = run
        if sc["scenario"] == "chart-failed" and action == "install":
            # chart.go: JobCreated=False, Failed=True "Job create failed".
            run["done"] = True
            self.set_chart_status(hc, job_name, False, "Job create failed",
                                  "Failed to generate Job: failed to parse valuesContent: error converting YAML to JSON")
            return run
        labels = {"helmcharts.helm.cattle.io/chart": name}
        self.store.put({"kind": "Job", "metadata": {"name": job_name, "namespace": ns, "labels": labels,
                                                    "annotations": {"helmcharts.helm.cattle.io/configHash": "SHA256=" + spec_hash.upper()}},
                        "spec": {"backoffLimit": 1000, "suspend": False, "template": {
                            "metadata": {"labels": labels}, "spec": {"restartPolicy": "OnFailure",
                                                                     "serviceAccountName": "helm-" + name,
                                                                     "containers": [{"name": "helm", "image": KLIPPER_IMAGE}]}}},
                        "status": {"active": 1, "startTime": now(), "conditions": [
                            {"type": "Suspended", "status": "False", "reason": "JobResumed"}]}})
        self.set_chart_status(hc, job_name, created=True)
        log("helm: %s started (%s)" % (job_name, sc["scenario"]))
        return run

    def set_chart_status(self, hc, job_name, created, failed_reason=None, failed_message=None):
        hc = self.store.get("HelmChart", hc["metadata"]["namespace"], hc["metadata"]["name"])
        if not hc:
            return
        conds = [{"type": "JobCreated", "status": "True" if created else "False"},
                 {"type": "Failed", "status": "True" if failed_reason else "False"}]
        if created:
            conds[0].update(reason="Job created",
                            message="Applying HelmChart using Job %s/%s" % (hc["metadata"]["namespace"], job_name))
        if failed_reason:
            conds[1].update(reason=failed_reason, message=failed_message)
        hc["status"] = {"jobName": job_name, "conditions": conds}
        self.store.put(hc)

    def pod(self, hc, run, phase, state, last_state=None):
        ns = hc["metadata"]["namespace"]
        cs = {"name": "helm", "image": KLIPPER_IMAGE, "ready": phase == "Running" and "running" in state,
              "restartCount": run["restarts"], "started": "running" in state, "state": state}
        if last_state:
            cs["lastState"] = last_state
        self.store.put(pad({"kind": "Pod", "metadata": {
            "name": run["pod"], "namespace": ns,
            "labels": {"helmcharts.helm.cattle.io/chart": hc["metadata"]["name"], "job-name": run["job"],
                       "batch.kubernetes.io/job-name": run["job"]}},
            "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "helm", "image": KLIPPER_IMAGE,
                                                                   "terminationMessagePath": "/dev/termination-log"}]},
            "status": {"phase": phase, "containerStatuses": [cs]}}, 5000))

    def finish_job(self, hc, run, ok, message):
        ns = hc["metadata"]["namespace"]
        job = self.store.get("Job", ns, run["job"])
        if job:
            job["status"] = {"succeeded": 1, "completionTime": now(), "conditions": [
                {"type": "Complete", "status": "True"}]} if ok else {"failed": 1, "conditions": [
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}]}
            self.store.put(job)
        self.pod(hc, run, "Succeeded" if ok else "Failed",
                 {"terminated": {"exitCode": 0 if ok else 1, "reason": "Completed" if ok else "Error", "message": message}})
        run["done"] = True

    def step_job(self, hc, run):
        if run["done"]:
            return
        sc, age = run["sc"], time.time() - run["started"]
        kind = sc["scenario"]
        if kind == "imagepull":
            reason = "ErrImagePull" if age < 2 else "ImagePullBackOff"
            self.pod(hc, run, "Pending", {"waiting": {"reason": reason, "message": "Back-off pulling image \"%s\": "
                                                      "dial tcp: lookup registry-1.docker.io: i/o timeout" % KLIPPER_IMAGE}})
            return
        if age < 1:
            self.pod(hc, run, "Pending", {"waiting": {"reason": "ContainerCreating"}})
            return
        if kind == "crashloop" and run["action"] == "install":
            term = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": now(),
                                   "message": "Error: INSTALLATION FAILED: failed pre-install: timed out waiting "
                                              "for the condition"}}
            if run["next_restart"] is None or time.time() >= run["next_restart"]:
                if run["next_restart"] is not None:
                    run["restarts"] += 1
                # kubelet back-off: base, doubling, capped at 5 minutes.
                run["next_restart"] = time.time() + min(sc["backoff_sec"] * 2 ** run["restarts"], 300)
            self.pod(hc, run, "Running", {"waiting": {"reason": "CrashLoopBackOff",
                                                      "message": "back-off restarting failed container helm in pod %s" % run["pod"]}},
                     term)
            return
        if kind == "job-failed" and run["action"] == "install":
            if age >= sc["job_sec"]:
                self.finish_job(hc, run, False, "Error: INSTALLATION FAILED: chart requires kubeVersion >=1.99")
                self.set_chart_status(hc, run["job"], True, "Job failed",
                                      "Job has reached configured number of retries without succeeding")
            return
        if age < sc["job_sec"]:
            self.pod(hc, run, "Running", {"running": {"startedAt": now()}})
            return
        if run["action"] == "install":
            self.helm_install(hc, run)
            self.finish_job(hc, run, True, "Installed openfaas to namespace %s" % hc["spec"].get("targetNamespace"))
        else:
            self.helm_uninstall(hc)
            self.finish_job(hc, run, True, "Uninstalled openfaas")
            ns, name = hc["metadata"]["namespace"], hc["metadata"]["name"]
            # chart.go OnRemove: the finalizer goes, the HelmChart with it; then the Job.
            self.store.delete("HelmChart", ns, name)
            self.store.delete("Job", ns, run["job"])
            self.store.delete("Pod", ns, run["pod"])
            self.runs.pop(name, None)
            log("helm: %s removed" % name)

    def values(self, hc):
        v = merge(CHART_DEFAULTS, yaml.safe_load(hc["spec"].get("valuesContent") or "") or {})
        v = merge(v, yaml.safe_load(self.config_of(hc).get("valuesContent") or "") or {})
        for k, val in (hc["spec"].get("set") or {}).items():
            set_path(v, k, str(val))
        return v

    def helm_install(self, hc, run):
        name, target = hc["metadata"]["name"], hc["spec"].get("targetNamespace", "default")
        v = self.values(hc)
        old = [s for s in self.store.list("Secret", target, {"owner": "helm", "name": name})]
        version = 1 + max([int(s["metadata"]["labels"]["version"]) for s in old] or [0])
        for s in old:
            s["metadata"]["labels"]["status"] = "superseded"
            self.store.put(s)
        self.store.put({"kind": "Secret", "type": "helm.sh/release.v1", "metadata": {
            "name": "sh.helm.release.v1.%s.v%d" % (name, version), "namespace": target,
            "labels": {"owner": "helm", "name": name, "status": "deployed", "version": str(version),
                       "modifiedAt": str(int(time.time()))}},
            "data": {"release": base64.b64encode(os.urandom(3000)).decode()}})
        gw = v["gateway"]
        for d in CE_DEPLOYMENTS:
            env = []
            if d == "gateway":
                env = [{"name": "read_timeout", "value": str(gw["readTimeout"])},
                       {"name": "write_timeout", "value": str(gw["writeTimeout"])},
                       {"name": "upstream_timeout", "value": str(gw["upstreamTimeout"])},
                       {"name": "direct_functions", "value": str(gw["directFunctions"]).lower()},
                       {"name": "basic_auth", "value": "true"}, {"name": "secret_mount_path", "value": "/var/secrets"}]
            containers = [{"name": d, "image": "ghcr.io/openfaas/%s:standin" % d, "env": env}]
            if d == "gateway":
                containers.append({"name": "faas-netes", "image": "ghcr.io/openfaas/faas-netes:0.18.17"})
            self.store.put(pad({"kind": "Deployment", "metadata": {
                "name": d, "namespace": target, "generation": version,
                "labels": {"app": "openfaas", "chart": "openfaas-15.0.6", "component": d, "heritage": "Helm",
                           "release": name}},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": d}},
                         "template": {"metadata": {"labels": {"app": d}}, "spec": {"containers": containers}}},
                "status": {"observedGeneration": version, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1,
                           "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                                           "message": "Deployment does not have minimum availability."},
                                          {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]}},
                7000))
        run["deployed_at"] = time.time()
        self.service(target, "gateway", "ClusterIP", name)
        if v.get("exposeServices"):
            self.service(target, "gateway-external", v.get("serviceType", "NodePort"), name, gw.get("nodePort", 31112))
        else:
            self.store.delete("Service", target, "gateway-external")
        log("helm: release %s v%d deployed (upstream %s)" % (name, version, gw["upstreamTimeout"]))

    def service(self, ns, name, type_, release, node_port=None):
        ip = self.cluster_ips.get((ns, name)) or "10.43.%d.%d" % (random.randint(1, 254), random.randint(2, 254))
        self.cluster_ips[(ns, name)] = ip
        port = {"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}
        if type_ in ("NodePort", "LoadBalancer"):
            port["nodePort"] = node_port
        self.store.put({"kind": "Service", "metadata": {"name": name, "namespace": ns,
                                                        "labels": {"app": "openfaas", "release": release}},
                        "spec": {"type": type_, "clusterIP": ip, "clusterIPs": [ip], "ports": [port],
                                 "selector": {"app": "gateway"}}})

    def helm_uninstall(self, hc):
        name, target = hc["metadata"]["name"], hc["spec"].get("targetNamespace", "default")
        for s in self.store.list("Secret", target, {"owner": "helm", "name": name}):
            self.store.delete("Secret", target, s["metadata"]["name"])
        for kind in ("Deployment", "Service"):
            for o in self.store.list(kind, target, {"release": name}):
                self.store.delete(kind, target, o["metadata"]["name"])
        self.stop_gateway()

    # ---- Deployments becoming Available, and the gateway behind the Service ----
    def gateway_round(self):
        sc = scenario()
        for run in list(self.runs.values()):
            if run["action"] != "install" or "deployed_at" not in run or time.time() - run["deployed_at"] < sc["deploy_sec"]:
                continue
            for d in self.store.list("Deployment", labels={"release": "openfaas"}):
                name = d["metadata"]["name"]
                ok = not (run["sc"]["scenario"] == "never-available" and name == "nats")
                if name == "gateway" and os.path.exists(GATEWAY_DOWN):
                    ok = False
                cond = d["status"]["conditions"][0]
                want = "True" if ok else "False"
                if cond["status"] != want:
                    cond.update(status=want, reason="MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
                                message="Deployment has minimum availability." if ok else
                                "Deployment does not have minimum availability.")
                    d["status"]["availableReplicas" if ok else "unavailableReplicas"] = 1
                    d["status"].pop("unavailableReplicas" if ok else "availableReplicas", None)
                    self.store.put(d)
                if name == "gateway":
                    if ok:
                        self.start_gateway(d)
                    else:
                        self.stop_gateway()

    def start_gateway(self, dep):
        env = {e["name"]: e["value"] for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
        if self.gateway and self.gateway.running():
            if self.gateway_env == env:
                return
            self.stop_gateway()     # a new ReplicaSet: the pod restarts with the new env
        self.gateway_env = env
        ns = dep["metadata"]["namespace"]
        svc = self.store.get("Service", ns, "gateway")
        if not svc:
            return
        ip = svc["spec"]["clusterIP"]
        subprocess.run(["ip", "addr", "add", ip + "/32", "dev", "lo"], stderr=subprocess.DEVNULL, check=False)
        up = parse_duration(env.get("upstream_timeout", "60s"))

        def password():
            s = self.store.get("Secret", ns, "basic-auth")
            return base64.b64decode(s["data"]["basic-auth-password"]).decode() if s else None

        self.gateway = gateway_standin.Gateway(ip, 8080, password, up, lambda: scenario()["function_delay_sec"])
        self.gateway.start()
        log("gateway: listening on %s:8080 (upstream_timeout %ss)" % (ip, up))

    def stop_gateway(self):
        if self.gateway and self.gateway.running():
            self.gateway.stop()
            log("gateway: stopped")

    # ---- namespace deletion (the namespace controller) ----
    def delete_namespace(self, name):
        ns = self.store.get("Namespace", None, name)
        ns["status"] = {"phase": "Terminating"}
        ns["metadata"]["deletionTimestamp"] = now()
        self.store.put(ns)

        def finish():
            time.sleep(2)
            with self.store.lock:
                for k in [k for k in self.store.objs if k[2] == name]:
                    del self.store.objs[k]
                self.store.delete("Namespace", None, name)
            log("namespace %s deleted" % name)

        threading.Thread(target=finish, daemon=True).start()
        return ns

    # ---- HTTP ----
    def handle(self, method, raw_path):
        u = urllib.parse.urlsplit(raw_path)
        parts = [p for p in u.path.split("/") if p]
        if not parts or parts[0] not in ("api", "apis"):
            return None
        no_crd = scenario()["scenario"] == "no-crd"
        if parts[0] == "api":
            gv, rest = "api/v1", parts[2:]
        else:
            gv, rest = "/".join(parts[:3]), parts[3:]
        if gv == "apis/helm.cattle.io/v1" and no_crd:
            return 404, "404 page not found\n"
        if not rest and method == "GET":
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION.get(gv, gv),
                         "resources": [{"name": p, "namespaced": p != "namespaces", "kind": k}
                                       for (g, p), k in RESOURCES.items() if g == gv]}
        if gv == "api/v1" and rest[:1] == ["namespaces"] and len(rest) <= 2:
            plural, ns, name = "namespaces", None, rest[1] if len(rest) == 2 else None
        elif len(rest) in (3, 4) and rest[0] == "namespaces":
            ns, plural, name = rest[1], rest[2], rest[3] if len(rest) == 4 else None
        else:
            return None         # nodes and the rest: the K3s stand-in's own
        kind = RESOURCES.get((gv, plural))
        if not kind:
            return None         # nodes and the rest: the K3s stand-in's own

        if name is None and method == "GET":
            labels = {}
            sel = urllib.parse.parse_qs(u.query).get("labelSelector", [""])[0]
            for term in filter(None, sel.split(",")):
                k, _, v = term.partition("=")
                labels[k] = v
            return 200, {"kind": kind + "List", "apiVersion": API_VERSION[gv], "metadata": {"resourceVersion": str(self.store.rv)},
                         "items": self.store.list(kind, ns, labels)}
        group = gv.split("/")[1] if gv.startswith("apis/") and gv.count("/") == 2 else ""
        obj = self.store.get(kind, ns, name)
        if obj is None and name == "traefik":
            return None         # the K3s stand-in plays traefik
        if obj is None:
            return status_error(404, "NotFound", "%s%s \"%s\" not found" % (plural, "." + group if group else "", name),
                                {"name": name, "group": group, "kind": plural})
        if method == "GET":
            return 200, obj
        if method == "DELETE":
            if kind == "Namespace":
                return 200, self.delete_namespace(name)
            if kind == "HelmChart":
                obj["metadata"]["deletionTimestamp"] = now()
                obj["metadata"]["finalizers"] = ["wrangler.cattle.io/on-helm-chart-remove"]
                self.store.put(obj)
                return 200, obj
            self.store.delete(kind, ns, name)
            return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success", "details": {"name": name, "kind": plural}}
        return status_error(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def parse_duration(s):
    total, num = 0, ""
    for ch in str(s):
        if ch.isdigit():
            num += ch
        else:
            total += int(num or 0) * {"h": 3600, "m": 60, "s": 1}.get(ch, 0)
            num = ""
    return total + int(num or 0)


def write_kubeconfig(tls, path):
    """k3s.yaml as K3s writes it (pkg/cli/server/server.go writeKubeConfig ->
    clientcmd): cluster, context and user "default", the client-admin
    certificate and key embedded."""
    def b64(name):
        with open(os.path.join(tls, name), "rb") as f:
            return base64.b64encode(f.read()).decode()
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o600
    text = ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
            "    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n"
            "    user: default\n  name: default\ncurrent-context: default\nkind: Config\npreferences: {}\nusers:\n"
            "- name: default\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n"
            % (b64("server-ca.crt"), b64("client-admin.crt"), b64("client-admin.key")))
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", mode)
    os.rename(path + ".tmp", path)


def extend(handler, srv, kubeconfig="/etc/rancher/k3s/k3s.yaml"):
    """Serve the API and /static/ from the stand-in's 6443 handler, start the
    controllers, and complete the kubeconfig with the admin client cert."""
    api = KubeAPI()
    write_kubeconfig(srv.tls, kubeconfig)
    threading.Thread(target=api.deploy_loop, daemon=True).start()
    threading.Thread(target=api.helm_loop, daemon=True).start()
    orig_get = handler.do_GET

    class H(handler):
        def kube(self, method):
            p = self.path.split("?")[0]
            if method == "GET" and p.startswith("/static/"):
                f = os.path.normpath(STATIC + p[len("/static"):])
                if not f.startswith(STATIC + "/") or not os.path.isfile(f):
                    self.reply(404, "404 page not found\n")
                else:
                    with open(f, "rb") as fh:
                        self.reply(200, fh.read(), "application/octet-stream")
                return True
            if p not in ("/api", "/apis") and not p.startswith(("/api/", "/apis/")):
                return False
            if not self.client_cn():
                self.reply(401, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "Unauthorized", "reason": "Unauthorized", "code": 401}),
                           "application/json")
                return True
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            res = api.handle(method, self.path)
            if res is None:
                return False
            code, body = res
            if isinstance(body, str):
                self.reply(code, body)
            else:
                self.reply(code, json.dumps(body), "application/json")
            return True

        def do_GET(self):
            if not self.kube("GET"):
                orig_get(self)

        def do_DELETE(self):
            if not self.kube("DELETE"):
                self.reply(404, "404 page not found\n")

    return H
