# Helpers for CLI tests: sourced, not run.
set -euo pipefail
: "${NODEPREP:?set NODEPREP to the nodeprep binary}"
: "${NODEPREP_TOP:?set NODEPREP_TOP to the repository}"
FIXTURES=$NODEPREP_TOP/tests/fixtures
TMP=$(mktemp -d /tmp/nodeprep-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }
skip() { echo "$*"; exit 77; }

# run EXPECTED_RC CMD...: run, keep stdout in $out and stderr in $err.
run() {
        local want=$1; shift
        set +e
        "$@" >"$TMP/out" 2>"$TMP/err"
        rc=$?
        set -e
        out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
        [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want; stderr: $err; stdout: ${out:0:600}"
        ok
}
np() { "$NODEPREP" "$@"; }
contains() { case "$1" in *"$2"*) ok ;; *) fail "expected '$2' in: ${1:0:800}" ;; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect '$2' in: ${1:0:800}" ;; *) ok ;; esac; }
eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; ok; }
# A private copy of a fixture tree.
mkroot() { local r="$TMP/root-${1////-}-$RANDOM"; cp -a "$FIXTURES/$1" "$r"; echo "$r"; }
key() { cat "$1/proc/sys/$(echo "$2" | tr . /)"; }
# Checksum of a whole tree (contents, modes, links): "nothing touched".
tree_sum() { (cd "$1" && find . -printf '%p %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
jq_() { jq -r "$@"; }
done_ok() { echo "$checks checks passed"; exit 0; }
