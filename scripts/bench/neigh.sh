#!/usr/bin/env bash
# Benchmark: one neighbour-table collection of `nodeprep serve` over 10,000
# entries, in instructions (callgrind, --toggle-collect=neigh_count: only the
# counting itself), against iproute2's `ip neigh show` dumping the same table
# to /dev/null in the same run. Goal (issue 16): <= 5M instructions.
# The entries live in a network namespace made here, on a veth pair. They are
# permanent (8,000 IPv4, 2,000 IPv6) plus 100 stale ones: the neighbour table
# and its gc_thresh3 are shared by every namespace, and permanent entries are
# exempt from gc_entries, so the host's own table never comes near its limit.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NP=${NODEPREP:-$top/build/nodeprep}
[ "$(id -u)" -eq 0 ] || { echo "bench/neigh: needs root (unshare -n)"; exit 1; }
command -v valgrind >/dev/null || { echo "bench/neigh: valgrind missing: scripts/install-deps.sh --bench"; exit 1; }
tmp=$(mktemp -d /tmp/nodeprep-bench-neigh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
{
        for i in $(seq 0 7999); do
                printf 'neigh add 10.99.%d.%d lladdr 02:00:00:00:%02x:%02x dev np0 nud permanent\n' \
                        $((i / 250)) $((i % 250 + 2)) $((i / 256)) $((i % 256))
        done
        for i in $(seq 0 1999); do
                printf 'neigh add fd00::%x lladdr 02:00:00:01:%02x:%02x dev np0 nud permanent\n' $((i + 16)) $((i / 256)) $((i % 256))
        done
        for i in $(seq 1 100); do
                printf 'neigh add 10.99.201.%d lladdr 02:00:00:02:00:%02x dev np0 nud stale\n' "$i" "$i"
        done
} >"$tmp/neigh.batch"
mkdir -p "$tmp/data"
printf '[health]\ndata_dir = %s\n' "$tmp/data" >"$tmp/nodeprep.conf"

export NP tmp top
unshare -n bash -euo pipefail -c '
ip link add np0 type veth peer name np1
ip link set np0 up; ip link set np1 up
ip addr add 10.99.0.1/16 dev np0; ip -6 addr add fd00::1/64 dev np0
ip -batch "$tmp/neigh.batch"
ip neigh show >"$tmp/table"
echo "entries in the table: $(wc -l <"$tmp/table")"
source "$top/scripts/bench/lib.sh"
# serve --once collects twice (a baseline, then the snapshot it prints).
np=$(bench_instructions --toggle-collect=neigh_count -- "$NP" serve --once --config "$tmp/nodeprep.conf")
ip=$(bench_instructions -- ip neigh show)
np=$((np / 2))
echo "neighbour collection, 10,100 entries: nodeprep $np instructions (goal <= 5,000,000); ip neigh show $ip instructions; nodeprep uses 1/$((ip / np)) of it"
'
