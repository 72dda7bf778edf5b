#!/usr/bin/env bash
# nodeprep serve on fixture trees (--root): each check driven by editing the
# fixture's procfs files, both with --once (the verbose /readyz listing, exit 3
# when not ready) and with the server running while counters move; the
# profile-drift check against a profile applied into the tree; the [health]
# config validated at start (exit 2 with file:line).
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"
command -v curl >/dev/null || fail "curl missing (scripts/install-deps.sh installs it)"

mkhealth() {  # a tune fixture with the health procfs files laid over it
        local r; r=$(mkroot tune/debian12)
        cp -a "$FIXTURES/health/node/." "$r/"
        mkdir -p "$r/etc/nodeprep"
        printf '[health]\ninterval = 1\ncounter_hold = 2\nchecks = %s\n' \
                "${1:-profile-drift neighbour-table conntrack file-handles listen-queue pressure data-disk k3s}" \
                > "$r/etc/nodeprep/nodeprep.conf"
        echo "$r"
}
set_netstat() {  # FILE PREFIX NAME VALUE
        python3 - "$@" <<'PY'
import sys
path, prefix, name, value = sys.argv[1:]
lines = open(path).read().split("\n")
for i in range(len(lines) - 1):
    if lines[i].startswith(prefix + ":") and lines[i + 1].startswith(prefix + ":"):
        names, values = lines[i].split(), lines[i + 1].split()
        values[names.index(name)] = value
        lines[i + 1] = " ".join(values)
        break
open(path, "w").write("\n".join(lines))
PY
}
set_lnstat() {  # FILE COLUMN HEXVALUE: the column in the first CPU row
        python3 - "$@" <<'PY'
import sys
path, col, val = sys.argv[1:]
lines = open(path).read().split("\n")
idx = lines[0].split().index(col)
row = lines[1].split(); row[idx] = val; lines[1] = " ".join(row)
open(path, "w").write("\n".join(lines))
PY
}

# --- a healthy fixture node ----------------------------------------------------
R=$(mkhealth)
run 0 np --root "$R" serve --once
contains "$out" "[+]conntrack ok"; contains "$out" "[+]file-handles ok"; contains "$out" "[+]pressure ok"
contains "$out" "[+]data-disk ok"; contains "$out" "[+]listen-queue ok"
contains "$out" "[+]neighbour-table unknown: neighbour dump: netlink not used under --root"
contains "$out" "[+]profile-drift n/a: no profile has been applied"
contains "$out" "[+]k3s n/a: K3s is not installed"
contains "$out" "readyz check passed"
[ ! -e "$R/var/lib/rancher/k3s/.nodeprep-canary" ] || fail "canary left behind"; ok
run 0 np --root "$R" --json serve --once
eq "$(echo "$out" | jq_ '.figures.conntrack.entries')" 1200
eq "$(echo "$out" | jq_ '.figures.conntrack.max')" 262144
eq "$(echo "$out" | jq_ '.figures.file_handles.allocated')" 1184
eq "$(echo "$out" | jq_ '.figures.pressure.io.some_avg10')" 1.5
eq "$(echo "$out" | jq_ '.figures.data_disk.path')" /var/lib/rancher/k3s
eq "$(echo "$out" | jq_ '.figures.data_disk.canary')" ok
eq "$(echo "$out" | jq_ '.figures.neighbour.ipv4.table_fulls')" 0
eq "$(echo "$out" | jq_ '.figures.neighbour.ipv4.gc_thresh3')" 1024
eq "$(echo "$out" | jq_ '.ready')" true

