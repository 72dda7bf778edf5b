# shellcheck shell=bash
# Reusable helpers for end-to-end tests in booted Debian containers (11
# bullseye, 12 bookworm, 13 trixie; NSPAWN_SUITE picks one, 12 by default):
# a debootstrap rootfs cached between runs, an ephemeral overlay (or copy)
# per container, systemd-nspawn -b with a private network or a test-made
# bridge, commands run inside with nsenter, and teardown on EXIT.
#
# Source it, then:
#   nspawn_require                    # exit 77 with a reason when impossible
#   nspawn_rootfs_ensure              # prints the cached rootfs path (builds it once)
#   nspawn_build_rootfs_ensure SRC    # the node rootfs plus SRC/debian/control's build deps
#   nspawn_run_build ROOTFS DIR CMD...  # CMD in ROOTFS read-only, DIR writable at /build
#   nspawn_start NAME [--bridge BR]   # clone + boot + wait; private network by default
#   nspawn_exec NAME CMD...           # run a command inside (stdin passed through)
#   nspawn_copy_in NAME SRC DST       # copy a host file into the container
#   nspawn_bridge_create BR CIDR      # a private bridge for multi-container tests
#   nspawn_on_exit CMD                # run CMD after the cleanup (the lib owns the EXIT trap)
#   nspawn_workdir PREFIX             # sets work: a fresh /tmp/PREFIX.* directory, removed on exit
#   nspawn_test_bridge PREFIX OCTET   # a bridge for this run: sets br, net (10.OCTET.N; $net.1 is the bridge)
#   nspawn_cleanup                    # stops everything started (installed as an EXIT trap)
#
# The EXIT trap belongs to this library: scripts add their own cleanup with
# nspawn_on_exit instead of `trap ... EXIT`, which would replace it.
#
# Environment: NSPAWN_CACHE (default /var/cache/nodeprep-test),
# NSPAWN_SUITE (bookworm; or bullseye, trixie), NSPAWN_MIRROR (the mirror apt uses on the host),
# NSPAWN_PACKAGES (extra packages for the rootfs), NSPAWN_APT_PACKAGES (extra
# packages installed with apt-get after debootstrap: `debootstrap --include`
# cannot configure python3-cryptography, so certbot goes here),
# NSPAWN_BOOT_TIMEOUT (s).

source "$NODEPREP_TOP/tests/lib/harness.sh"

NSPAWN_CACHE=${NSPAWN_CACHE:-/var/cache/nodeprep-test}
NSPAWN_SUITE=${NSPAWN_SUITE:-bookworm}
NSPAWN_BOOT_TIMEOUT=${NSPAWN_BOOT_TIMEOUT:-90}
# Enough for a booted systemd with D-Bus, and the runtime libraries nodeprep
# links against, so a binary built on the host runs inside.
NSPAWN_BASE_PACKAGES=(systemd systemd-sysv dbus iproute2 kmod python3 openssl ca-certificates
        libcurl4 libyaml-0-2 libjson-c5 libinih1 libnl-3-200 libnl-route-3-200 libmicrohttpd12
        libkmod2 libssl3 libmount1 libsystemd0)
NSPAWN_PACKAGES=${NSPAWN_PACKAGES:-}
NSPAWN_APT_PACKAGES=${NSPAWN_APT_PACKAGES:-}
NSPAWN_SUITES=(bullseye bookworm trixie)
# What the bootstrap tests add to the rootfs (tests/e2e/lib/bootstrap-node.sh);
# the build rootfs starts from that tree, which those tests have cached.
NSPAWN_NODE_PACKAGES="cloud-init ansible-core python3-cffi-backend curl"

_nspawn_names=()
_nspawn_bridges=()
_nspawn_workdir=
_nspawn_exit_hooks=()

_nspawn_log() { echo "nspawn: $*" >&2; }

# The mirror the host's apt uses (deb822 or one-line format), so debootstrap
# goes where apt is known to reach.
nspawn_mirror() {
        if [ -n "${NSPAWN_MIRROR:-}" ]; then echo "$NSPAWN_MIRROR"; return; fi
        local m
        # awk reads all its input (no early exit: SIGPIPE under pipefail).
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
                awk '$1 == "URIs:" && $2 !~ /security/ && m == "" { m = $2 } END { print m }')
        [ -z "$m" ] && m=$(cat /etc/apt/sources.list 2>/dev/null |
                awk '$1 == "deb" && m == "" { m = $2 } END { print m }')
        echo "${m:-http://deb.debian.org/debian}"
}

# Exit 77 (skip) with the reason when containers cannot work here.
nspawn_require() {
        [ "$(id -u)" -eq 0 ] || skip "needs root for systemd-nspawn"
        need debootstrap systemd-nspawn nsenter flock ip
}

