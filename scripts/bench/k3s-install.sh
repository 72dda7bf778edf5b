#!/usr/bin/env bash
# nodeprep k3s install of a 70 MB stand-in from the loopback mirror, against
# the real floor (below) and against install.sh's own steps, of the same file.
# min/median/max over RUNS (10) runs each, nodeprep's instructions; prints the
# ratios (goal: <= 1.2x the floor).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export NODEPREP_TOP=$top
NODEPREP=${NODEPREP:-$top/nodeprep}
RUNS=${RUNS:-10}
SIZE_MB=${SIZE_MB:-70}
source "$top/tests/e2e/lib/k3s-mirror.sh"
source "$top/scripts/bench/lib.sh"

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/k3s-bench.XXXXXX)
trap 'k3s_mirror_stop; rm -rf "$work"' EXIT
k3s_release_dir "$work/rel" "$V" "$SIZE_MB"
k3s_mirror_start "$work/rel" "$V"
base=$MIRROR_URL/download/v1.31.4%2Bk3s1

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# The real floor: what any verified install must do at least, each once:
# one download straight into the target directory, hashed as it streams
# (tee into openssl, the fastest SHA-256 on the machine, as nodeprep hashes
# while it downloads), a rename, and the fsyncs nodeprep also makes (file and
# directory), so durability is priced alike.
floor_run() {
        local d=$work/floor t0
        rm -rf "$d"; mkdir -p "$d/usr/local/bin"
        t0=$(now_ms)
        curl -sfo "$d/sha256sum-amd64.txt" "$base/sha256sum-amd64.txt"
        want=$(awk '$2 == "k3s" { print $1 }' "$d/sha256sum-amd64.txt")
        got=$(curl -sf "$base/k3s" | tee "$d/usr/local/bin/.k3s.tmp" | openssl dgst -sha256 -r)
        [ "${got%% *}" = "$want" ]
        chmod 755 "$d/usr/local/bin/.k3s.tmp"
        sync "$d/usr/local/bin/.k3s.tmp"
        mv -f "$d/usr/local/bin/.k3s.tmp" "$d/usr/local/bin/k3s"
        sync "$d/usr/local/bin"
        echo $(($(now_ms) - t0))
}

# install.sh's own steps (download_hash, download_binary, verify_binary,
# setup_binary in k3s-io/k3s install.sh): both files into a mktemp -d under
# /tmp, sha256sum of the binary, chmod, chown, mv into the bin directory. No
# fsync at all.
installsh_run() {
        local d=$work/installsh t0 tmpd
        rm -rf "$d"; mkdir -p "$d/usr/local/bin"
        t0=$(now_ms)
        tmpd=$(mktemp -d -t k3s-install.XXXXXXXXXX)
        curl -sfo "$tmpd/k3s.hash" "$base/sha256sum-amd64.txt"
        curl -sfo "$tmpd/k3s.bin" "$base/k3s"
        want=$(grep " k3s$" "$tmpd/k3s.hash")
        got=$(sha256sum "$tmpd/k3s.bin")
        [ "${got%% *}" = "${want%% *}" ]
        chmod 755 "$tmpd/k3s.bin"
        chown root:root "$tmpd/k3s.bin"
        mv -f "$tmpd/k3s.bin" "$d/usr/local/bin/k3s"
        rm -rf "$tmpd"
        echo $(($(now_ms) - t0))
}

nodeprep_run() {
        local d=$work/np t0
        rm -rf "$d"; mkdir -p "$d"
        t0=$(now_ms)
        "$NODEPREP" --root "$d" -q k3s install --version "$V" --mirror "$MIRROR_URL" --no-start >/dev/null 2>&1
        echo $(($(now_ms) - t0))
}

: >"$work/floor.ms"; : >"$work/np.ms"; : >"$work/installsh.ms"
floor_run >/dev/null; nodeprep_run >/dev/null; installsh_run >/dev/null   # warm the page cache and the mirror
for ((i = 0; i < RUNS; i++)); do
        floor_run >>"$work/floor.ms"
        nodeprep_run >>"$work/np.ms"
        installsh_run >>"$work/installsh.ms"
done
stats() { sort -n "$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "median %s ms (min %s, max %s, %d runs)", m, a[1], a[NR], NR}'; }
f=$(median <"$work/floor.ms")
n=$(median <"$work/np.ms")
s=$(median <"$work/installsh.ms")
# Instructions: nodeprep alone (the download, hashing and writes are all in
# one process); the shell pipelines' instructions are spread over a dozen
# processes and are not summed.
rm -rf "$work/np"; mkdir -p "$work/np"
npi=$(bench_instructions "$NODEPREP" --root "$work/np" -q k3s install --version "$V" --mirror "$MIRROR_URL" --no-start)
echo "k3s-install: ${SIZE_MB} MB stand-in"
echo "  floor (curl | tee | openssl dgst, rename, fsyncs): $(stats "$work/floor.ms")"
echo "  install.sh's steps (no fsync):                 $(stats "$work/installsh.ms")"
echo "  nodeprep k3s install --no-start:               $(stats "$work/np.ms"), $npi instructions"
awk -v n="$n" -v f="$f" -v s="$s" 'BEGIN { r = n / f; printf "  ratio to the floor %.2fx (goal <= 1.20x): %s; to install.sh'"'"'s steps %.2fx\n", r, r <= 1.2 ? "met" : "NOT met", n / s }'
