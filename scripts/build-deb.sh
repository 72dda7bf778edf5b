#!/usr/bin/env bash
# Build the Debian package from this checkout (working tree, committed or
# not). The top-level layout is fixed, so debian/ lives in packaging/debian:
# the sources are copied into a build tree under build/deb/, packaging/debian
# becomes its debian/, and dpkg-buildpackage -us -uc -b runs there.
# Output: build/deb/nodeprep_VERSION_ARCH.deb (+ -dbgsym, .changes, .buildinfo).
# Options: --lintian      also run lintian on the result and fail on E:/W: tags
#                         other than the archive-only ones listed below.
#          --lint-only    lintian on the package already in build/deb (no build).
#          --suite S      build inside a container of Debian release S
#                         (bullseye, bookworm, trixie: tests/e2e/lib/nspawn.sh)
#                         with that release's compiler and build dependencies
#                         (apt-get build-dep on debian/control), so Depends and
#                         dlopen:Depends carry its package names (t64 on trixie).
#                         Output in build/deb-S/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/deb

lint() {
        # Archive-only tags: they concern an upload to Debian, not the package.
        #   initial-upload-closes-no-bugs  no ITP bug for an in-house package
        local allowed='initial-upload-closes-no-bugs' bad
        lintian -I --pedantic --tag-display-limit 0 "$out"/*.changes >"$out/lintian.txt" 2>&1 || true
        cat "$out/lintian.txt"
        bad=$(grep -E '^[EW]: ' "$out/lintian.txt" | grep -vE " ($allowed)( |$)" || true)
        if [ -n "$bad" ]; then
                echo "build-deb: lintian errors or warnings:" >&2
                echo "$bad" >&2
                return 1
        fi
        echo "build-deb: lintian clean (only archive-only tags: $allowed)"
}

run_lintian=false suite=
case "${1:-}" in
--lintian) run_lintian=true ;;
--lint-only) lint; exit ;;
--suite) suite=${2:?--suite needs a release name}; out=$top/build/deb-$suite ;;
esac

version=$(cat VERSION)
clver=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
if [ "$clver" != "$version" ]; then
        echo "build-deb: VERSION says $version but packaging/debian/changelog says $clver" >&2
        exit 1
fi
src=$out/src/nodeprep-$version
rm -rf "$out"
mkdir -p "$src"
# Only what the build needs: no build trees, no test fixtures.
cp -a Makefile VERSION README.md agent profiles "$src/"
mkdir -p "$src/packaging"
cp -a packaging/man packaging/systemd packaging/etc "$src/packaging/"
cp -a packaging/debian "$src/debian"
find "$src" \( -name '*.o' -o -name '*.d' \) -delete

build() {
        if [ -z "$suite" ]; then
                (cd "$src" && dpkg-buildpackage -us -uc -b)
                return
        fi
        local rootfs
        # shellcheck source=../tests/e2e/lib/nspawn.sh
        source "$top/tests/e2e/lib/nspawn.sh"
        NSPAWN_SUITE=$suite
        nspawn_require >&2 || return 1
        rootfs=$(nspawn_build_rootfs_ensure "$src") || return 1
        # The container starts with a clean environment: WERROR (CI) is passed on.
        nspawn_run_build "$rootfs" "$out/src" ${WERROR:+--setenv=WERROR=$WERROR} sh -c \
                "cd nodeprep-$version && gcc --version | sed -n 1p && dpkg-buildpackage -us -uc -b"
}
build >"$out/build.log" 2>&1 || {
        tail -n 40 "$out/build.log" >&2
        echo "build-deb: dpkg-buildpackage failed (full log: $out/build.log)" >&2
        exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
# The .changes names the files next to it.
ls -1 "$out"/*.deb

if $run_lintian; then
        lint
fi
