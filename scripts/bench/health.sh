#!/usr/bin/env bash
# Benchmark: nodeprep serve vs Debian's prometheus-node-exporter, both on
# loopback, in one run. wrk -t2 -c32 -d10s on each /metrics and on nodeprep's
# /readyz; per run: requests/s, p99 latency, RSS after the load, and CPU
# seconds per 1000 scrapes (utime+stime of the server over the run). Then the
# ratios. Goals (issue 5): >= 50x node_exporter's /metrics requests/s, RSS
# <= 4 MB after load, CPU per scrape <= 1/20 of node_exporter's.
# RSS counts shared library pages too, so PSS and private (USS) memory are
# printed beside it, and the RSS floor of the libraries alone: a process that
# only starts libmicrohttpd (with GnuTLS) is already ~4 MB RSS on Debian 12.
#
# That /metrics ratio compares a body nodeprep rendered earlier with
# node_exporter running ~40 collectors per request, so the honest comparison
# follows it: nodeprep's collection (every interval, whether anyone scrapes
# or not; instructions by callgrind and CPU per collection) against a second
# node_exporter restricted to the collectors for the same facts (arp,
# conntrack, filefd, netstat, pressure, cpu, filesystem, nvme), per 15 s
# Prometheus scrape interval.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NP=${NODEPREP:-$top/build/nodeprep}
DURATION=${DURATION:-10s}
for c in wrk prometheus-node-exporter curl; do
        command -v "$c" >/dev/null || { echo "bench/health: $c missing: scripts/install-deps.sh --bench"; exit 1; }
done
tmp=$(mktemp -d /tmp/nodeprep-bench-health.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

port() { echo $((20000 + RANDOM % 12000)); }
wait_http() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mem() {  # PID -> "rss pss uss" in kB
        awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_Clean:/ {u+=$2} /^Private_Dirty:/ {u+=$2}
             END {print r, p, u}' "/proc/$1/smaps_rollup"
}

mkdir -p "$tmp/data"
# PSI and steal at 100 %: a loaded bench box would otherwise make /readyz
# answer 500 (as fast, but wrk counts it as an error).
printf '[health]\ndata_dir = %s\npressure_avg10_fail_percent = 100\npressure_avg60_fail_percent = 100\nsteal_fail_percent = 100\n' \
        "$tmp/data" > "$tmp/nodeprep.conf"
NPPORT=$(port); NEPORT=$(port)
"$NP" serve --config "$tmp/nodeprep.conf" --listen "127.0.0.1:$NPPORT" 2>"$tmp/np.log" &
pids+=($!); np_pid=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$NEPORT" >"$tmp/ne.log" 2>&1 &
pids+=($!); ne_pid=$!
wait_http "http://127.0.0.1:$NPPORT/livez"
wait_http "http://127.0.0.1:$NEPORT/metrics"
for _ in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$NPPORT/metrics"; curl -s -o /dev/null "http://127.0.0.1:$NEPORT/metrics"; done
echo "nodeprep $("$NP" version) on :$NPPORT ($(curl -s "http://127.0.0.1:$NPPORT/metrics" | grep -vc '^#') samples," \
     "$(curl -s "http://127.0.0.1:$NPPORT/metrics" | wc -c) bytes); node_exporter" \
     "$(prometheus-node-exporter --version 2>&1 | awk 'NR == 1 {print $3}') on :$NEPORT" \
     "($(curl -s "http://127.0.0.1:$NEPORT/metrics" | grep -vc '^#') samples, $(curl -s "http://127.0.0.1:$NEPORT/metrics" | wc -c) bytes)"

declare -A RPS P99 RSS PSS USS CPU
run() {  # NAME PID URL
        local name=$1 pid=$2 url=$3 t0 t1 reqs out
        t0=$(cpu_ticks "$pid")
        out=$(wrk -t2 -c32 -d"$DURATION" --latency "$url")
        t1=$(cpu_ticks "$pid")
        RPS[$name]=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        P99[$name]=$(awk '$1 == "99%" {print $2}' <<<"$out")
        reqs=$(awk '/requests in/ {print $1}' <<<"$out")
        grep -q "Non-2xx" <<<"$out" && echo "warning: $name: $(grep Non-2xx <<<"$out")"
        read -r RSS[$name] PSS[$name] USS[$name] < <(mem "$pid")
        CPU[$name]=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.4f", d / hz / n * 1000}')
}
run np-metrics "$np_pid" "http://127.0.0.1:$NPPORT/metrics"
run np-readyz "$np_pid" "http://127.0.0.1:$NPPORT/readyz"
run ne-metrics "$ne_pid" "http://127.0.0.1:$NEPORT/metrics"

printf '\n%-24s %12s %10s %10s %10s %10s %16s\n' "wrk -t2 -c32 -d$DURATION" "req/s" "p99" "RSS kB" "PSS kB" "USS kB" "CPU s/1000 req"
for n in np-metrics np-readyz ne-metrics; do
        case $n in np-metrics) l="nodeprep /metrics";; np-readyz) l="nodeprep /readyz";; ne-metrics) l="node_exporter /metrics";; esac
        printf '%-24s %12s %10s %10s %10s %10s %16s\n' "$l" "${RPS[$n]}" "${P99[$n]}" "${RSS[$n]}" "${PSS[$n]}" "${USS[$n]}" "${CPU[$n]}"
