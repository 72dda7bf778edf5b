#!/usr/bin/env bash
# `make install` honours DESTDIR, PREFIX, CFLAGS, CPPFLAGS and LDFLAGS: a
# build with Debian's hardening flags (dpkg-buildflags, hardening=+all) lands
# under DESTDIR/PREFIX, and the flags are visible in the installed binary.
set -eu  # no pipefail: grep -q ends pipes early on purpose
: "${NODEPREP_TOP:?}"
command -v dpkg-buildflags >/dev/null || { echo "FAIL: dpkg-buildflags missing (dpkg-dev)"; exit 1; }
TMP=$(mktemp -d /tmp/nodeprep-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
# Each variable carries a marker the binary shows when it got through.
printf '__attribute__((used)) static const char nodeprep_cppflags_marker[] = "cppflags-reached";\n' > "$TMP/marker.h"
cflags="$(dpkg-buildflags --get CFLAGS) -fno-plt -frecord-gcc-switches"
cppflags="$(dpkg-buildflags --get CPPFLAGS) -include $TMP/marker.h"
ldflags="$(dpkg-buildflags --get LDFLAGS) -Wl,--build-id=0x6e6f646570726570"
make -C "$NODEPREP_TOP" --no-print-directory -j2 B="$TMP/build" DESTDIR="$TMP/dest" PREFIX=/usr \
        CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" install >/dev/null
bin=$TMP/dest/usr/sbin/nodeprep
[ -x "$bin" ] || { echo "FAIL: $bin not installed"; exit 1; }
[ -f "$TMP/dest/usr/share/nodeprep/profiles/serverless.ini" ] || { echo "FAIL: profiles not installed"; exit 1; }
grep -q -- '-fno-plt' <<<"$(readelf -p .GCC.command.line "$bin" 2>/dev/null)" || { echo "FAIL: CFLAGS did not reach the binary"; exit 1; }
grep -q cppflags-reached <<<"$(strings "$bin")" || { echo "FAIL: CPPFLAGS did not reach the binary"; exit 1; }
grep -q 'Build ID: 6e6f646570726570' <<<"$(readelf -n "$bin")" || { echo "FAIL: LDFLAGS did not reach the link"; exit 1; }
grep -q 'BIND_NOW' <<<"$(readelf -d "$bin")" || { echo "FAIL: no BIND_NOW (LDFLAGS -z now)"; exit 1; }
grep -q 'GNU_RELRO' <<<"$(readelf -l "$bin")" || { echo "FAIL: no RELRO"; exit 1; }
grep -q 'DYN' <<<"$(readelf -h "$bin")" || { echo "FAIL: not PIE"; exit 1; }
grep -q '__stack_chk_fail' <<<"$(readelf -s --wide "$bin")" || { echo "FAIL: no stack protector"; exit 1; }
grep -qE '__[a-z]+_chk@' <<<"$(readelf -s --wide "$bin")" || { echo "FAIL: no fortified calls"; exit 1; }
"$bin" --root "$NODEPREP_TOP/tests/fixtures/tune/debian12" --profile-path "$TMP/dest/usr/share/nodeprep/profiles" \
        plan serverless >/dev/null || { echo "FAIL: installed binary does not run"; exit 1; }
echo "install: DESTDIR/PREFIX layout, dpkg-buildflags CFLAGS/CPPFLAGS/LDFLAGS reached the binary"
