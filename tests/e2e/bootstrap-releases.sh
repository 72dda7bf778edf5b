#!/usr/bin/env bash
# The bootstrap on every supported Debian release: 11 bullseye, 12 bookworm,
# 13 trixie. Per release: the .deb is built from source inside that release's
# container (scripts/build-deb.sh --suite: its compiler, its build
# dependencies, so Depends names its packages; t64 on trixie, libssl1.1 on
# bullseye); a booted container of that release runs the shipped cloud-init
# user-data at boot (NoCloud seed: apt installs the .deb offline from the
# release's own libraries, runcmd runs `nodeprep bootstrap`); bootstrap.json
# says every stage is done; after a reboot the release's systemd-sysctl
# applied our drop-in (`nodeprep verify` exits 0) and K3s is ready again.
# bootstrap-cloudinit.sh covers the rest (idempotence, failures) on 12.
# NODEPREP_RELEASES (default: all three) picks releases.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
bn_require dpkg-deb
releases=${NODEPREP_RELEASES:-${NSPAWN_SUITES[*]}}

V=v1.31.4+k3s1
HOST_KEYS="net.core.somaxconn net.ipv4.ip_forward kernel.panic vm.overcommit_memory fs.file-max"
host_before=$(sysctl -n $HOST_KEYS | tr '\n' ' ')
nspawn_workdir np-boot-rel
N=
bn_fail_log 30 N
on() { nspawn_exec "$N" "$@"; }

# What each release calls the libraries whose names changed between them.
expect_depends() {  # SUITE
        case $1 in
        bullseye) echo "libssl1.1 libcurl4 libmicrohttpd12" ;;
        bookworm) echo "libssl3 libcurl4 libmicrohttpd12" ;;
        trixie) echo "libssl3t64 libcurl4t64 libmicrohttpd12t64" ;;
        esac
}

# Cold cache: the releases' build trees (debootstrap, then apt-get build-dep)
# are made side by side, each under its own lock, while the loop starts.
mkdir -p "$work/ctl/debian"
cp "$NODEPREP_TOP/packaging/debian/control" "$work/ctl/debian/"
for s in $releases; do
        (NSPAWN_SUITE=$s nspawn_build_rootfs_ensure "$work/ctl" >/dev/null 2>"$work/rootfs-$s.log" || true) &
done
k3s_release_dir "$work/rel" "$V" 8
python3 "$BN_DIR/user-data-for-test.py" "$NODEPREP_TOP/packaging/cloud-init/user-data.yaml" "$V" \
        "$BN_MIRROR_URL" "$BN_SINK_URL" >"$work/user-data"

summary=()
for NSPAWN_SUITE in $releases; do
        FAIL_CONTEXT=$NSPAWN_SUITE      # "FAIL: bookworm: ..."
        t0=$SECONDS
        # 1. The package, built in the release's own container.
        BN_DEB=
        bn_deb "$NSPAWN_SUITE" || fail "package build (scripts/build-deb.sh --suite $NSPAWN_SUITE)"
        depends=$(dpkg-deb -f "$BN_DEB" Depends)
        for p in $(expect_depends "$NSPAWN_SUITE"); do
                grep -qE "(^|, )$p( |,|$)" <<<"$depends" || fail "Depends lacks $p: $depends"
        done
        grep -qE '(^|, )libc6 ' <<<"$depends" || fail "no versioned libc6 in Depends: $depends"
        t_build=$((SECONDS - t0))

        # 2. First boot: cloud-init installs the package and bootstraps.
        N=$(bn_name "r${NSPAWN_SUITE:0:2}")
        bn_node_start "$N" "$V" "$work/rel" || fail "start $N"
        R=$(nspawn_root "$N")
        release=$(. "$R/etc/os-release" && echo "$VERSION_ID $VERSION_CODENAME")
        [ "${release#* }" = "$NSPAWN_SUITE" ] || fail "container runs $release"
        bn_seed "$N" "$work/user-data"
        bn_reboot "$N" || fail "boot with the seed"
        st=$(bn_wait_cloud_init "$N")
        [ "$st" = done ] || { on cloud-init status --long || true; fail "cloud-init status: $st"; }
        jq -e '.ok and .exit_code == 0 and .failed_stage == null
                and ([.stages[] | select(.status == "failed")] | length == 0)' \
                "$R/var/lib/nodeprep/bootstrap.json" >/dev/null ||
                fail "bootstrap.json: $(jq -c '[.stages[] | {name,status,detail}]' "$R/var/lib/nodeprep/bootstrap.json")"
        [ "$(on sysctl -n net.core.somaxconn)" = 32768 ] || fail "somaxconn not live"
        [ "$(on systemctl is-active k3s.service)" = active ] || fail "k3s.service not active"
        [ "$(on systemctl is-active nodeprep.service)" = active ] || fail "nodeprep.service not active"
        t_boot=$((SECONDS - t0 - t_build))

        # 3. Reboot: the release's systemd-sysctl applies our drop-in last.
        # (A new boot is a new network namespace: 32768 again only if the
        # drop-in was applied at boot.)
        bn_reboot "$N" || fail "reboot"
        on nodeprep verify >"$work/verify" 2>&1 || { cat "$work/verify"; fail "verify after reboot"; }
        [ "$(on sysctl -n net.core.somaxconn)" = 32768 ] || fail "somaxconn after reboot"
        on nodeprep k3s status --wait 90 >/dev/null 2>&1 || fail "k3s not ready after reboot"
        # nodeprep's own reading of the release's boot configuration agrees.
        on nodeprep --json plan container >"$work/plan" 2>&1 || { cat "$work/plan"; fail "plan"; }
        winner=$(jq -r '.keys[] | select(.key == "net.core.somaxconn")
                | "\(.boot_file) \(.overridden_by) \(.procps_overridden_by)"' "$work/plan")
        [ "$winner" = "/etc/sysctl.d/99-zz-nodeprep.conf null null" ] || fail "plan: somaxconn at boot: $winner"
        sysctl_conf=$(on sh -c 'if [ -e /etc/sysctl.conf ]; then echo "/etc/sysctl.conf present"; else echo "no /etc/sysctl.conf"; fi;
                if [ -L /etc/sysctl.d/99-sysctl.conf ]; then echo ", 99-sysctl.conf link"; else echo ", no 99-sysctl.conf"; fi' | tr -d '\n')
        systemd_v=$(on systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
        cloudinit_v=$(on cloud-init --version 2>&1 | sed -n '1s/.* //p')
        nspawn_stop "$N"
        N=
        line="$NSPAWN_SUITE (Debian $release, systemd $systemd_v, cloud-init $cloudinit_v): build ${t_build}s, first boot + bootstrap ${t_boot}s, reboot + verify $((SECONDS - t0 - t_build - t_boot))s; Depends: $(expect_depends "$NSPAWN_SUITE"); $sysctl_conf, drop-in wins"
        echo "ok   $line"
        summary+=("$line")
done

wait  # the build trees made side by side (all done: each release waited for its own)
host_after=$(sysctl -n $HOST_KEYS | tr '\n' ' ')
[ "$host_before" = "$host_after" ] || fail "host kernel settings changed: $host_before -> $host_after"
echo "ok   ${#summary[@]} releases bootstrapped and verified after a reboot; host kernel settings unchanged"
