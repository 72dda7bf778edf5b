#!/usr/bin/env bash
# The dlopen() contract (agent/shared/dlopen.h, issue 12 item 6):
#  1. every object that calls into a dlopen()ed library also calls that
#     library's dlopen_NAME() (the load is explicit where the library is used,
#     not in main.c's command table); proven first on a planted object that
#     calls curl_easy_init() without dlopen_curl();
#  2. commands load only what they reach: version and plan load none of the
#     libraries, check on a fixture loads neither libcurl nor libmicrohttpd;
#  3. a missing library or symbol is -EOPNOTSUPP with a message naming it,
#     and a command whose library is gone (a private mount namespace with
#     /dev/null over the .so) says so or degrades, never crashes;
#  4. curl's compile-time checks hold through the wrapper: a wrong-typed
#     curl_easy_setopt()/curl_easy_getinfo() does not compile, and the
#     forwarders pass long, pointer, callback and curl_off_t arguments through
#     (a file:// transfer: no network).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NODEPREP_TOP"
B=${BUILD:-build}
[ -f "$B/libnodeprep.a" ] || skip "no $B/libnodeprep.a (make first)"
command -v nm >/dev/null || skip "nm missing (binutils)"
command -v gcc >/dev/null || skip "gcc missing"
# Programs linked against the archive need its sanitizers (make asan).
archive_syms=$(nm "$B/libnodeprep.a" 2>/dev/null || true)
san=
grep -q ' U __asan_' <<<"$archive_syms" && san="-fsanitize=address,undefined"

