#!/usr/bin/env bash
# Bad profiles: exit 2, the place (file:line) in the message, nothing touched.
source "$(dirname "$0")/lib.sh"
R=$(mkroot tune/debian12)
before=$(tree_sum "$R")
P=$TMP/profiles
mkdir -p "$P"

# expect_bad NAME LINE MESSAGE-FRAGMENT: apply the profile file $P/NAME.ini.
expect_bad() {
        local name=$1 line=$2 frag=$3 where=${4:-$1}
        run 2 np --root "$R" --profile-path "$P" apply "$P/$name.ini"
        contains "$err" "$P/$where.ini:$line:"
        contains "$err" "$frag"
        run 2 np --root "$R" --profile-path "$P" --json apply "$P/$name.ini"
        [ "$(echo "$out" | jq -r .error)" != "null" ] || fail "no error in JSON for $name"; ok
        run 2 np --profile-path "$P" profile lint "$P/$name.ini"
        eq "$(tree_sum "$R")" "$before" "$name touched the tree"
}

printf '[sysctl]\nnet.core.somaxconn 100\n' > "$P/syntax.ini"
expect_bad syntax 2 "syntax error"
printf '[profile]\ndescription = x\n[tuning]\nfoo = 1\n' > "$P/section.ini"
expect_bad section 4 "unknown section [tuning]"
printf '[sysctl]\nnet.core.somaxconn = 8192\nnet.core.no_such_key = 1\n' > "$P/unknown.ini"
expect_bad unknown 3 "unknown sysctl key 'net.core.no_such_key'"
printf '[sysctl]\nnet.core.somaxconn = lots\n' > "$P/type.ini"
expect_bad type 2 "not an integer"
printf '[sysctl]\nnet.ipv4.ip_forward = 2\n' > "$P/range.ini"
expect_bad range 2 "out of range [0, 1]"
printf '[sysctl]\nnet.ipv4.ip_local_port_range = 40000\n' > "$P/pair.ini"
expect_bad pair 2 "not two integers"
printf '[sysctl]\nnet.ipv4.neigh.default.gc_thresh1 = 8192\nnet.ipv4.neigh.default.gc_thresh2 = 4096\nnet.ipv4.neigh.default.gc_thresh3 = 16384\n' > "$P/gc.ini"
expect_bad gc 4 "gc_thresh1 <= gc_thresh2 <= gc_thresh3"
printf '[sysctl]\nfs.nr_open = 65536\n[limits]\nnofile = 1048576\n' > "$P/nofile.ini"
expect_bad nofile 2 "below [limits] nofile"
printf '[sysctl]\nnet.ipv4.ip_local_port_range = 20000 60999\n' > "$P/ports.ini"
expect_bad ports 2 "overlaps the NodePort range"
printf '[sysctl]\nnet.ipv4.ip_local_port_range = 50000 40000\n' > "$P/ports2.ini"
expect_bad ports2 2 "must be below high"
printf '[sysctl]\nvm.overcommit_memory = 2\n' > "$P/owned.ini"
expect_bad owned 2 "owned by kubelet, which writes 1"
printf '[sysctl]\nnet.netfilter.nf_conntrack_max = 100000\n' > "$P/runtime-owned.ini"
expect_bad runtime-owned 2 "sizes it at run time"
printf '[sysctl]\nnet.ipv4.ip_forward = >=1\n' > "$P/modbool.ini"
expect_bad modbool 2 "applies only to integer keys"
printf '[profile]\ninclude = cyc-b\n' > "$P/cyc-a.ini"
printf '[profile]\n\ninclude = cyc-a\n' > "$P/cyc-b.ini"
expect_bad cyc-a 3 "include cycle" cyc-b
printf '[profile]\ninclude = no-such-parent\n' > "$P/missing.ini"
expect_bad missing 2 "included profile 'no-such-parent' not found"
printf '[sysctl]\nnet.core.somaxconn = 1000\nnet.core.somaxconn = 2000\n' > "$P/dup.ini"
expect_bad dup 3 "set twice"
printf '[modules]\nload = ../evil\n' > "$P/module.ini"
expect_bad module 2 "invalid module name"
# An unknown key opted in is still type-checked against the live value.
printf '[sysctl]\n?kernel.osrelease = 5\n' > "$P/unchecked.ini"
run 2 np --root "$R" apply "$P/unchecked.ini"
contains "$err" "unchecked.ini:2:"
contains "$err" "does not have the type of the live value"
eq "$(tree_sum "$R")" "$before" "unchecked touched the tree"

# Size caps: a 10 MB line, a 100k-key file, NUL bytes.
{ printf '[sysctl]\nnet.core.somaxconn = '; head -c 10000000 /dev/zero | tr '\0' '7'; printf '\n'; } > "$P/longline.ini"
expect_bad longline 2 "line too long"
{ printf '[sysctl.unchecked]\n'; for i in $(seq 1 100000); do echo "net.x.k$i = 1"; done; } > "$P/manykeys.ini"
expect_bad manykeys 1026 "too many sysctl keys (max 1024)"
printf '[sysctl]\nnet.core.somaxconn = 81\0092\n' > "$P/nul.ini"
expect_bad nul 2 "NUL byte"

# Bad usage.
run 2 np --root "$R" apply
run 2 np --root "$R" frobnicate
run 2 np --root "$R" apply --bogus serverless
run 2 np --root "$R" plan no-such-profile
contains "$err" "not found"
run 2 np --root "$R" plan "../../etc/passwd-name"
run 2 np --root /nonexistent plan serverless
eq "$(tree_sum "$R")" "$before" "bad usage touched the tree"
done_ok
