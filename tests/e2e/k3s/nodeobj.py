"""Node objects of the size and shape a real K3s server returns.

A real GET /api/v1/nodes/NAME (k8s.io/api core/v1 types.go, NodeStatus) is
5-100 KB: labels, about a dozen k3s and flannel annotations (k3s
pkg/nodeconfig/nodeconfig.go writes k3s.io/node-args, node-config-hash and
node-env; flannel's kube subnet manager writes flannel.alpha.coreos.com/*),
managedFields from every writer (kubelet, k3s, flannel, kube-controller-
manager), and status.images, which lists every image on the node with its
digests. Go serialises the fields in struct order: metadata, spec, status
(capacity, allocatable, conditions, addresses, daemonEndpoints, nodeInfo,
images), so the Ready condition is near the middle of a large body and a
reader that stops early never sees a whole object.

    node(name, ready, size, version) -> bytes of JSON of at least size bytes

Also a command: nodeobj.py NAME READY(true|false) SIZE > file (fuzz corpora).
"""
import hashlib
import json
import sys

# Images a K3s node holds (k3s-images.txt of a v1.31 release, plus what
# OpenFaaS and workloads pull). Padded with more workload images up to size.
BASE_IMAGES = [
    "docker.io/rancher/klipper-helm:v0.9.3-build20241008",
    "docker.io/rancher/klipper-lb:v0.4.9",
    "docker.io/rancher/local-path-provisioner:v0.0.30",
    "docker.io/rancher/mirrored-coredns-coredns:1.11.3",
    "docker.io/rancher/mirrored-library-busybox:1.36.1",
    "docker.io/rancher/mirrored-library-traefik:2.11.10",
    "docker.io/rancher/mirrored-metrics-server:v0.7.2",
    "docker.io/rancher/mirrored-pause:3.6",
    "ghcr.io/openfaas/gateway:0.27.9",
    "ghcr.io/openfaas/faas-netes:0.18.10",
    "ghcr.io/openfaas/queue-worker:0.14.1",
    "docker.io/prom/prometheus:v2.54.1",
    "docker.io/nats-io/nats-streaming:0.25.6",
]


def _digest(seed):
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _image(ref, i):
    repo = ref.rsplit(":", 1)[0]
    return {"names": [repo + "@" + _digest(ref + "/index"), ref],
            "sizeBytes": 1000000 + (i * 7919 % 90000000)}


def _fields(keys):
    return {"f:" + k: {} for k in keys}


def _managed_fields(t):
    """One entry per writer, with fieldsV1 as the apiserver records them."""
    cond = {'k:{"type":"%s"}' % c: {".": {}, "f:lastHeartbeatTime": {}, "f:lastTransitionTime": {},
                                    "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {}}
            for c in ("DiskPressure", "MemoryPressure", "PIDPressure", "Ready")}
    return [
        {"manager": "k3s", "operation": "Update", "apiVersion": "v1", "time": t, "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:annotations": _fields(
             ["k3s.io/hostname", "k3s.io/internal-ip", "k3s.io/node-args", "k3s.io/node-config-hash",
              "k3s.io/node-env"]), "f:labels": _fields(["node-role.kubernetes.io/control-plane",
                                                        "node-role.kubernetes.io/master"])}}},
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": t,
         "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:annotations": _fields(["node.alpha.kubernetes.io/ttl"])},
                      "f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, 'v:"10.42.0.0/24"': {}}}}},
        {"manager": "flanneld", "operation": "Update", "apiVersion": "v1", "time": t, "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:annotations": _fields(
             ["flannel.alpha.coreos.com/backend-data", "flannel.alpha.coreos.com/backend-type",
              "flannel.alpha.coreos.com/kube-subnet-manager", "flannel.alpha.coreos.com/public-ip"])}}},
        {"manager": "k3s", "operation": "Update", "apiVersion": "v1", "time": t, "fieldsType": "FieldsV1",
         "subresource": "status",
         "fieldsV1": {"f:status": {"f:conditions": cond, "f:images": {}, "f:nodeInfo": {"f:bootID": {}}}}},
    ]


def node(name, ready, size=32768, version="v1.31.4+k3s1", ip="10.0.0.2", args=None):
    t = "2024-11-20T10:00:00Z"
    ready_cond = ({"type": "Ready", "status": "True", "reason": "KubeletReady",
                   "message": "kubelet is posting ready status"} if ready else
                  {"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                   "message": "container runtime network not ready: NetworkReady=false "
                              "reason:NetworkPluginNotReady message:Network plugin returns error: "
                              "cni plugin not initialized"})
    conds = [
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
         "message": "kubelet has sufficient memory available"},
        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
         "message": "kubelet has no disk pressure"},
        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
         "message": "kubelet has sufficient PID available"},
        ready_cond,
    ]
    for c in conds:
        c["lastHeartbeatTime"] = t
        c["lastTransitionTime"] = t
    capacity = {"cpu": "2", "ephemeral-storage": "40470732Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                "memory": "4010652Ki", "pods": "110"}
    obj = {
        "kind": "Node", "apiVersion": "v1",
        "metadata": {
            "name": name, "uid": hashlib.md5(name.encode()).hexdigest(), "resourceVersion": "48213",
            "creationTimestamp": t,
            "labels": {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": "k3s",
                       "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                       "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true",
                       "node.kubernetes.io/instance-type": "k3s"},
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": ip,
                "flannel.alpha.coreos.com/backend-data": '{"VNI":1,"VtepMAC":"6a:1f:3c:9e:12:ab"}',
                "flannel.alpha.coreos.com/backend-type": "vxlan",
                "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                "flannel.alpha.coreos.com/public-ip": ip,
                "k3s.io/hostname": name, "k3s.io/internal-ip": ip,
                "k3s.io/node-args": json.dumps(["server"] + list(args or [])),
                "k3s.io/node-config-hash": "UFGTLWMN6K2TQ4M3CLZXFPQKEB4JZQ5ZD6GQ4XO7IK2KEGYJ7QOA====",
                "k3s.io/node-env": "{}",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
            "managedFields": _managed_fields(t),
        },
        "spec": {"podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24"], "providerID": "k3s://" + name},
        "status": {
            "capacity": capacity, "allocatable": dict(capacity, **{"ephemeral-storage": "39370567434"}),
            "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": hashlib.md5(b"m" + name.encode()).hexdigest(),
                         "systemUUID": "4c4c4544-0042-3510-8052-b4c04f4e5632",
                         "bootID": "1f0b8a36-3d5c-4a52-9d4a-5d06fe3b7c11", "kernelVersion": "6.1.0-27-amd64",
                         "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion":
                             "containerd://1.7.23-k3s2", "kubeletVersion": version, "kubeProxyVersion": version,
                         "operatingSystem": "linux", "architecture": "amd64"},
            "images": [_image(ref, i) for i, ref in enumerate(BASE_IMAGES)],
        },
    }
    # Workloads' images up to the size asked for (a busy node lists hundreds).
    i = 0
    while True:
        text = json.dumps(obj, separators=(",", ":")).encode()
        if len(text) >= size and len(obj["status"]["images"]) >= 40:
            return text
        per = max(1, min(500, max((size - len(text)) // 180, 40 - len(obj["status"]["images"]))))
        for _ in range(per):
            obj["status"]["images"].append(_image("registry.example/team-%d/app-%d:v1.%d.%d" %
                                                  (i % 37, i, i % 11, i % 7), i + 100))
            i += 1


if __name__ == "__main__":
    sys.stdout.buffer.write(node(sys.argv[1], sys.argv[2] == "true", int(sys.argv[3])))
