#!/usr/bin/env bash
# Benchmark: applying the per-netns keys of the `serverless` profile in a fresh
# network namespace, nodeprep vs procps `sysctl -p` of the same keys (and vs
# TuneD one-shot when it is installed). hyperfine, 25 runs each, medians.
#   first apply: every run starts from the namespace's defaults
#   no-op:       the values are already in place
# nodeprep journals the originals (fsync), reads every key back and persists
# the drop-in atomically; procps does none of that. Goals: first apply <= 1.5x
# procps, no-op <= 1.0x procps, >= 20x faster than TuneD.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NP=${NODEPREP:-$top/build/nodeprep}
[ "$(id -u)" -eq 0 ] || { echo "bench/apply: needs root (unshare -n -m)"; exit 1; }
command -v hyperfine >/dev/null || { echo "bench/apply: hyperfine missing: scripts/install-deps.sh --bench"; exit 1; }
RUNS=${RUNS:-25}
tmp=$(mktemp -d /tmp/nodeprep-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The per-netns keys of serverless, as a profile, a sysctl.conf and a TuneD profile.
"$NP" --json profile show serverless |
        jq -r '.sysctl[] | select(.scope=="per-netns") | [.key, .modifier, .value] | @tsv' > "$tmp/keys.tsv"
{ echo "[sysctl]"; awk -F'\t' '{ printf "%s = %s%s\n", $1, ($2==">=" ? ">=" : ""), $3 }' "$tmp/keys.tsv"; } > "$tmp/netns.ini"
awk -F'\t' '{ printf "%s = %s\n", $1, $3 }' "$tmp/keys.tsv" > "$tmp/sysctl.conf"
mkdir -p "$tmp/etc-tuned/npbench" "$tmp/etc-sysctl.d" "$tmp/var-lib" "$tmp/run"
if command -v tuned >/dev/null; then
        sed 's/^daemon = 1/daemon = 0/' /etc/tuned/tuned-main.conf > "$tmp/etc-tuned/tuned-main.conf"
        { printf '[main]\nsummary=nodeprep bench\n[sysctl]\n'; awk -F'\t' '{ printf "%s=%s\n", $1, $3 }' "$tmp/keys.tsv"; } \
                > "$tmp/etc-tuned/npbench/tuned.conf"
fi
echo "keys: $(cut -f1 "$tmp/keys.tsv" | tr '\n' ' ')"

export NP tmp RUNS
unshare -n -m bash -euo pipefail -c '
mount --bind "$tmp/etc-sysctl.d" /etc/sysctl.d
mount --bind "$tmp/var-lib" /var/lib
mount --bind "$tmp/run" /run
[ -f "$tmp/etc-tuned/tuned-main.conf" ] && mount --bind "$tmp/etc-tuned" /etc/tuned
keys=$(cut -f1 "$tmp/keys.tsv")
reset="sysctl -q"
for k in $keys; do reset="$reset -w $k=$(sysctl -n $k | tr "\t" " " | sed "s/ /\\\\ /g")"; done
echo "$reset; rm -rf /var/lib/nodeprep /etc/sysctl.d/99-zz-nodeprep.conf" > "$tmp/reset.sh"
cmds=("$NP apply --allow-netns $tmp/netns.ini" "sysctl -q -p $tmp/sysctl.conf")
names=(nodeprep procps)
if [ -f "$tmp/etc-tuned/tuned-main.conf" ]; then cmds+=("tuned -p npbench"); names+=(tuned); fi
args=(); for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N --style basic --runs "$RUNS" --warmup 3 --prepare "bash $tmp/reset.sh" \
        --export-json "$tmp/first.json" "${args[@]}" >/dev/null
bash "$tmp/reset.sh"; $NP apply --allow-netns "$tmp/netns.ini" >/dev/null
hyperfine -N --style basic --runs "$RUNS" --warmup 3 --export-json "$tmp/noop.json" \
        -n nodeprep "$NP apply --allow-netns $tmp/netns.ini" -n procps "sysctl -q -p $tmp/sysctl.conf" >/dev/null
'
report() {  # file label
        jq -r --arg what "$2" '
          (.results | map({(.command): .median}) | add) as $m
          | "\($what): nodeprep \($m.nodeprep * 1000 | . * 100 | round / 100) ms, procps \($m.procps * 1000 | . * 100 | round / 100) ms, ratio nodeprep/procps \($m.nodeprep / $m.procps | . * 100 | round / 100)x (goal \(if $what == "first apply" then "<= 1.5x" else "<= 1.0x" end))"
            + (if $m.tuned then "\n\($what): tuned \($m.tuned * 1000 | . * 10 | round / 10) ms, nodeprep is \($m.tuned / $m.nodeprep | . * 10 | round / 10)x faster than TuneD one-shot (goal >= 20x)" else "" end)' "$1"
}
report "$tmp/first.json" "first apply"
report "$tmp/noop.json" "no-op re-apply"