# NSPAWN_BASE_PACKAGES and NSPAWN_PACKAGES by the suite's own names: Debian
# 13 renamed the libraries whose ABI has a time_t (the 64-bit time_t
# transition: t64), Debian 11 has OpenSSL 1.1 and no ansible-core (the
# Ansible test runs on 12). For bookworm the lists are printed as they are,
# so its cached rootfs (keyed on them) stays the same.
_nspawn_packages() {
        local p
        for p in "${NSPAWN_BASE_PACKAGES[@]}" $NSPAWN_PACKAGES; do
                case $NSPAWN_SUITE:$p in
                trixie:libcurl4|trixie:libssl3|trixie:libmicrohttpd12) echo "${p}t64" ;;
                bullseye:libssl3) echo libssl1.1 ;;
                bullseye:ansible-core) ;;
                *) echo "$p" ;;
                esac
        done
}

_nspawn_suite_check() {
        local s
        for s in "${NSPAWN_SUITES[@]}"; do [ "$s" = "$NSPAWN_SUITE" ] && return 0; done
        _nspawn_log "NSPAWN_SUITE=$NSPAWN_SUITE: not one of ${NSPAWN_SUITES[*]}"
        return 2
}

_nspawn_rootfs_key() {
        printf '%s\n' "$NSPAWN_SUITE" $(_nspawn_packages) \
                ${NSPAWN_APT_PACKAGES:+apt: $NSPAWN_APT_PACKAGES} | sha256sum | cut -c1-12
}

# apt-get install NSPAWN_APT_PACKAGES into the fresh tree (not booted: the
# host's network and resolv.conf; a policy-rc.d keeps services from starting).
_nspawn_apt_install() {  # TREE LOG
        local tree=$1 rc=0
        [ -n "$NSPAWN_APT_PACKAGES" ] || return 0
        printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
        chmod 755 "$tree/usr/sbin/policy-rc.d"
        # shellcheck disable=SC2086
        systemd-nspawn --quiet --register=no --keep-unit -D "$tree" --resolv-conf=copy-host --timezone=off \
                sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $NSPAWN_APT_PACKAGES" \
                >>"$2" 2>&1 </dev/null || rc=1
        rm -f "$tree/usr/sbin/policy-rc.d" "$tree/etc/resolv.conf"
        return $rc
}

# Build (once, under a lock) and print the cached rootfs. The tree is made in
# a temporary directory and renamed into place, so an interrupted debootstrap
# never leaves a half tree that later runs would trust.
nspawn_rootfs_ensure() {
        local key dir tmp pkgs
        _nspawn_suite_check || return 2
        key=$(_nspawn_rootfs_key)
        dir=$NSPAWN_CACHE/debian-$NSPAWN_SUITE-$key
        mkdir -p "$NSPAWN_CACHE"
        (
                flock 9
                if [ ! -f "$dir/.complete" ]; then
                        tmp=$(mktemp -d "$NSPAWN_CACHE/.build.XXXXXX")
                        pkgs=$(printf '%s,' $(_nspawn_packages))
                        _nspawn_log "debootstrap $NSPAWN_SUITE into $dir (cold cache: a few minutes)"
                        if ! debootstrap --variant=minbase --include="${pkgs%,}" "$NSPAWN_SUITE" "$tmp" \
                                "$(nspawn_mirror)" >"$tmp.log" 2>&1 || ! _nspawn_apt_install "$tmp" "$tmp.log"; then
                                tail -n 20 "$tmp.log" >&2
                                rm -rf "$tmp" "$tmp.log"
                                exit 1
                        fi
                        rm -f "$tmp.log"
                        # A clean apt cache keeps clones small; a fixed
                        # machine-id is replaced per container at boot.
                        rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
                        : >"$tmp/etc/machine-id"
                        echo "pts/0" >>"$tmp/etc/securetty" 2>/dev/null || true
                        touch "$tmp/.complete"
                        rm -rf "$dir"
                        mv "$tmp" "$dir"
                fi
        ) 9>"$dir.lock" || return 1
        echo "$dir"
}

