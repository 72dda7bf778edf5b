#!/usr/bin/env bash
# The Debian package and the shipped integration files: the .deb builds with
# dpkg-buildpackage, lintian has no errors or warnings but archive-only ones,
# the binary carries the hardening flags, every dlopen()ed library is in
# Depends, the unit passes systemd-analyze; the package installs, upgrades in
# place and purges in a booted Debian 12 container, with nodeprep.conf a
# conffile that survives an upgrade; the cloud-init user-data files pass the
# container's `cloud-init schema`; the Ansible collection passes the ansible-test sanity
# tests that run offline, and ansible-doc renders every module.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
nspawn_require
need dpkg-buildpackage lintian hardening-check ansible-test ansible-doc
nspawn_workdir np-boot-deb
cd "$NODEPREP_TOP"

# 1. Build (when stale) and lintian.
bn_deb || fail "package build"
flock build/.deb.lock scripts/build-deb.sh --lint-only >"$work/lintian" 2>&1 || { cat "$work/lintian"; fail "lintian"; }
echo "ok   lintian: $(grep -E '^[EW]: ' "$work/lintian" | grep -vc 'initial-upload-closes-no-bugs') E/W tag(s) besides archive-only ones ($(grep -cE '^I: ' "$work/lintian") info)"

# 2. What the package holds.
dpkg-deb -x "$BN_DEB" "$work/x"
dpkg-deb -e "$BN_DEB" "$work/ctl"
for f in usr/sbin/nodeprep usr/share/nodeprep/profiles/serverless.ini etc/nodeprep/nodeprep.conf \
        lib/systemd/system/nodeprep.service usr/share/man/man8/nodeprep.8.gz usr/share/man/man5/nodeprep.profile.5.gz; do
        [ -e "$work/x/$f" ] || fail "$f not in the package"
done
grep -qx /etc/nodeprep/nodeprep.conf "$work/ctl/conffiles" || fail "nodeprep.conf is not a conffile"
hardening-check "$work/x/usr/sbin/nodeprep" >"$work/hc" 2>&1 || true
for h in "Position Independent Executable: yes" "Stack protected: yes" "Fortify Source functions: yes" \
        "Read-only relocations: yes" "Immediate binding: yes"; do
        grep -qF "$h" "$work/hc" || { cat "$work/hc"; fail "hardening: $h"; }
done
# Every library the binary names but does not link (it dlopen()s them) must
# be in Depends: dpkg-shlibdeps cannot see them.
depends=$(dpkg-deb -f "$BN_DEB" Depends)
bin=$work/x/usr/sbin/nodeprep
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
n_dl=0
# What the wrappers record (agent/shared/dlopen.h), checked against the
# sonames the wrapper headers name: each dl-*.h's soname must be there.
sonames=$(readelf -p nodeprep_dlopen "$bin" | sed -n 's/^ *\[ *[0-9a-f]*\] *//p' | sort -u)
for h in agent/shared/dl-*.h; do
        [ "$h" = agent/shared/dl-all.h ] && continue
        grep -qE "$(sed -n 's/^#define DL_[A-Z0-9_]*_SONAME "\(.*\)"/\1/p; s|^/\* \(lib[^ ,]*\.so\.[0-9.]*\)[ ,].*|\1|p' "$h" |
                sed 's/[.+]/\\&/g' | paste -sd'|')" <<<"$sonames" || fail "$h: none of its sonames is recorded in the binary: $sonames"
done
for so in $sonames; do
        grep -qxF "$so" <<<"$needed" && continue
        path=$(ldconfig -p | awk -v so="$so" '$1 == so && p == "" { p = $NF } END { print p }')
        pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(echo "$path" | sed 's|^/usr/lib/|/lib/|; t; s|^/lib/|/usr/lib/|')")
        pkg=${pkg%%:*}
        grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || fail "$so is dlopen()ed but $pkg is not in Depends: $depends"
        n_dl=$((n_dl + 1))
done
[ $n_dl -ge 1 ] || fail "no dlopen()ed library found in the binary (libkmod at least)"
for m in nodeprep.8 nodeprep.profile.5; do
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "packaging/man/$m" >/dev/null 2>"$work/man" || fail "man $m"
        [ ! -s "$work/man" ] || { cat "$work/man"; fail "man $m warnings"; }
done
echo "ok   package: files, conffile, PIE/RELRO/BIND_NOW/FORTIFY/stack protector, $n_dl dlopen()ed libraries in Depends, man pages render"

