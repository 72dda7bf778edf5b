#!/usr/bin/env bash
# scripts/check-includes.py: flags a run out of order, --fix writes the order
# the rule names (own header; <system> sorted; "local" sorted; blank lines
# between), a second --fix changes nothing, and runs cut by #define or #if
# stay where they are.
source "$(dirname "$0")/lib.sh"
chk=$NODEPREP_TOP/scripts/check-includes.py
mkdir -p "$TMP/inc"
f=$TMP/inc/thing.c
cat >"$f" <<'C'
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include "../basic/log.h"
#include "thing.h"
#include <errno.h>
#include "blob.h"
#include <errno.h>

#define WANT_X 1
#include "z-after-define.h"
#include "a-after-define.h"
#if defined(__x86_64__)
#include <cpuid.h>
#endif

int x;
C
cat >"$TMP/want" <<'C'
/* SPDX-License-Identifier: MIT */
#include "thing.h"

#include <errno.h>
#include <stdio.h>

#include "../basic/log.h"
#include "blob.h"

#define WANT_X 1
#include "a-after-define.h"
#include "z-after-define.h"
#if defined(__x86_64__)
#include <cpuid.h>
#endif

int x;
C
run 1 python3 "$chk" "$f"
contains "$out" "thing.c:2: includes out of order"
run 0 python3 "$chk" --fix "$f"
eq "$(cat "$f")" "$(cat "$TMP/want")" "fixed file"
run 0 python3 "$chk" --fix "$f"
eq "$out" "" "second --fix"
run 0 python3 "$chk" "$f"
done_ok
