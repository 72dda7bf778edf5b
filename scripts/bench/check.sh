#!/usr/bin/env bash
# Benchmark: `nodeprep check` (all groups) against what operators combine
# today on this kind of node: kvm-ok, virt-host-validate qemu,
# systemd-detect-virt and nvme list, summed. hyperfine, 20 runs each (RUNS),
# medians. Goal: nodeprep <= 0.2x the summed wall time. All of these only
# read; exit codes are ignored (kvm-ok and nvme list fail on a PVM guest
# without NVMe: that is part of the point).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NP=${NODEPREP:-$top/build/nodeprep}
RUNS=${RUNS:-20}
for c in hyperfine jq kvm-ok virt-host-validate systemd-detect-virt nvme; do
        command -v "$c" >/dev/null || { echo "bench/check: $c missing: scripts/install-deps.sh --bench"; exit 1; }
done
[ -x "$NP" ] || { echo "bench/check: $NP is not built"; exit 1; }
tmp=$(mktemp -d /tmp/nodeprep-bench-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

hyperfine -N -i --style basic --runs "$RUNS" --warmup 3 --export-json "$tmp/check.json" \
        -n nodeprep "$NP check" \
        -n nodeprep-json "$NP --json check" \
        -n kvm-ok kvm-ok \
        -n virt-host-validate "virt-host-validate qemu" \
        -n systemd-detect-virt systemd-detect-virt \
        -n nvme-list "nvme list" >/dev/null
jq -r '
  (.results | map({(.command): .median}) | add) as $m
  | ($m["kvm-ok"] + $m["virt-host-validate"] + $m["systemd-detect-virt"] + $m["nvme-list"]) as $sum
  | (.results[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms"),
    "sum of kvm-ok + virt-host-validate + systemd-detect-virt + nvme list: \($sum * 1000 | . * 100 | round / 100) ms",
    "ratio nodeprep check / sum: \($m.nodeprep / $sum | . * 1000 | round / 1000)x (goal <= 0.2x)"' "$tmp/check.json"
# Where the time goes: the same binary doing nothing (process start and the
# two linked libraries; check loads libmount and libnl on top, with dlopen).
hyperfine -N -i --style basic --runs "$RUNS" --warmup 3 --export-json "$tmp/base.json" \
        -n version "$NP version" >/dev/null
jq -r '.results[] | "nodeprep version (process start only): median \(.median * 1000 | . * 100 | round / 100) ms"' \
        "$tmp/base.json"
# Instructions (callgrind), stable where the wall times above are not: the
# whole check, and each group alone (each loads only the libraries its
# probes use).
source "$top/scripts/bench/lib.sh"
echo "instructions: nodeprep check $(bench_instructions "$NP" check)," \
     "kvm-ok + virt-host-validate + systemd-detect-virt + nvme list" \
     "$(( $(bench_instructions kvm-ok) + $(bench_instructions virt-host-validate qemu) + $(bench_instructions systemd-detect-virt) + $(bench_instructions nvme list) ))"
for g in virt kvm nvme disk k3s-prereq limits; do
        echo "instructions: nodeprep check $g $(bench_instructions "$NP" check "$g")"
done
