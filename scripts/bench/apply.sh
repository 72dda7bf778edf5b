#!/usr/bin/env bash
# Benchmark: nodeprep apply against procps `sysctl -p` of the same keys, on
# ext4 (/tmp is bind-mounted over the state and drop-in directories, so the
# fsyncs reach the disk, as on a real node). hyperfine (RUNS runs each,
# min/median/max) and callgrind instructions, side by side in one run.
#   1. the 4 per-netns keys of `serverless`, live in a fresh network
#      namespace: first apply (every run from the namespace's defaults) and
#      no-op re-apply; TuneD one-shot too when it is installed.
#   2. 5, 50 and 200 keys: a --root tree on /tmp whose proc/sys is a tmpfs
#      holding the keys (bench.kNNN, names no real kernel has), and procps
#      writing the same files through a bind mount over /proc/sys in a
#      private mount namespace. Shows how the cost grows with the work.
# nodeprep journals the originals (fsync), reads every key back and persists
# the drop-in atomically; procps does none of that.
# Goals (issue 16): first apply <= 1.5x procps, no-op <= 1.0x, 200 keys
# <= 1.2x both; >= 20x faster than TuneD.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/bench/lib.sh"
NP=${NODEPREP:-$top/build/nodeprep}
[ "$(id -u)" -eq 0 ] || { echo "bench/apply: needs root (unshare -n -m)"; exit 1; }
for c in hyperfine jq valgrind; do
        command -v "$c" >/dev/null || { echo "bench/apply: $c missing: scripts/install-deps.sh --bench"; exit 1; }
