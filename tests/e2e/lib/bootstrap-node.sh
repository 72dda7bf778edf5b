# shellcheck shell=bash
# Booted Debian containers (NSPAWN_SUITE) for the bootstrap tests, on top of nspawn.sh:
# the rootfs also holds cloud-init and ansible-core; the node gets the .deb
# in a local apt repository, the loopback K3s release mirror (stand-in) and a
# report sink as units on fixed ports (they must come back after a reboot,
# and cloud-init's user-data names them before boot), and /proc/sys arranged
# so only the container's own network namespace is writable.
#   bn_deb [SUITE]                   the .deb (built when missing or stale; sets BN_DEB to a private copy)
#   bn_require [TOOL...]             exit 77 unless containers and the tools work here
#   bn_name PREFIX                   a container name unique to this run
#   bn_node_start NAME VERSION RELDIR [nspawn_start options]
#   bn_reboot NAME                   power off and boot the same tree again
#   bn_seed NAME USER_DATA_FILE      a NoCloud seed for the next boot
#   bn_wait_cloud_init NAME          cloud-init status --wait; prints the status
#   bn_fail_log LINES VAR...         on failure, the end of cloud-init output of the nodes named in $VAR...
# Ports inside every node: BN_MIRROR_PORT (mirror), BN_SINK_PORT (reports).
source "$NODEPREP_TOP/tests/e2e/lib/nspawn.sh"
NSPAWN_PACKAGES=${NSPAWN_PACKAGES:-$NSPAWN_NODE_PACKAGES}
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
BN_MIRROR_PORT=18080
BN_SINK_PORT=18081
BN_DIR=$NODEPREP_TOP/tests/e2e/bootstrap
BN_MIRROR_URL=http://127.0.0.1:$BN_MIRROR_PORT/releases
BN_SINK_URL=http://127.0.0.1:$BN_SINK_PORT/report

# The package of this checkout, rebuilt when any source is newer than it, so
# every bootstrap test of one `make test` shares one build. Checked, built
# and copied under a lock: a concurrent run may be rebuilding it.
# BN_DEB is this run's own copy. bn_deb SUITE builds inside that release's
# container (scripts/build-deb.sh --suite, in build/deb-SUITE); without one,
# on this machine (build/deb).
bn_deb() {  # [SUITE]
        local dir suite=${1:-}
        local out=$NODEPREP_TOP/build/deb${suite:+-$suite}
        dir=$(mktemp -d /tmp/np-deb.XXXXXX) || return 1
        nspawn_on_exit "rm -rf $dir"
        mkdir -p "$NODEPREP_TOP/build"
        (
                flock 9
                debs=("$out"/nodeprep_*.deb)
                if [ ! -f "${debs[0]}" ] || [ -n "$(find "$NODEPREP_TOP/agent" "$NODEPREP_TOP/profiles" \
                        "$NODEPREP_TOP/packaging" "$NODEPREP_TOP/Makefile" -newer "${debs[0]}" -type f -print -quit)" ]; then
                        "$NODEPREP_TOP/scripts/build-deb.sh" ${suite:+--suite "$suite"} >&2 || exit 1
                        debs=("$out"/nodeprep_*.deb)
                fi
                cp "${debs[0]}" "$dir/"
        ) 9>"$NODEPREP_TOP/build/.deb${suite:+-$suite}.lock" || return 1
        BN_DEB=$(ls "$dir"/nodeprep_*.deb)
}

# Exit 77 (skip) with the reason when these tests cannot run here.
bn_require() {  # TOOL...
        nspawn_require
        need dpkg-scanpackages python3 jq "$@"
        python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml missing"
}

# The harness's fail() calls fail_hook: here, the nodes' cloud-init output.
# Names are expanded when fail() runs (a node may be named later, or change).
bn_fail_log() {  # LINES NODE-VARIABLE...
        BN_FAIL_LINES=$1
        shift
        BN_FAIL_NODE_VARS=("$@")
        fail_hook() {
                local v n
                for v in "${BN_FAIL_NODE_VARS[@]}"; do
                        n=${!v:-}
                        [ -n "$n" ] || continue
                        echo "--- $n: cloud-init-output.log"
                        nspawn_exec "$n" tail -n "$BN_FAIL_LINES" /var/log/cloud-init-output.log 2>/dev/null || true
                done
        }
}

# Container names unique to this run (veth names are "vb-"/"ve-" + name, at
# most 15 bytes): tests of two concurrent runs on one machine must not meet.
bn_name() {  # PREFIX
        echo "$1$(( $$ % 100000 ))"
}

_bn_unit() {  # NAME UNIT-NAME CONTENT
        local root
        root=$(nspawn_root "$1")
        printf '%s\n' "$3" >"$root/etc/systemd/system/$2"
        mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
        ln -sf "../$2" "$root/etc/systemd/system/multi-user.target.wants/$2"
}

