#!/usr/bin/env bash
# nodeprep k3s install of a 70 MB stand-in from the loopback mirror, against
# the floor `curl -o` + `sha256sum -c` + `install -m755` of the same file.
# Medians over RUNS (10) runs each; prints the ratio (goal: <= 1.2).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export NODEPREP_TOP=$top
NODEPREP=${NODEPREP:-$top/nodeprep}
RUNS=${RUNS:-10}
SIZE_MB=${SIZE_MB:-70}
source "$top/tests/e2e/lib/k3s-mirror.sh"

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/k3s-bench.XXXXXX)
trap 'k3s_mirror_stop; rm -rf "$work"' EXIT
k3s_release_dir "$work/rel" "$V" "$SIZE_MB"
k3s_mirror_start "$work/rel" "$V"
base=$MIRROR_URL/download/v1.31.4%2Bk3s1

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

floor_run() {
        local d=$work/floor t0
        rm -rf "$d"; mkdir -p "$d/usr/local/bin"
        t0=$(now_ms)
        curl -sfo "$d/sha256sum-amd64.txt" "$base/sha256sum-amd64.txt"
        curl -sfo "$d/k3s" "$base/k3s"
        (cd "$d" && grep -E '  k3s$' sha256sum-amd64.txt | sha256sum -c --quiet -)
        install -m755 "$d/k3s" "$d/usr/local/bin/k3s"
        sync -f "$d/usr/local/bin/k3s"
        echo $(($(now_ms) - t0))
}

nodeprep_run() {
        local d=$work/np t0
        rm -rf "$d"; mkdir -p "$d"
        t0=$(now_ms)
        "$NODEPREP" --root "$d" -q k3s install --version "$V" --mirror "$MIRROR_URL" --no-start >/dev/null 2>&1
        echo $(($(now_ms) - t0))
}

: >"$work/floor.ms"; : >"$work/np.ms"
floor_run >/dev/null; nodeprep_run >/dev/null     # warm the page cache and the mirror
for ((i = 0; i < RUNS; i++)); do
        floor_run >>"$work/floor.ms"
        nodeprep_run >>"$work/np.ms"
done
f=$(median <"$work/floor.ms")
n=$(median <"$work/np.ms")
echo "k3s-install: ${SIZE_MB} MB stand-in, $RUNS runs"
echo "  floor (curl -o + sha256sum -c + install -m755): median ${f} ms  [$(tr '\n' ' ' <"$work/floor.ms")]"
echo "  nodeprep k3s install --no-start:                median ${n} ms  [$(tr '\n' ' ' <"$work/np.ms")]"
awk -v n="$n" -v f="$f" 'BEGIN { r = n / f; printf "  ratio %.2fx (goal <= 1.20x): %s\n", r, r <= 1.2 ? "met" : "NOT met" }'
