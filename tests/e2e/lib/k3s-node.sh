# shellcheck shell=bash
# A booted Debian 12 container ready for `nodeprep k3s install`: nodeprep in
# /usr/local/sbin, and a loopback release mirror with the stand-in running
# inside (the container's network is private, so the mirror lives there).
#   k3s_node_start NAME VERSION RELDIR [nspawn_start options]   sets NODE_MIRROR
source "$NODEPREP_TOP/tests/e2e/lib/nspawn.sh"

k3s_node_start() {
        local name=$1 version=$2 rel=$3 root i
        shift 3
        nspawn_start "$name" "$@" || return 1
        root=$(nspawn_root "$name")
        install -D -m 0755 "$NODEPREP" "$root/usr/local/sbin/nodeprep"
        mkdir -p "$root/opt/k3s-mirror"
        cp -a "$rel" "$root/opt/k3s-mirror/rel"
        cp "$NODEPREP_TOP/tests/e2e/k3s/mirror.py" "$root/opt/k3s-mirror/"
        nspawn_exec "$name" systemd-run --quiet --unit=k3s-mirror python3 /opt/k3s-mirror/mirror.py \
                --dir /opt/k3s-mirror/rel --version "$version" --port-file /opt/k3s-mirror/port || return 1
        for ((i = 0; i < 100; i++)); do
                [ -s "$root/opt/k3s-mirror/port" ] && break
                sleep 0.1
        done
        [ -s "$root/opt/k3s-mirror/port" ] || { echo "mirror in $name did not start" >&2; return 1; }
        NODE_MIRROR=http://127.0.0.1:$(cat "$root/opt/k3s-mirror/port")
}
