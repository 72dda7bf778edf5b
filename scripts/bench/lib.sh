# shellcheck shell=bash
# Shared by the benchmarks: instruction counts beside wall times, and one
# row format. Instructions (callgrind) are stable on a noisy machine; wall
# time is not, so every row prints both, with the run count and
# min/median/max of the wall times.
#
#   bench_instructions [OPTS --] CMD...  instructions of one run (callgrind Ir),
#                                       summed over every process it starts
#   bench_wall FILE NAME               "median min max" in ms, from hyperfine's JSON
#   bench_row LABEL GOAL NP_FILE NP_NAME NP_IR PEER_LABEL PEER_FILE PEER_NAME PEER_IR
#                                       one row: both sides, wall and instruction ratios

bench_instructions() {
        local out rc=0
        out=$(mktemp /tmp/nodeprep-bench-cg.XXXXXX)
        valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out.%p.cg" "$@" >/dev/null 2>"$out" || rc=$?
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out" | awk '{ n += $1 } END { print n + 0 }'
        rm -f "$out" "$out".*.cg
        return 0
}

bench_wall() {  # FILE NAME
        jq -r --arg n "$2" '.results[] | select(.command == $n)
                | "\(.median * 1000) \(.min * 1000) \(.max * 1000) \(.times | length)"' "$1"
}

# The ratio of medians is the one the goal is judged on.
bench_row() {
        local label=$1 goal=$2 npf=$3 npn=$4 npi=$5 peer=$6 pf=$7 pn=$8 pi=$9 a b
        a=$(bench_wall "$npf" "$npn")
        b=$(bench_wall "$pf" "$pn")
        awk -v label="$label" -v goal="$goal" -v a="$a" -v b="$b" -v npi="$npi" -v peer="$peer" -v pi="$pi" 'BEGIN {
                split(a, x, " "); split(b, y, " ");
                r = x[1] / y[1]; ir = (pi > 0) ? npi / pi : 0;
                g = goal; sub(/^<= */, "", g); sub(/x$/, "", g);
                printf "%s: nodeprep %.2f ms (min %.2f, max %.2f, %d runs, %d instructions); %s %.2f ms (min %.2f, max %.2f, %d instructions)\n",
                       label, x[1], x[2], x[3], x[4], npi, peer, y[1], y[2], y[3], pi;
                printf "%s: ratio %.2fx wall, %.2fx instructions (goal %s): %s\n",
                       label, r, ir, goal, (r <= g + 0) ? "met" : "NOT met";
        }'
}