done
echo
awk -v a="${RPS[np-metrics]}" -v b="${RPS[ne-metrics]}" 'BEGIN {printf "/metrics req/s: nodeprep / node_exporter = %.1fx (goal >= 50x)\n", a / b}'
awk -v a="${RSS[np-metrics]}" -v b="${RSS[ne-metrics]}" -v pa="${PSS[np-metrics]}" -v pb="${PSS[ne-metrics]}" -v ua="${USS[np-readyz]}" -v ub="${USS[ne-metrics]}" \
        'BEGIN {printf "RSS after load: nodeprep %.1f MB, node_exporter %.1f MB (goal <= 4 MB); PSS %.1f vs %.1f MB; private %.1f vs %.1f MB\n", a / 1024, b / 1024, pa / 1024, pb / 1024, ua / 1024, ub / 1024}'
awk -v a="${CPU[np-metrics]}" -v b="${CPU[ne-metrics]}" 'BEGIN {printf "CPU per /metrics scrape: nodeprep %.3f ms, node_exporter %.3f ms = 1/%.0f (goal <= 1/20)\n", a, b, b / a}'

# --- The honest comparison: collection cost against node_exporter's same facts.
source "$top/scripts/bench/lib.sh"
SAME=(--collector.disable-defaults --collector.arp --collector.conntrack --collector.filefd --collector.netstat
      --collector.pressure --collector.cpu --collector.filesystem --collector.nvme)
NE2PORT=$(port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE2PORT" "${SAME[@]}" >"$tmp/ne2.log" 2>&1 &
pids+=($!); ne2_pid=$!
wait_http "http://127.0.0.1:$NE2PORT/metrics"
run ne-same "$ne2_pid" "http://127.0.0.1:$NE2PORT/metrics"
# nodeprep: one collection (collect_once: collect, judge, render the bodies),
# instructions by callgrind over `serve --once` (two collections), and CPU
# per collection of a serve left idle at a 1 s interval.
coll_ir=$(bench_instructions --toggle-collect=collect_once -- "$NP" serve --once --config "$tmp/nodeprep.conf")
coll_ir=$((coll_ir / 2))
IDLE=${IDLE:-20}
NP2PORT=$(port)
printf '[health]\ndata_dir = %s\ninterval = 1\npressure_avg10_fail_percent = 100\npressure_avg60_fail_percent = 100\nsteal_fail_percent = 100\n' \
        "$tmp/data" > "$tmp/idle.conf"
"$NP" serve --config "$tmp/idle.conf" --listen "127.0.0.1:$NP2PORT" 2>"$tmp/np2.log" &
pids+=($!); np2_pid=$!
wait_http "http://127.0.0.1:$NP2PORT/livez"
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }   # ns on CPU, all threads of the task
t0=$(cpu_ns "$np2_pid"); s0=$(curl -s "http://127.0.0.1:$NP2PORT/status" | jq .collection)
sleep "$IDLE"
t1=$(cpu_ns "$np2_pid"); s1=$(curl -s "http://127.0.0.1:$NP2PORT/status" | jq .collection)
coll_ms=$(awk -v d=$((t1 - t0)) -v n=$((s1 - s0)) 'BEGIN {printf "%.3f", d / n / 1e6}')
echo
echo "node_exporter restricted to the same facts (${SAME[*]:1}):"
printf '  /metrics %s req/s, %s ms CPU per scrape\n' "${RPS[ne-same]}" "${CPU[ne-same]}"
echo "nodeprep collection: $coll_ir instructions, $coll_ms ms CPU per collection ($((s1 - s0)) collections in ${IDLE}s idle)"
awk -v c="$coll_ms" -v s="${CPU[np-metrics]}" -v n="${CPU[ne-same]}" -v i=5 'BEGIN {
        np = 15 / i * c + s;
        printf "per 15 s scrape interval: nodeprep %.3f ms (3 collections at the default 5 s interval + one scrape), node_exporter (same facts) %.3f ms: ratio %.2fx\n", np, n, np / n }'