# bn_node_start NAME VERSION RELDIR [--fault F] [nspawn_start options...]
bn_node_start() {
        local name=$1 version=$2 rel=$3 fault=none root
        shift 3
        if [ "${1:-}" = --fault ]; then fault=$2; shift 2; fi
        [ -n "${BN_DEB:-}" ] || bn_deb || return 1
        nspawn_start "$name" "$@" || return 1
        root=$(nspawn_root "$name")
        # How it is networked, for bn_reboot; a bridge address comes back at
        # every boot before cloud-init runs (a joining agent needs it).
        printf '%s\n' "$@" >"$_nspawn_workdir/$name/bn-net"
        while [ $# -gt 0 ]; do
                if [ "$1" = --ip ]; then
                        cat >"$root/etc/systemd/system/nodeprep-test-ip.service" <<UNIT
[Unit]
Description=Test container: bridge address $2 on host0
DefaultDependencies=no
Before=network-pre.target cloud-init-local.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip addr replace $2 dev host0
ExecStart=/sbin/ip link set host0 up
[Install]
WantedBy=sysinit.target
UNIT
                        mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
                        ln -sf ../nodeprep-test-ip.service "$root/etc/systemd/system/sysinit.target.wants/"
                fi
                shift
        done

        # The package, in a local apt repository (the container has no network).
        mkdir -p "$root/srv/nodeprep-apt"
        cp "$BN_DEB" "$root/srv/nodeprep-apt/"
        (cd "$root/srv/nodeprep-apt" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages) || return 1
        : >"$root/etc/apt/sources.list"

        # /proc/sys: the container's netns writable, nothing global.
        install -D -m 0755 "$BN_DIR/procsys-netns-only.sh" "$root/usr/local/sbin/procsys-netns-only"
        cp "$BN_DIR/nodeprep-test-procsys.service" "$root/etc/systemd/system/"
        mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
        ln -sf ../nodeprep-test-procsys.service "$root/etc/systemd/system/sysinit.target.wants/"
        nspawn_exec "$name" systemctl daemon-reload || return 1
        nspawn_exec "$name" systemctl start nodeprep-test-procsys.service || return 1
        install -D -m 0644 "$BN_DIR/container.ini" "$root/etc/nodeprep/profiles/container.ini"

        # The release mirror (stand-in K3s) and the report sink.
        mkdir -p "$root/opt/k3s-mirror"
        cp -a "$rel" "$root/opt/k3s-mirror/rel"
        cp "$K3S_TEST_DIR/mirror.py" "$BN_DIR/fixed-port-mirror.py" "$BN_DIR/report-sink.py" "$root/opt/k3s-mirror/"
        echo "MIRROR_FAULT=$fault" >"$root/etc/k3s-mirror.env"
        _bn_unit "$name" k3s-mirror.service "[Unit]
Description=Loopback K3s release mirror (tests)
Before=cloud-final.service
[Service]
EnvironmentFile=/etc/k3s-mirror.env
ExecStart=/usr/bin/python3 /opt/k3s-mirror/fixed-port-mirror.py $BN_MIRROR_PORT --dir /opt/k3s-mirror/rel --version $version --port-file /run/k3s-mirror.port --fault \${MIRROR_FAULT}
[Install]
WantedBy=multi-user.target"
        _bn_unit "$name" report-sink.service "[Unit]
Description=Report sink for --report-url (tests)
Before=cloud-final.service
[Service]
ExecStart=/usr/bin/python3 /opt/k3s-mirror/report-sink.py $BN_SINK_PORT /var/tmp/reports
[Install]
WantedBy=multi-user.target"
        nspawn_exec "$name" systemctl daemon-reload || return 1
        nspawn_exec "$name" systemctl start k3s-mirror.service report-sink.service || return 1

        # cloud-init: NoCloud only; the network belongs to nspawn.
        mkdir -p "$root/etc/cloud/cloud.cfg.d"
        printf 'datasource_list: [NoCloud]\nnetwork: {config: disabled}\n# minbase has no locales package (update-locale)\nlocale: false\n' \
                >"$root/etc/cloud/cloud.cfg.d/90-nodeprep-test.cfg"
}

# Power off and boot the same tree (nspawn_stop would throw it away).
bn_reboot() {
        local name=$1 d=$_nspawn_workdir/$1 pid i state= opts net
        pid=$(cat "$d/nspawn.pid")
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 80; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.25
        done
        kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; sleep 0.5; }
        wait "$pid" 2>/dev/null
        mapfile -t opts <"$d/bn-net"
        net=(--private-network)
        for ((i = 0; i < ${#opts[@]}; i++)); do
                [ "${opts[i]}" = --bridge ] && net=(--network-bridge="${opts[i + 1]}")
        done
        systemd-nspawn --quiet --boot --register=no --keep-unit -M "$name" -D "$d/root" \
                "${net[@]}" --capability=all --resolv-conf=off --timezone=off \
                >>"$d/console.log" 2>&1 </dev/null &
        echo $! >"$d/nspawn.pid"
        for ((i = 0; i < NSPAWN_BOOT_TIMEOUT * 2; i++)); do
                state=$(nspawn_exec "$name" systemctl is-system-running 2>/dev/null) || true
                case $state in running|degraded) return 0 ;; esac
                kill -0 "$(cat "$d/nspawn.pid")" 2>/dev/null || break
                sleep 0.5
        done
        echo "bn_reboot: $name did not come back (state ${state:-none})" >&2
        tail -n 30 "$d/console.log" >&2
        return 1
}

bn_seed() {  # NAME USER_DATA_FILE
        local root
        root=$(nspawn_root "$1")
        nspawn_exec "$1" cloud-init clean --logs >/dev/null 2>&1
        mkdir -p "$root/var/lib/cloud/seed/nocloud"
        cp "$2" "$root/var/lib/cloud/seed/nocloud/user-data"
        printf 'instance-id: %s-%s\nlocal-hostname: %s\n' "$1" "$RANDOM" "$1" \
                >"$root/var/lib/cloud/seed/nocloud/meta-data"
}

bn_wait_cloud_init() {
        nspawn_exec "$1" timeout 300 cloud-init status --wait >/dev/null 2>&1
        # status exits 1 on "error": the word is the answer, not a failure here.
        { nspawn_exec "$1" cloud-init status 2>/dev/null || true; } | sed -n 's/^status: //p'
}
