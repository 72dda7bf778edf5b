#!/usr/bin/env bash
# Every fault of the loopback release mirror gives a clear error, leaves the
# previously installed binary untouched and no partial file; a cut download
# resumes with Range.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
need python3

V=v1.31.5+k3s1
k3s_mirror_setup k3s-faults "$V" 6
R=$work/root
mkdir -p "$R/usr/local/bin"
printf '#!/bin/sh\necho old k3s\n' >"$R/usr/local/bin/k3s"
chmod 755 "$R/usr/local/bin/k3s"
cp -a "$R/usr/local/bin/k3s" "$work/old"
fast=(--retries 1 --backoff-ms 50 --low-speed-time 2 --connect-timeout 2)

# fault, install args, expected message (grep -E)
check() {
        local fault=$1 msg=$2; shift 2
        local rc start=$SECONDS
        k3s_mirror_fault "$fault"
        set +e
        "$NODEPREP" --root "$R" --json k3s install --mirror "$MIRROR_URL" --channel-url "$CHANNEL_URL" \
                "${fast[@]}" "$@" >"$work/out" 2>"$work/err"
        rc=$?
        set -e
        [ $rc -eq 1 ] || { cat "$work/err"; fail "$fault: exit $rc, expected 1"; }
        grep -Eq "$msg" "$work/err" || fail "$fault: message '$(cat "$work/err")' lacks /$msg/"
        jq -e '.error and .changed == false' "$work/out" >/dev/null || fail "$fault: json $(cat "$work/out")"
        cmp -s "$R/usr/local/bin/k3s" "$work/old" || fail "$fault: old binary changed"
        [ "$(stat -c %a "$R/usr/local/bin/k3s")" = 755 ] || fail "$fault: old binary mode"
        if [ -n "$(ls -A "$R/usr/local/bin" | grep -v '^k3s$' || true)" ]; then
                fail "$fault: left $(ls -A "$R/usr/local/bin")"
        fi
        echo "ok   $fault ($((SECONDS - start))s): $(head -n1 "$work/err")"
}

check channel-503 "channel server: .*HTTP 503" --channel stable
check channel-200 "without a redirect.*refusing to guess" --channel stable
check 404 "HTTP 404" --version "$V"
check truncated "(transfer closed with [0-9]+ bytes remaining|partial file).*attempts" --version "$V"
check reset "(Recv failure|reset).*attempts" --version "$V"
check slow "(too slow|Timeout).*attempts" --version "$V"
check wrong-hash "sha256 mismatch: expected 0{64}, got [0-9a-f]{64}" --version "$V"
check missing-hash-line "has no line for k3s" --version "$V"
check other-arch "has no line for k3s" --version "$V"

# A reset once, then the rest with Range: installed, one resume.
k3s_mirror_fault reset-once
set +e
"$NODEPREP" --root "$R" --json k3s install --mirror "$MIRROR_URL" --version "$V" "${fast[@]}" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ $rc -eq 4 ] || { cat "$work/err"; fail "reset-once: exit $rc"; }
cmp -s "$R/usr/local/bin/k3s" "$work/rel/k3s" || fail "reset-once: binary differs"
jq -e '.steps[] | select(.name == "binary") | .detail | test("2 attempt.*1 resumed")' "$work/out" >/dev/null ||
        fail "reset-once: no resume: $(jq -c '.steps[] | select(.name == "binary")' "$work/out")"
grep -q "GET /releases/download/v1.31.5%2Bk3s1/k3s" <<<"$(k3s_mirror_requests)" || fail "no download"
echo "ok   reset-once: resumed with Range"
echo "k3s mirror faults: all checks passed"
