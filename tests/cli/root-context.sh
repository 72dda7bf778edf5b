#!/usr/bin/env bash
# The root-context rule holds across the source (scripts/check-paths.sh).
set -euo pipefail
: "${NODEPREP_TOP:?}"
"$NODEPREP_TOP/scripts/check-paths.sh"