# The library of each wrapped function: dl-NAME.h lists them as X(function).
declare -A lib_of
for h in agent/shared/dl-*.h; do
        lib=${h##*/dl-}; lib=${lib%.h}
        [ "$lib" = all ] && continue
        for f in $(sed -n 's/^ *\(DL_IF_[A-Z_]*(\)\{0,1\}X(\([A-Za-z0-9_]*\)).*/\2/p' "$h"); do
                lib_of[$f]=$lib
        done
done
[ "${#lib_of[@]}" -gt 50 ] || fail "read only ${#lib_of[@]} wrapped functions from agent/shared/dl-*.h"

# Prints "OBJECT uses LIB without dlopen_LIB" for each offender.
contract_violations() {
        local o s name undef lib
        for o in "$@"; do
                undef=$(nm -u "$o")
                declare -A uses=()
                while read -r _ s; do
                        name=${s#sym_}
                        [ -n "$name" ] || continue
                        lib=${lib_of[$name]:-}
                        [ -n "$lib" ] && uses[$lib]=1
                done <<<"$undef"
                for lib in "${!uses[@]}"; do
                        grep -qx "[[:space:]]*U dlopen_$lib" <<<"$undef" || echo "$o uses lib$lib without dlopen_$lib"
                done
                unset uses
        done
}

# 1. The checker flags a planted offender, then the tree has none.
cat >"$TMP/offender.c" <<'EOF'
#include "shared/dl-curl.h"
void *offender(void);
void *offender(void) { return curl_easy_init(); }
EOF
gcc -std=gnu11 -D_GNU_SOURCE -Iagent -c "$TMP/offender.c" -o "$TMP/offender.o"
v=$(contract_violations "$TMP/offender.o")
contains "$v" "offender.o uses libcurl without dlopen_curl"
# The objects of today's sources (a build dir may keep objects of files
# since moved or deleted).
objs=()
while read -r src; do
        objs+=("$B/${src%.c}.o")
done < <(find agent -name '*.c' ! -name 'dl-*.c' | sort)
[ "${#objs[@]}" -gt 100 ] || fail "only ${#objs[@]} objects under $B/agent"
v=$(contract_violations "${objs[@]}")
eq "$v" "" "objects that call a library without loading it"

# 2. What a command loads (the dynamic loader's own account).
loaded() { LD_DEBUG=files "$NODEPREP" "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\).*/\1/p' | sort -u; }
heavy='libcurl|libsystemd|libmicrohttpd|libnl-|libmount|libyaml|libcrypto|libkmod|libz\.'
for cmd in "version" "plan --root $FIXTURES/check/kvm-qemu-nvme k3s-server"; do
        l=$(loaded $cmd || true)
        lacks "$(grep -E "$heavy" <<<"$l" || true)" "lib"
done
l=$(loaded --root "$FIXTURES/check/kvm-qemu-nvme" check || true)
contains "$l" "libmount"          # the probes that read the mount table load it
lacks "$l" "libcurl"
lacks "$l" "libmicrohttpd"

# 3. A missing library, a missing symbol.
cat >"$TMP/missing.c" <<'EOF'
#include <stdio.h>
#include "shared/dlopen.h"
int main(void) {
        static void *h1, *h2, *p;
        struct dlsym_entry e[] = { { &p, "no_such_function_anywhere" } };
        const char *why = NULL;
        int r;

        r = dlopen_symbols(&h1, "libnodeprep-absent.so.9", e, 1, &why);
        printf("%d %s\n", r, why);
        r = dlopen_symbols(&h2, "libz.so.1", e, 1, &why);
        printf("%d %s\n", r, why);
        return 0;
}
EOF
gcc -std=gnu11 -D_GNU_SOURCE $san -Iagent "$TMP/missing.c" "$B/libnodeprep.a" -ldl -lpthread -o "$TMP/missing"
out=$("$TMP/missing")
contains "$out" "-95 libnodeprep-absent.so.9 is not installed"
contains "$out" "-95 libz.so.1 lacks no_such_function_anywhere"

# The whole binary with a library gone, in a private mount namespace.
without() {  # SONAME CMD...: run CMD with /dev/null mounted over SONAME
        local so=$1 path; shift
        path=$(ldconfig -p | awk -v so="$so" '$1 == so && p == "" { p = $NF } END { print p }')
        [ -n "$path" ] || fail "$so not found by ldconfig"
        unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$path" "$@"
}
if unshare -m --propagation private true 2>/dev/null; then
        run 1 without libsystemd.so.0 "$NODEPREP" --root "$FIXTURES/check/kvm-qemu-nvme" serve --once
        contains "$err" "libsystemd.so.0 is not installed"
        run 0 without libmount.so.1 "$NODEPREP" --root "$FIXTURES/check/kvm-qemu-nvme" check k3s-prereq
        contains "$out" "unknown"           # the cgroup probe could not read the mount table
else
        echo "note: no private mount namespace here; the missing-library runs are skipped" >&2
        no_unshare=1
fi

# 4. curl's type checks through the wrapper: the flags of the Makefile.
[ -d "$B/curl-include/curl" ] || skip "no $B/curl-include (the Makefile found no curl headers)"
cc_curl() { gcc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Werror -I"$B/curl-include" -Iagent "$@"; }
setopt_with() {
        printf '#include "shared/dl-curl.h"\nvoid f(CURL *c, char **s);\nvoid f(CURL *c, char **s) { (void) s; %s; }\n' \
                "$1" >"$TMP/tc.c"
        set +e
        cc_curl -c "$TMP/tc.c" -o "$TMP/tc.o" 2>"$TMP/tc.err"
        rc=$?
        set -e
        tc_err=$(cat "$TMP/tc.err")
}
setopt_with 'curl_easy_setopt(c, CURLOPT_TIMEOUT, "ten seconds")'
[ "$rc" -ne 0 ] || fail "a string for CURLOPT_TIMEOUT compiled"
contains "$tc_err" "curl_easy_setopt expects a long argument"
setopt_with 'curl_easy_setopt(c, CURLOPT_URL, 10L)'
[ "$rc" -ne 0 ] || fail "a long for CURLOPT_URL compiled"
contains "$tc_err" "curl_easy_setopt expects a string"
setopt_with 'curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, s)'
[ "$rc" -ne 0 ] || fail "a char ** for CURLINFO_RESPONSE_CODE compiled"
contains "$tc_err" "curl_easy_getinfo expects a pointer to long"
setopt_with 'curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L); curl_easy_setopt(c, CURLOPT_URL, "https://x/")'
eq "$rc" 0 "right-typed setopt: $tc_err"

# The forwarders, one argument class each, on a file:// transfer.
printf 'forwarded through sym_curl_easy_setopt\n' >"$TMP/payload"
cat >"$TMP/fwd.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shared/dl-curl.h"
static char got[256];
static size_t sink(char *p, size_t size, size_t n, void *ud) {
        size_t len = size * n, have = strlen(ud);
        if (have + len < sizeof(got))
                memcpy((char *) ud + have, p, len);
        return len;
}
int main(int argc, char **argv) {
        const char *why = NULL;
        curl_off_t size = 0;
        long code = -1;
        CURL *c;

        if (argc != 3 || dlopen_curl(&why) < 0 || !(c = curl_easy_init()))
                return 2;
        if (curl_easy_setopt(c, CURLOPT_URL, argv[1]) ||                        /* object pointer */
            curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L) ||                        /* long */
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink) ||                 /* function pointer */
            curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *) got) ||
            curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) atoll(argv[2])) ||  /* curl_off_t */
            curl_easy_perform(c) ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) ||
            curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &size))
                return 1;
        printf("%ld %ld %s", code, (long) size, got);
        curl_easy_cleanup(c);
        return 0;
}
EOF
cc_curl $san "$TMP/fwd.c" "$B/libnodeprep.a" -ldl -lpthread -o "$TMP/fwd"
run 0 "$TMP/fwd" "file://$TMP/payload" 0
eq "$out" "0 39 forwarded through sym_curl_easy_setopt" "file:// transfer through the forwarders"
# The resume offset arrived as a curl_off_t: the first 10 bytes are skipped.
run 0 "$TMP/fwd" "file://$TMP/payload" 10
eq "$out" "0 29 through sym_curl_easy_setopt" "resumed at 10"
[ -z "${no_unshare:-}" ] || skip "everything else passed; the missing-library runs need unshare -m (root)"
done_ok
