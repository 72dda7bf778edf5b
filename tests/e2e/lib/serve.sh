# shellcheck shell=bash
# Helpers for the `nodeprep serve` tests: sourced, not run.
#   serve_start [nodeprep args...] -- [serve args...]
#                                  start on a free loopback port; sets SERVE_PID, PORT, URL
#   serve_stop                     stop it (also on EXIT)
#   http PATH [curl args...]       sets code, ctype, body
#   wait_for CMD...                retry CMD for up to $WAIT seconds
set -euo pipefail
: "${NODEPREP:?set NODEPREP to the nodeprep binary}"
: "${NODEPREP_TOP:?set NODEPREP_TOP to the repository}"
TMP=$(mktemp -d /tmp/nodeprep-serve.XXXXXX)
SERVE_PID=
WAIT=${WAIT:-15}
source "$NODEPREP_TOP/tests/lib/harness.sh"
# On failure, the end of serve's log.
fail_hook() {
        local log
        [ -f "$TMP/serve.log" ] || return 0
        log=$(tail -n 20 "$TMP/serve.log")
        sed 's/^/  serve: /' <<<"$log"
}

# SIGTERM must end serve cleanly: exit 0 (under ASan: no leak reports).
serve_stop() {
        local pid=$SERVE_PID rc=0
        SERVE_PID=
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
                echo "serve did not stop within 10 s of SIGTERM; its threads wait in:" >&2
                for t in /proc/"$pid"/task/*; do echo "  $(cat "$t/comm" 2>/dev/null): $(cat "$t/wchan" 2>/dev/null)" >&2; done
        fi
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || rc=$?
        [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
}
_serve_cleanup() { serve_stop || true; rm -rf "$TMP"; }
trap _serve_cleanup EXIT

free_port() {
        local p
        for _ in $(seq 50); do
                # Below the ephemeral range (32768-60999): no client socket holds it.
                p=$((20000 + RANDOM % 12000))
                [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || { echo "$p"; return; }
        done
        echo 29470
}

# serve_start [global args...] -- [serve args...]; runs under $SERVE_WRAP (e.g. valgrind).
serve_start() {
        local global=() args=()
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do global+=("$1"); shift; done
        [ $# -gt 0 ] && shift
        args=("$@")
        for _attempt in 1 2 3; do
                PORT=$(free_port)
                URL="http://127.0.0.1:$PORT"
                # shellcheck disable=SC2086
                ${SERVE_WRAP:-} "$NODEPREP" "${global[@]}" serve --listen "127.0.0.1:$PORT" "${args[@]}" \
                        >"$TMP/serve.log" 2>&1 &
                SERVE_PID=$!
                for _ in $(seq $((WAIT * 10))); do
                        curl -s -o /dev/null "$URL/livez" && return 0
                        kill -0 "$SERVE_PID" 2>/dev/null || break
                        sleep 0.1
                done
                kill -0 "$SERVE_PID" 2>/dev/null && fail "serve did not answer on $URL within ${WAIT}s"
                grep -q "Address already in use" "$TMP/serve.log" || fail "serve exited early"
        done
        fail "no free port found"
}

http() {
        local path=$1; shift
        local out
        out=$(curl -s -o "$TMP/body" -w '%{http_code} %{content_type}' "$@" "$URL$path") || true
        code=${out%% *}
        ctype=${out#* }
        body=$(cat "$TMP/body" 2>/dev/null || true)
}

wait_for() {
        for _ in $(seq $((WAIT * 10))); do
                "$@" && return 0
                sleep 0.1
        done
        return 1
}

# A config with thresholds a test can drive; extra lines appended.
write_config() {
        mkdir -p "$TMP/data"
        {
                echo "[health]"
                echo "data_dir = $TMP/data"
                echo "data_disk_min_free_bytes = 1M"
                echo "data_disk_min_free_percent = 0"
                echo "pressure_avg10_fail_percent = 100"
                echo "pressure_avg60_fail_percent = 100"
                echo "steal_fail_percent = 100"
                for l in "$@"; do echo "$l"; done
        } >"$TMP/nodeprep.conf"
        echo "$TMP/nodeprep.conf"
}