# 3. Install, upgrade in place (the admin's conffile kept), purge, in a booted container.
V=v1.31.4+k3s1
mkdir -p "$work/rel"
N=$(bn_name deb)
bn_node_start $N "$V" "$work/rel" || fail "container"
on() { nspawn_exec $N "$@"; }
on apt-get install -y -q /srv/nodeprep-apt/$(basename "$BN_DEB") >"$work/apt" 2>&1 || { cat "$work/apt"; fail "apt install"; }
grep -q "nodeprep $(cat VERSION)" <<<"$(on nodeprep version)" || fail "version"
grep -q serverless <<<"$(on nodeprep profile list)" || fail "shipped profiles not found"
on systemd-analyze verify --man=no /lib/systemd/system/nodeprep.service >"$work/sav" 2>&1 || { cat "$work/sav"; fail "systemd-analyze verify"; }
[ "$(on systemctl is-enabled nodeprep.service || true)" = disabled ] || fail "enabled on install (bootstrap enables it)"
on test -e /usr/share/man/man8/nodeprep.8.gz || fail "man page"
echo "; admin edit" | on tee -a /etc/nodeprep/nodeprep.conf >/dev/null
on dpkg -i --force-confold /srv/nodeprep-apt/$(basename "$BN_DEB") >"$work/up" 2>&1 || { cat "$work/up"; fail "reinstall"; }
on grep -q "admin edit" /etc/nodeprep/nodeprep.conf || fail "conffile replaced on upgrade"
on apt-get purge -y -q nodeprep >"$work/purge" 2>&1 || { cat "$work/purge"; fail "purge"; }
on test ! -e /usr/sbin/nodeprep -a ! -e /etc/nodeprep/nodeprep.conf || fail "files left after purge"
echo "ok   container: apt install, systemd-analyze verify, not enabled until bootstrap, conffile kept on reinstall, purge"

# 4. The shipped user-data, checked by the container's cloud-init (Debian 12's
#    22.4, the floor): schema-valid, and bootstrap runs last, as argv, under set -e.
for f in packaging/cloud-init/*.yaml; do
        cp "$f" "$(nspawn_root $N)/root/"
        on cloud-init schema --config-file "/root/$(basename "$f")" >"$work/schema" 2>&1 ||
                { cat "$work/schema"; fail "cloud-init schema $f"; }
        python3 - "$f" <<'PY' || fail "$f: bootstrap is not the last runcmd item under set -e"
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))["runcmd"]
assert r[0] == "set -e" and isinstance(r[-1], list) and r[-1][:2] == ["nodeprep", "bootstrap"], r
PY
done
echo "ok   cloud-init: $(ls packaging/cloud-init/*.yaml | wc -l) user-data files valid; bootstrap runs last, as argv, under set -e"

# 5. The Ansible collection: offline ansible-test sanity and ansible-doc.
col=$work/ac/ansible_collections/nodeprep/node
mkdir -p "$(dirname "$col")"
cp -a packaging/ansible "$col"
(cd "$col" && git init -q . && git add -A) || fail "git for ansible-test"
# The other sanity tests (validate-modules, pylint, pep8, yamllint, import,
# ansible-doc, runtime-metadata) build a venv with pip from the network.
OFFLINE="action-plugin-docs changelog compile empty-init future-import-boilerplate ignores line-endings
        metaclass-boilerplate no-assert no-basestring no-dict-iteritems no-dict-iterkeys no-dict-itervalues
        no-get-exception no-illegal-filenames no-main-display no-smart-quotes no-unicode-literals replace-urlopen
        shebang symlinks use-argspec-type-path use-compat-six"
args=()
for t in $OFFLINE; do args+=(--test "$t"); done
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
(cd "$col" && ansible-test sanity --python "$py" "${args[@]}") >"$work/sanity" 2>&1 || { cat "$work/sanity"; fail "ansible-test sanity"; }
for m in nodeprep_profile nodeprep_k3s nodeprep_openfaas nodeprep_facts; do
        ANSIBLE_COLLECTIONS_PATH=$work/ac ansible-doc "nodeprep.node.$m" >/dev/null 2>"$work/doc" ||
                { cat "$work/doc"; fail "ansible-doc $m"; }
done
ANSIBLE_COLLECTIONS_PATH=$work/ac ansible-playbook --syntax-check -i "localhost," packaging/ansible/playbooks/fleet.yml \
        >"$work/syn" 2>&1 || { cat "$work/syn"; fail "fleet.yml syntax"; }
echo "ok   ansible: $(echo $OFFLINE | wc -w) offline sanity tests pass, ansible-doc renders 4 modules, fleet.yml parses"