# The suite's rootfs for bootstrap nodes plus the build dependencies of
# SRC/debian/control, installed by that release's apt-get build-dep (from
# the mirror, like debootstrap), so a package built there gets the release's
# own library names in Depends. Cached per suite and control file.
nspawn_build_rootfs_ensure() {  # SRC
        local src=$1 base key dir tmp
        base=$(NSPAWN_PACKAGES=$NSPAWN_NODE_PACKAGES nspawn_rootfs_ensure) || return 1
        key=$({ echo "$base"; cat "$src/debian/control"; } | sha256sum | cut -c1-12)
        dir=$NSPAWN_CACHE/debian-$NSPAWN_SUITE-build-$key
        (
                flock 9
                if [ ! -f "$dir/.complete" ]; then
                        tmp=$(mktemp -d "$NSPAWN_CACHE/.build.XXXXXX")
                        _nspawn_log "build dependencies for $NSPAWN_SUITE into $dir (cold cache: a minute or two)"
                        cp -a --reflink=auto "$base/." "$tmp/"
                        chmod 0755 "$tmp"  # apt's _apt user reads its lists under it
                        rm -f "$tmp/.complete"
                        # Not under /tmp: nspawn mounts a tmpfs there.
                        mkdir -p "$tmp/root/src/debian"
                        cp "$src/debian/control" "$tmp/root/src/debian/control"
                        echo "deb $(nspawn_mirror) $NSPAWN_SUITE main" >"$tmp/etc/apt/sources.list"
                        if ! systemd-nspawn --quiet --register=no --keep-unit -M "npdeps-$NSPAWN_SUITE-$BASHPID" -D "$tmp" \
                                --resolv-conf=copy-host --timezone=off --setenv=DEBIAN_FRONTEND=noninteractive \
                                sh -c 'apt-get update -q && apt-get build-dep -y -q --no-install-recommends /root/src' \
                                >"$tmp.log" 2>&1 </dev/null; then
                                tail -n 20 "$tmp.log" >&2
                                rm -rf "$tmp" "$tmp.log"
                                exit 1
                        fi
                        rm -rf "$tmp.log" "$tmp/root/src" "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
                        touch "$tmp/.complete"
                        rm -rf "$dir"
                        mv "$tmp" "$dir"
                fi
        ) 9>"$dir.lock" || return 1
        echo "$dir"
}

# nspawn_run_build ROOTFS DIR CMD...: CMD in ROOTFS (read-only, shared by
# concurrent builds) with DIR writable at /build and a private /tmp; no network.
nspawn_run_build() {
        local rootfs=$1 dir=$2; shift 2
        # The mount point: the root is read-only inside.
        mkdir -p "$rootfs/build" || return 1
        systemd-nspawn --quiet --register=no --keep-unit -M "npbuild-$BASHPID" -D "$rootfs" --read-only \
                --tmpfs=/tmp --bind="$dir:/build" --chdir=/build --private-network \
                --resolv-conf=off --timezone=off --setenv=HOME=/tmp "$@" </dev/null
}

_nspawn_exit() {
        local rc=$? h
        set +e
        nspawn_cleanup
        for h in "${_nspawn_exit_hooks[@]}"; do
                eval "$h"
        done
        exit $rc
}

nspawn_on_exit() {
        _nspawn_exit_hooks+=("$*")
        trap _nspawn_exit EXIT
}

nspawn_workdir() {  # PREFIX
        work=$(mktemp -d "/tmp/$1.XXXXXX")
        nspawn_on_exit "rm -rf $work"
}

# Bridge names are at most 15 bytes; the PID keeps concurrent runs apart.
nspawn_test_bridge() {  # PREFIX OCTET
        br=$1$$
        br=${br:0:15}
        net=10.$2.$(( $$ % 200 + 20 ))
        nspawn_bridge_create "$br" "$net.1/24"
}

_nspawn_init_workdir() {
        if [ -z "$_nspawn_workdir" ]; then
                _nspawn_workdir=$(mktemp -d /tmp/nodeprep-nspawn.XXXXXX)
                trap _nspawn_exit EXIT
                trap 'exit 130' INT TERM
        fi
}

# An ephemeral tree for one container: an overlay over the cached rootfs
# when the kernel allows it, else a reflink/plain copy.
_nspawn_clone() {
        local name=$1 lower=$2 d=$_nspawn_workdir/$1
        mkdir -p "$d/upper" "$d/work" "$d/root"
        if mount -t overlay overlay -o "lowerdir=$lower,upperdir=$d/upper,workdir=$d/work" "$d/root" 2>/dev/null; then
                echo overlay >"$d/kind"
        else
                cp -a --reflink=auto "$lower/." "$d/root/"
                echo copy >"$d/kind"
        fi
        echo "$d/root"
}

# The container's PID 1 (a child of the systemd-nspawn process).
nspawn_leader() {
        local name=$1 pid kids
        pid=$(cat "$_nspawn_workdir/$name/nspawn.pid" 2>/dev/null) || return 1
        kids=$(pgrep -P "$pid") || return 1
        echo "${kids%%$'\n'*}"
}

