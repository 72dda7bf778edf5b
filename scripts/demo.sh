#!/usr/bin/env bash
# make demo: nodeprep end to end on a disposable machine, without touching
# this one. Builds the Debian package, boots a Debian 12 container with its
# own systemd (systemd-nspawn; the debootstrap tree is cached in
# /var/cache/nodeprep-test), lets cloud-init run the shipped user-data at boot
# (NoCloud seed): apt installs the package, `nodeprep bootstrap` tunes the
# node, installs K3s, waits for it and starts nodeprep.service. Then it shows
# `nodeprep check`, /readyz?verbose and a few metrics from inside, and tears
# the machine down.
#
# The K3s here is a STAND-IN (tests/e2e/k3s/standin.py: a small program that
# answers like K3s: /ping, /readyz, node Ready, kubelet healthz), served by a
# loopback release mirror inside the container, because the container has no
# network. On a real node the same command fetches the real K3s: drop
# `--version` and `--mirror`, and nodeprep resolves the stable channel and
# downloads from the upstream release server (see README.md).
#
# The container's /proc/sys is writable only for its own network namespace,
# so the demo uses the per-netns part of the serverless profile (--allow-netns);
# this machine's kernel settings are never written.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export NODEPREP_TOP=$top
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo): it boots a container"; exit 1; }
scripts/install-deps.sh
start=$SECONDS
source tests/e2e/lib/bootstrap-node.sh

say "1/6 Build the Debian package (scripts/build-deb.sh)"
bn_deb
ls -l build/deb/*.deb

V=v1.31.4+k3s1
work=$(mktemp -d /tmp/nodeprep-demo.XXXXXX)
nspawn_on_exit "rm -rf $work"
say "2/6 Boot a disposable Debian 12 with systemd (systemd-nspawn; first run: debootstrap, a few minutes)"
k3s_release_dir "$work/rel" "$V" 8 >/dev/null
N=$(bn_name demo)
bn_node_start $N "$V" "$work/rel" || { echo "demo: the container did not boot"; exit 1; }
on() { nspawn_exec "$N" "$@"; }
on sh -c '. /etc/os-release; echo "$PRETTY_NAME, systemd $(systemctl --version | head -n1 | cut -d" " -f2), $(systemctl is-system-running)"'

say "3/6 Seed cloud-init with packaging/cloud-init/user-data.yaml and reboot into it"
echo "NOTE: the K3s installed here is a stand-in served by a loopback mirror inside the container"
echo "      (no network in there); README.md says how the same command installs the real K3s."
python3 tests/e2e/bootstrap/user-data-for-test.py packaging/cloud-init/user-data.yaml "$V" "$BN_MIRROR_URL" \
        "$BN_SINK_URL" >"$work/user-data"
echo "runcmd (the shipped file, pointed at the local package repository and the loopback mirror):"
python3 -c 'import sys, yaml; print("  " + " ".join(yaml.safe_load(open(sys.argv[1]))["runcmd"][-1]))' "$work/user-data"
bn_seed $N "$work/user-data"
bn_reboot $N
st=$(bn_wait_cloud_init $N)
echo "cloud-init status: $st"
echo "--- /var/log/cloud-init-output.log (bootstrap):"
on grep -E '^(bootstrap|nodeprep|download)' /var/log/cloud-init-output.log || true
[ "$st" = done ] || { echo "demo: cloud-init did not finish cleanly"; on cloud-init status --long || true; exit 1; }

say "4/6 nodeprep check (inside the container)"
on nodeprep check || true

say "5/6 Health: curl 127.0.0.1:9470/readyz?verbose and a few metrics"
on curl -s -w 'HTTP %{http_code}\n' 'http://127.0.0.1:9470/readyz?verbose'
on curl -s http://127.0.0.1:9470/metrics | grep -E '^nodeprep_(check_ok|profile|k3s|neigh|conntrack|file)' | sed -n 1,14p || true
echo "services: k3s $(on systemctl is-active k3s.service), nodeprep $(on systemctl is-active nodeprep.service)"
echo "a second bootstrap:"
on nodeprep bootstrap --profile container --allow-netns --ignore-preflight overlay,default-route,kmsg,kernel-config \
        --cluster-init --tls-san k3s.example.internal --version "$V" --mirror "$BN_MIRROR_URL" 2>&1 | sed 's/^/  /'

say "6/6 Tear down"
nspawn_cleanup
echo "demo: done in $((SECONDS - start))s; the container is gone, this machine untouched."
