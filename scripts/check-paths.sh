#!/usr/bin/env bash
# Every read of /proc, /sys, /etc, /var, /run, /dev goes through the root
# context (agent/basic/sysroot.h), so --root reaches it. This flags libc calls
# that take such a path literally, bypassing the root. An exception needs a
# "root-context: exempt (reason)" comment on the same line.
set -euo pipefail
cd "$(dirname "$0")/.."
calls='(fopen|open|openat|opendir|stat|lstat|access|faccessat|readlink|realpath|mnt_table_parse_file|mnt_table_parse_mtab|unlink|mkdir)'
hits=$(grep -rnE "\\b$calls\\s*\\([^;]*\"/(proc|sys|etc|var|run|dev)/" agent --include='*.c' |
        grep -v 'root-context: exempt' | grep -v '^agent/basic/sysroot.c:' || true)
if [ -n "$hits" ]; then
        echo "check-paths: these bypass the root context (use sysroot_*):"
        echo "$hits"
        exit 1
fi
echo "check-paths: every /proc, /sys, /etc, /var, /run, /dev access goes through the root context"
