#!/usr/bin/env bash
# The module graph of agent/ keeps its tiers (issue 12, acceptance 3):
# scripts/check-layers.py passes on the tree, proves with its self-test that
# it reports each kind of planted violation, and fails (exit 1, naming
# file:line) on a copy of agent/ where a domain includes another domain.
set -euo pipefail
: "${NODEPREP_TOP:?}"
cd "$NODEPREP_TOP"
command -v python3 >/dev/null || { echo "python3 missing (scripts/install-deps.sh)"; exit 77; }
TMP=$(mktemp -d /tmp/nodeprep-layers.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(scripts/check-layers.py) || fail "the tree breaks its tiers: $out"
grep -q 'every include to the same directory or a lower rank' <<<"$out" || fail "unexpected output: $out"

out=$(scripts/check-layers.py --self-test) || fail "self-test: $out"

cp -a agent "$TMP/agent"
echo '#include "../k3s/k3s.h"' >>"$TMP/agent/openfaas/record.c"
set +e
out=$(scripts/check-layers.py "$TMP/agent")
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a planted openfaas -> k3s include: exit $rc, expected 1; output: $out"
grep -q 'agent/openfaas/record.c:[0-9]*: openfaas/ (rank 2) includes k3s/k3s.h' <<<"$out" || fail "not named: $out"
echo "layers: tree clean, planted violations reported"