# nspawn_start NAME [--bridge BR] [--ip ADDR/PREFIX]
nspawn_start() {
        local name=$1; shift
        local bridge= ip= net=(--private-network) root lower leader i state
        while [ $# -gt 0 ]; do
                case $1 in
                --bridge) bridge=$2; shift 2 ;;
                --ip) ip=$2; shift 2 ;;
                *) _nspawn_log "nspawn_start: unknown option $1"; return 2 ;;
                esac
        done
        [ -n "$bridge" ] && net=(--network-bridge="$bridge")
        _nspawn_init_workdir
        lower=$(nspawn_rootfs_ensure) || return 1
        root=$(_nspawn_clone "$name" "$lower")
        echo "$name" >"$root/etc/hostname"
        _nspawn_names+=("$name")
        # No machined on hosts whose PID 1 is not systemd: --register=no,
        # and we enter through the leader's namespaces ourselves.
        systemd-nspawn --quiet --boot --register=no --keep-unit -M "$name" -D "$root" \
                "${net[@]}" --capability=all --resolv-conf=off --timezone=off \
                >"$_nspawn_workdir/$name/console.log" 2>&1 </dev/null &
        echo $! >"$_nspawn_workdir/$name/nspawn.pid"
        for ((i = 0; i < NSPAWN_BOOT_TIMEOUT * 2; i++)); do
                leader=$(nspawn_leader "$name") && [ -n "$leader" ] &&
                        state=$(nspawn_exec "$name" systemctl is-system-running 2>/dev/null)
                case ${state:-} in running|degraded) break ;; esac
                if ! kill -0 "$(cat "$_nspawn_workdir/$name/nspawn.pid")" 2>/dev/null; then
                        _nspawn_log "$name: systemd-nspawn exited during boot"
                        tail -n 30 "$_nspawn_workdir/$name/console.log" >&2
                        return 1
                fi
                sleep 0.5
        done
        case ${state:-} in
        running|degraded) ;;
        *) _nspawn_log "$name: not booted after ${NSPAWN_BOOT_TIMEOUT}s (state ${state:-none})"
           tail -n 30 "$_nspawn_workdir/$name/console.log" >&2
           return 1 ;;
        esac
        if [ -n "$ip" ]; then
                nspawn_exec "$name" ip addr add "$ip" dev host0 &&
                        nspawn_exec "$name" ip link set host0 up || return 1
        fi
}

# Run a command inside NAME, in all its namespaces, with a clean environment.
nspawn_exec() {
        local name=$1 leader; shift
        leader=$(nspawn_leader "$name") || return 1
        [ -n "$leader" ] || return 1
        nsenter -t "$leader" -m -u -i -n -p -C -r -w \
                env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
                "$@"
}

# The container's root as seen from the host (to copy files in or read them).
nspawn_root() {
        echo "$_nspawn_workdir/$1/root"
}

nspawn_copy_in() {  # NAME SRC DST
        local dst
        dst=$(nspawn_root "$1")/${3#/}
        mkdir -p "$(dirname "$dst")"
        cp -a "$2" "$dst"
}

# A bridge only this test uses, with a private address for the host side.
nspawn_bridge_create() {  # BR CIDR
        _nspawn_init_workdir
        ip link add "$1" type bridge || return 1
        _nspawn_bridges+=("$1")
        ip addr add "$2" dev "$1" && ip link set "$1" up
}

nspawn_stop() {
        local - name=$1 d=$_nspawn_workdir/$1 pid i
        set +e
        pid=$(cat "$d/nspawn.pid" 2>/dev/null) || return 0
        if kill -0 "$pid" 2>/dev/null; then
                # SIGRTMIN+4 to the leader asks systemd for a poweroff
                # (systemd-nspawn sends it on SIGTERM itself).
                kill -TERM "$pid" 2>/dev/null
                for ((i = 0; i < 40; i++)); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.25
                done
                kill -KILL "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        fi
        # nspawn removes its veth; make sure, so a bridge can go too.
        ip link del "vb-$name" 2>/dev/null
        ip link del "ve-$name" 2>/dev/null
        if [ "$(cat "$d/kind" 2>/dev/null)" = overlay ]; then
                umount -l "$d/root" 2>/dev/null
        fi
        rm -rf "$d"
}

nspawn_cleanup() {
        local - n b
        set +e
        for n in "${_nspawn_names[@]}"; do
                nspawn_stop "$n"
        done
        _nspawn_names=()
        for b in "${_nspawn_bridges[@]}"; do
                ip link del "$b" 2>/dev/null
        done
        _nspawn_bridges=()
        [ -n "$_nspawn_workdir" ] && rm -rf "$_nspawn_workdir"
        _nspawn_workdir=
}
