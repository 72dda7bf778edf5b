# Helpers for CLI tests: sourced, not run.
set -euo pipefail
: "${NODEPREP:?set NODEPREP to the nodeprep binary}"
: "${NODEPREP_TOP:?set NODEPREP_TOP to the repository}"
FIXTURES=$NODEPREP_TOP/tests/fixtures
TMP=$(mktemp -d /tmp/nodeprep-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
source "$NODEPREP_TOP/tests/lib/harness.sh"

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
# A private copy of a fixture tree.
mkroot() { local r="$TMP/root-${1////-}-$RANDOM"; cp -a "$FIXTURES/$1" "$r"; echo "$r"; }
key() { cat "$1/proc/sys/$(echo "$2" | tr . /)"; }
# Checksum of a whole tree (contents, modes, links): "nothing touched".
tree_sum() { (cd "$1" && find . -printf '%p %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
jq_() { jq -r "$@"; }
