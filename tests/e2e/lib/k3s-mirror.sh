# shellcheck shell=bash
# The loopback K3s release mirror and the stand-in release for tests.
#   k3s_release_dir DIR VERSION SIZE_MB   a release directory (stand-in k3s)
#   k3s_mirror_start DIR VERSION          sets MIRROR_URL, CHANNEL_URL, MIRROR_PID
#   k3s_mirror_fault NAME                 switch the fault (none clears)
#   k3s_mirror_requests                   the request log
#   k3s_mirror_setup PREFIX VERSION SIZE_MB
#                     for tests on a --root tree: sets work (a fresh /tmp/PREFIX.*),
#                     a release in $work/rel, the mirror serving it; on EXIT the
#                     mirror stops, $K3S_ON_EXIT runs (if set) and $work goes
#   loopback_port                         a free TCP port on 127.0.0.1
#   sink_wait PID PORT                    a report sink started in the background: the EXIT
#                                         trap of k3s_mirror_setup kills it; waits until it answers
K3S_TEST_DIR=${NODEPREP_TOP:?}/tests/e2e/k3s
source "$NODEPREP_TOP/tests/lib/harness.sh"

k3s_release_dir() {  # DIR VERSION SIZE_MB
        mkdir -p "$1"
        python3 "$K3S_TEST_DIR/make-standin.py" "$1/k3s" "$2" "$3"
}

k3s_mirror_start() {  # DIR VERSION
        local pf
        pf=$(mktemp -u /tmp/k3s-mirror-port.XXXXXX)
        python3 "$K3S_TEST_DIR/mirror.py" --dir "$1" --version "$2" --port-file "$pf" \
                >/dev/null 2>&1 &
        MIRROR_PID=$!
        for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
        [ -s "$pf" ] || { echo "mirror did not start"; return 1; }
        MIRROR_URL=http://127.0.0.1:$(cat "$pf")/releases
        CHANNEL_URL=http://127.0.0.1:$(cat "$pf")/channels
        MIRROR_CONTROL=http://127.0.0.1:$(cat "$pf")/_control
        rm -f "$pf"
}

k3s_mirror_stop() {
        if [ -n "${MIRROR_PID:-}" ]; then
                kill "$MIRROR_PID" 2>/dev/null
                wait "$MIRROR_PID" 2>/dev/null || true
        fi
        MIRROR_PID=
}

k3s_mirror_fault() {
        curl -sf --noproxy '*' "$MIRROR_CONTROL/fault/$1" >/dev/null
}

k3s_mirror_requests() {
        curl -sf --noproxy '*' "$MIRROR_CONTROL/requests"
}

k3s_mirror_setup() {  # PREFIX VERSION SIZE_MB
        work=$(mktemp -d "/tmp/$1.XXXXXX")
        trap 'k3s_mirror_stop; eval "${K3S_ON_EXIT:-}" || true; rm -rf "$work"' EXIT
        k3s_release_dir "$work/rel" "$2" "$3"
        k3s_mirror_start "$work/rel" "$2"
}

loopback_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

sink_wait() {  # PID PORT
        K3S_ON_EXIT="kill $1 2>/dev/null"
        for _ in $(seq 50); do
                curl -s -o /dev/null "http://127.0.0.1:$2/" && return 0
                sleep 0.1
        done
}