# --- thresholds: each check trips on its own figure -----------------------------
echo 240000 > "$R/proc/sys/net/netfilter/nf_conntrack_count"
printf '9500\t0\t10000\n' > "$R/proc/sys/fs/file-nr"
printf 'some avg10=95.00 avg60=20.00 avg300=5.00 total=999\n' > "$R/proc/pressure/io"
run 3 np --root "$R" serve --once
contains "$out" "[-]conntrack failed: 240000/262144 entries (92%) >= 90% of nf_conntrack_max"
contains "$out" "[-]file-handles failed: 9500/10000 file handles (95%) >= 90% of file-max"
contains "$out" "[-]pressure failed: "; contains "$out" "io some avg10=95.00 avg60=20.00 over the limits 90/60"
contains "$out" "readyz check failed"
# Sources that are absent: n/a, not failures; garbage: unknown.
rm "$R/proc/sys/net/netfilter/nf_conntrack_count" "$R"/proc/pressure/*
printf 'garbage\n' > "$R/proc/sys/fs/file-nr"
run 0 np --root "$R" serve --once
contains "$out" "[+]conntrack n/a: nf_conntrack is not loaded"
contains "$out" "[+]pressure n/a: PSI is not available"
contains "$out" "[+]file-handles unknown: file-nr: Bad message"

# --- counters: increases fail for counter_hold seconds, then clear --------------
R=$(mkhealth "conntrack listen-queue neighbour-table file-handles")
PORT=$((20000 + RANDOM % 12000))
"$NODEPREP" --root "$R" serve --listen "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$TMP"' EXIT
get() { curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
waitcode() {  # PATH CODE [substring]
        for _ in $(seq 80); do
                c=$(get "$1" || true)
                if [ "$c" = "$2" ] && { [ -z "${3:-}" ] || grep -qF -- "$3" "$TMP/body"; }; then ok; return 0; fi
                sleep 0.1
        done
        fail "$1: expected $2 ${3:+with '$3'}; got $c: $(cat "$TMP/body"; tail -3 "$TMP/serve.log")"
}
waitcode /readyz 200
set_netstat "$R/proc/net/netstat" TcpExt ListenOverflows 9
waitcode "/readyz?verbose" 500 "[-]listen-queue failed: accept queues overflowed within the last 2s: ListenOverflows +9"
waitcode /readyz 200
set_lnstat "$R/proc/net/stat/arp_cache" table_fulls 00000003
waitcode "/readyz?verbose" 500 "[-]neighbour-table failed: ipv4 table overflowed: table_fulls +3"
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
contains "$metrics" 'nodeprep_neighbour_table_fulls_total{family="ipv4"} 3'
contains "$metrics" 'nodeprep_check_ok{check="neighbour-table"} 0'
waitcode /readyz 200
set_lnstat "$R/proc/net/stat/nf_conntrack" insert_failed 00000002
waitcode /readyz/conntrack 500 "insert_failed +2"
waitcode /readyz/conntrack 200
# A source that breaks mid-run makes its check unknown and never stops serving.
rm "$R/proc/net/netstat"
waitcode "/readyz?verbose" 200 "[+]listen-queue unknown: TcpExt in /proc/net/netstat: No such file or directory"
waitcode /metrics 200
kill "$pid"; wait "$pid" || fail "serve exit status $? on SIGTERM"; ok

# --- profile-drift: a profile applied into the tree, then a key drifts ---------
R=$(mkhealth "profile-drift")
run 0 np --root "$R" apply --no-persist serverless
run 0 np --root "$R" serve --once
contains "$out" "[+]profile-drift ok"
run 0 np --root "$R" --json serve --once
eq "$(echo "$out" | jq_ '.profile.name')" serverless
echo 128 > "$R/proc/sys/net/core/somaxconn"
run 3 np --root "$R" serve --once
contains "$out" "[-]profile-drift failed: profile serverless: 1 of "; contains "$out" "drifted: net.core.somaxconn"

# --- k3s installed by nodeprep, but no systemd under --root: unknown -------------
R=$(mkhealth "k3s")
mkdir -p "$R/var/lib/nodeprep"
echo '{"version":"v1.31.4+k3s1","role":"server","unit":"k3s.service","files":{},"links":[]}' \
        > "$R/var/lib/nodeprep/k3s-install.json"
run 0 np --root "$R" serve --once
contains "$out" "[+]k3s unknown: server: unit-active skipped"

# --- nvme-health on the probe module's NVMe fixture: state from sysfs -----------
R=$(mkroot check/baremetal-nvme-vmx)
printf '[health]\nchecks = nvme-health\n' > "$TMP/nvme.conf"
run 0 np --root "$R" serve --once --config "$TMP/nvme.conf"
contains "$out" "[+]nvme-health ok"
run 0 np --root "$R" --json serve --once --config "$TMP/nvme.conf"
eq "$(echo "$out" | jq_ '.nvme[0].controller')" nvme0
eq "$(echo "$out" | jq_ '.checks[] | select(.name == "nvme-health") | .reason')" "nvme0: live, SMART needs the live device"
echo dead > "$(readlink -f "$R/sys/class/nvme/nvme0")/state"
run 3 np --root "$R" serve --once --config "$TMP/nvme.conf"
contains "$out" "[-]nvme-health failed: nvme0 state dead"

# --- the config, validated at start ---------------------------------------------
R=$(mkhealth)
C=$R/etc/nodeprep/nodeprep.conf
bad() {  # EXPECTED-MESSAGE LINES...
        local msg=$1; shift
        printf '%s\n' "$@" > "$C"
        run 2 np --root "$R" serve --once
        contains "$err" "$msg"
}
bad "nodeprep.conf:2: unknown key 'bogus' in [health]" "[health]" "bogus = 1"
bad "nodeprep.conf:3: interval: '0' is not an integer in [1, 3600]" "[health]" "listen = 127.0.0.1:1" "interval = 0"
bad "nodeprep.conf:2: checks: unknown check 'nope'" "[health]" "checks = conntrack nope"
bad "nodeprep.conf:1: 'interval' appears before any [section]" "interval = 5"
bad "nodeprep.conf:2: data_dir: 'relative' is not an absolute path" "[health]" "data_dir = relative"
bad "nodeprep.conf:2: pressure_avg10_fail_percent: '101' is not a percentage" "[health]" "pressure_avg10_fail_percent = 101"
bad "nodeprep.conf:2: data_disk_min_free_bytes: '1X' is not a size" "[health]" "data_disk_min_free_bytes = 1X"
bad "nodeprep.conf:3: syntax error" "[health]" "interval = 5" "no equals sign here"
bad "nodeprep.conf:2: line too long" "[health]" "checks = $(printf 'conntrack %.0s' $(seq 200))"
bad "tls_cert and tls_key must be set together" "[health]" "tls_cert = /x.pem"
bad "nodeprep.conf:2: neighbour_fail_percent: '0' is not an integer in [1, 100]" "[health]" "neighbour_fail_percent = 0"
# Other sections belong to other commands; comments and blank lines are fine.
printf '[k3s]\nanything = goes\n\n; comment\n[health]\ninterval = 2 ; inline\n' > "$C"
run 0 np --root "$R" serve --once
# --config: a host path; missing is an error (the default path may be absent).
run 2 np --root "$R" serve --once --config "$TMP/none.conf"
contains "$err" "$TMP/none.conf: No such file or directory"
rm "$C"
run 0 np --root "$R" serve --once
# The shipped configs parse.
for shipped in "$NODEPREP_TOP/packaging/etc/nodeprep.conf" "$NODEPREP_TOP/packaging/nodeprep.conf"; do
        [ -f "$shipped" ] || continue
        run 0 np --root "$R" serve --once --config "$shipped"
done
done_ok