done
RUNS=${RUNS:-25}
tmp=$(mktemp -d /tmp/nodeprep-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The per-netns keys of serverless, as a profile, a sysctl.conf and a TuneD profile.
keys_tsv=$("$NP" --json profile show serverless |
        jq -r '.sysctl[] | select(.scope=="per-netns") | [.key, .modifier, .value] | @tsv')
printf '%s\n' "$keys_tsv" >"$tmp/keys.tsv"
{ echo "[sysctl]"; awk -F'\t' '{ printf "%s = %s%s\n", $1, ($2==">=" ? ">=" : ""), $3 }' "$tmp/keys.tsv"; } > "$tmp/netns.ini"
awk -F'\t' '{ printf "%s = %s\n", $1, $3 }' "$tmp/keys.tsv" > "$tmp/sysctl.conf"
mkdir -p "$tmp/etc-tuned/npbench" "$tmp/etc-sysctl.d" "$tmp/var-lib" "$tmp/run"
if command -v tuned >/dev/null; then
        sed 's/^daemon = 1/daemon = 0/' /etc/tuned/tuned-main.conf > "$tmp/etc-tuned/tuned-main.conf"
        { printf '[main]\nsummary=nodeprep bench\n[sysctl]\n'; awk -F'\t' '{ printf "%s=%s\n", $1, $3 }' "$tmp/keys.tsv"; } \
                > "$tmp/etc-tuned/npbench/tuned.conf"
fi
echo "bench/apply: $RUNS runs each; keys: $(cut -f1 "$tmp/keys.tsv" | tr '\n' ' ')"

export NP tmp RUNS top
unshare -n -m bash -euo pipefail -c '
source "$top/scripts/bench/lib.sh"
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
hyperfine -N --style none --runs "$RUNS" --warmup 3 --prepare "bash $tmp/reset.sh" \
        --export-json "$tmp/first.json" "${args[@]}" >/dev/null 2>&1
bash "$tmp/reset.sh"; npi=$(bench_instructions $NP apply --allow-netns "$tmp/netns.ini")
bash "$tmp/reset.sh"; pi=$(bench_instructions sysctl -q -p "$tmp/sysctl.conf")
echo "$npi $pi" >"$tmp/first.ir"
bash "$tmp/reset.sh"; $NP apply --allow-netns "$tmp/netns.ini" >/dev/null
hyperfine -N --style none --runs "$RUNS" --warmup 3 --export-json "$tmp/noop.json" \
        -n nodeprep "$NP apply --allow-netns $tmp/netns.ini" -n procps "sysctl -q -p $tmp/sysctl.conf" >/dev/null 2>&1
echo "$(bench_instructions $NP apply --allow-netns "$tmp/netns.ini") $(bench_instructions sysctl -q -p "$tmp/sysctl.conf")" >"$tmp/noop.ir"
'
read -r a b <"$tmp/first.ir"
bench_row "first apply, 4 keys" "<= 1.5x" "$tmp/first.json" nodeprep "$a" procps "$tmp/first.json" procps "$b"
read -r a b <"$tmp/noop.ir"
bench_row "no-op re-apply, 4 keys" "<= 1.0x" "$tmp/noop.json" nodeprep "$a" procps "$tmp/noop.json" procps "$b"
if jq -e '.results[] | select(.command == "tuned")' "$tmp/first.json" >/dev/null; then
        jq -r '(.results | map({(.command): .median}) | add) as $m
          | "first apply, 4 keys: tuned \($m.tuned * 1000 | . * 10 | round / 10) ms; nodeprep is \($m.tuned / $m.nodeprep | . * 10 | round / 10)x faster than TuneD one-shot (goal >= 20x)"' \
          "$tmp/first.json"
fi

# 2. Growth: N keys in a --root tree on ext4.
for n in 5 50 200; do
        R=$tmp/root$n
        mkdir -p "$R/proc/sys/bench" "$R/etc/sysctl.d" "$R/var/lib" "$R/run"
        { echo "[sysctl.unchecked]"; for i in $(seq -w 1 "$n"); do echo "bench.k$i = 7"; done; } >"$tmp/keys$n.ini"
        for i in $(seq -w 1 "$n"); do echo "bench.k$i = 7"; done >"$tmp/keys$n.conf"
        { echo "for f in $R/proc/sys/bench/*; do echo 0 >\"\$f\"; done"
          echo "rm -rf $R/var/lib/nodeprep $R/etc/sysctl.d/99-zz-nodeprep.conf"; } >"$tmp/reset$n.sh"
        export R n
        unshare -m --propagation private bash -euo pipefail -c '
        source "$top/scripts/bench/lib.sh"
        # The keys in memory, as in the kernel; state and drop-in on ext4.
        mount -t tmpfs -o size=4m,mode=0755 npbench "$R/proc/sys"
        mkdir "$R/proc/sys/bench"
        for i in $(seq -w 1 "$n"); do echo 0 >"$R/proc/sys/bench/k$i"; done
        mount --bind "$R/proc/sys" /proc/sys
        # procps must write the tree, never the kernel: bench/ exists only there.
        [ -d /proc/sys/bench ] || { echo "bench/apply: the bind mount over /proc/sys did not take"; exit 1; }
        np="$NP -q --root $R apply $tmp/keys$n.ini"
        pp="sysctl -q -p $tmp/keys$n.conf"
        hyperfine -N --style none --runs "$RUNS" --warmup 3 --prepare "bash $tmp/reset$n.sh" \
                --export-json "$tmp/first$n.json" -n nodeprep "$np" -n procps "$pp" >/dev/null 2>&1
        bash "$tmp/reset$n.sh"; a=$(bench_instructions $np)
        bash "$tmp/reset$n.sh"; b=$(bench_instructions $pp)
        echo "$a $b" >"$tmp/first$n.ir"
        bash "$tmp/reset$n.sh"; $np >/dev/null
        hyperfine -N --style none --runs "$RUNS" --warmup 3 \
                --export-json "$tmp/noop$n.json" -n nodeprep "$np" -n procps "$pp" >/dev/null 2>&1
        echo "$(bench_instructions $np) $(bench_instructions $pp)" >"$tmp/noop$n.ir"
        '
        goal="<= 1.2x"
        [ "$n" -lt 200 ] && goal="<= 1.5x"
        read -r a b <"$tmp/first$n.ir"
        bench_row "first apply, $n keys (--root, ext4)" "$goal" "$tmp/first$n.json" nodeprep "$a" procps "$tmp/first$n.json" procps "$b"
        [ "$n" -lt 200 ] && goal="<= 1.0x"
        read -r a b <"$tmp/noop$n.ir"
        bench_row "no-op, $n keys (--root, ext4)" "$goal" "$tmp/noop$n.json" nodeprep "$a" procps "$tmp/noop$n.json" procps "$b"
done
