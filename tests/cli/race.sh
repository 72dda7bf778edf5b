#!/usr/bin/env bash
# Two nodeprep runs that overlap (cloud-init's bootstrap while an Ansible run
# arrives) on fixture trees: two applies, apply against rollback, two k3s
# installs. The run lock (/run/nodeprep.lock inside the root) serialises them;
# every round then checks that no entry was lost: every key a run changed has
# its original journalled, rollback/uninstall bring the tree back exactly.
# NODEPREP_RACE_ROUNDS rounds of each (default 200; `make stress` runs 1000).
# NODEPREP_RACE_LIVE=1: the tuning races on the live kernel instead, with
# per-netns keys; tests/e2e/race-netns.sh runs it inside `unshare -n -m` with
# private /run, /etc/sysctl.d and /var/lib.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh installs it)"
command -v python3 >/dev/null || fail "python3 missing (scripts/install-deps.sh installs it)"
ROUNDS=${NODEPREP_RACE_ROUNDS:-200}
# tmpfs when there is one: the rounds are about ordering, not fsync latency.
W=$(mktemp -d "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp)/nodeprep-race.XXXXXX")
trap 'rm -rf "$TMP" "$W"' EXIT

LIVE=${NODEPREP_RACE_LIVE:-}
R=$W/tune
if [ -n "$LIVE" ]; then
        KA=net.core.somaxconn KB=net.ipv4.tcp_max_syn_backlog
        LOCK=/run/nodeprep.lock
        R=/
        getkey() { sysctl -n "$1"; }
        tnp() {  # [GLOBAL FLAGS] COMMAND ARGS...: the live kernel, per-netns keys only
                case $1 in
                --lock-timeout) "$NODEPREP" "$1" "$2" "${@:3}" $(allow "$3") ;;
                --*) "$NODEPREP" "$1" "${@:2}" $(allow "$2") ;;
                *) "$NODEPREP" "$@" $(allow "$1") ;;
                esac
        }
        allow() { case $1 in apply|rollback) echo --allow-netns ;; esac; }
        state_sum() { (sysctl -n $KA $KB; find /etc/sysctl.d -printf '%p %m %l\n' | sort) | sha256sum; }
else
        # Keys the fixture's admin drop-in does not override, so verify can say "in sync".
        KA=fs.inotify.max_user_watches KB=vm.max_map_count
        LOCK=$R/run/nodeprep.lock
        cp -a "$FIXTURES/tune/debian12" "$R"
        getkey() { key "$R" "$1"; }
        tnp() { np --root "$R" "$@"; }
        # Node state that a run may change: /proc/sys, /etc.
        state_sum() { (cd "$R" && find proc etc -printf '%p %m %l\n' | sort &&
                find proc etc -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
fi
leftovers() { find "$R/var/lib/nodeprep" -type f 2>/dev/null | sort; }

# both CMD_A -- CMD_B: start both at once, wait for each, set rc_a and rc_b.
both() {
        local a=() b=() pa pb
        while [ "$1" != -- ]; do a+=("$1"); shift; done; shift
        b=("$@")
        "${a[@]}" >"$W/out.a" 2>"$W/err.a" & pa=$!
        "${b[@]}" >"$W/out.b" 2>"$W/err.b" & pb=$!
        set +e
        wait "$pa"; rc_a=$?
        wait "$pb"; rc_b=$?
        set -e
}
round_fail() { fail "round $1: $2; a: rc $rc_a $(cat "$W/err.a"); b: rc $rc_b $(cat "$W/err.b")"; }

printf '[sysctl]\n%s = 524288\n' "$KA" >"$W/pA.ini"
printf '[sysctl]\n%s = 262144\n' "$KB" >"$W/pB.ini"
orig_a=$(getkey "$KA")
orig_b=$(getkey "$KB")
initial=$(state_sum)

# 0. The lock itself: a holder that does not let go within --lock-timeout
#    makes a changing command fail naming it; reading commands do not wait.
mkdir -p "$(dirname "$LOCK")"  # the fixture has it
echo "4242 bootstrap" >"$LOCK"
# One process holding it (flock(1) would leave its child holding the fd).
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(60)' \
        "$LOCK" "$W/held" >/dev/null 2>&1 & holder=$!
trap 'kill "$holder" 2>/dev/null || true; rm -rf "$TMP" "$W"' EXIT
for _ in $(seq 200); do [ -e "$W/held" ] && break; sleep 0.05; done
[ -e "$W/held" ] || fail "the test's lock holder did not start"
start=$SECONDS
run 1 tnp --lock-timeout 1 apply "$W/pA.ini"
contains "$err" "4242 bootstrap"
contains "$err" "/run/nodeprep.lock"
contains "$err" "--lock-timeout 1"
[ $((SECONDS - start)) -le 10 ] || fail "--lock-timeout 1 waited $((SECONDS - start)) s"; ok
eq "$(state_sum)" "$initial" "a run that timed out on the lock touched the tree"
run 1 tnp --lock-timeout 0 rollback
run 0 tnp plan "$W/pA.ini"
run 0 tnp --json apply --dry-run "$W/pA.ini"
run 3 tnp verify
contains "$err" "no profile has been applied"
run 2 tnp --lock-timeout 1x apply "$W/pA.ini"
kill "$holder"; wait "$holder" 2>/dev/null || true
rm "$LOCK"  # the test wrote it
# The lock goes with its holder (kill -9 included): the next run takes it.
run 0 tnp --lock-timeout 0 apply "$W/pA.ini"
run 0 tnp rollback
eq "$(state_sum)" "$initial" "apply + rollback"

# 1. Two applies at once: both succeed one after the other, the journal has
#    both originals, verify agrees with what is live, rollback restores all.
for i in $(seq "$ROUNDS"); do
        both tnp apply "$W/pA.ini" -- tnp apply "$W/pB.ini"
        [ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] || round_fail "$i" "two applies"
        o=$(jq -r --arg a "$KA" --arg b "$KB" '.keys[$a] + " " + .keys[$b]' \
                "$R/var/lib/nodeprep/originals.json")
        [ "$o" = "$orig_a $orig_b" ] || round_fail "$i" "an original was lost: $o"
        tnp verify >"$W/verify" 2>&1 || round_fail "$i" "verify after two applies: $(cat "$W/verify")"
        tnp rollback >/dev/null 2>"$W/rb" || round_fail "$i" "rollback: $(cat "$W/rb")"
        [ "$(state_sum)" = "$initial" ] || round_fail "$i" "rollback did not restore the tree"
        [ -z "$(leftovers)" ] || round_fail "$i" "state left after rollback: $(leftovers)"
        ok
done

# 2. apply against rollback, with pA applied before: whichever order they
#    run in, what is live is recorded (verify in sync, or nothing applied and
#    the tree restored), and a last rollback restores the tree.
for i in $(seq "$ROUNDS"); do
        tnp apply "$W/pA.ini" >/dev/null 2>"$W/ap" || fail "round $i: apply pA: $(cat "$W/ap")"
        both tnp apply "$W/pB.ini" -- tnp rollback
        [ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] || round_fail "$i" "apply vs rollback"
        if [ -e "$R/var/lib/nodeprep/applied.json" ]; then
                # rollback ran first: pB alone is applied, its original journalled.
                [ "$(jq -r .profile "$R/var/lib/nodeprep/applied.json")" = pB ] || round_fail "$i" "applied.json"
                [ "$(jq -r --arg b "$KB" '.keys[$b]' "$R/var/lib/nodeprep/originals.json")" = "$orig_b" ] ||
                        round_fail "$i" "pB's original lost"
                [ "$(getkey "$KA")" = "$orig_a" ] || round_fail "$i" "pA's key stayed"
                tnp verify >"$W/verify" 2>&1 || round_fail "$i" "verify: $(cat "$W/verify")"
                tnp rollback >/dev/null 2>"$W/rb" || round_fail "$i" "rollback: $(cat "$W/rb")"
        fi
        [ "$(state_sum)" = "$initial" ] || round_fail "$i" "a change stayed with no record"
        [ -z "$(leftovers)" ] || round_fail "$i" "state left: $(leftovers)"
        ok
done

if [ -n "$LIVE" ]; then
        echo "$ROUNDS rounds of each race, live"
        done_ok
fi

# 3. Two k3s installs at once (air-gap, no start), one with a token: the
#    manifest names every file either wrote, so uninstall removes them all.
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
A=$W/airgap
k3s_release_dir "$A" v1.31.4+k3s1 1
(cd "$A" && sha256sum k3s >sha256sum-amd64.txt)
echo "K10abc::server:race-token-value" >"$W/token"
K=$W/k3s
mkdir -p "$K"
for i in $(seq "$ROUNDS"); do
        both np --root "$K" k3s install --airgap "$A" --arch amd64 --no-start --token-file "$W/token" --tls-san a \
                -- np --root "$K" k3s install --airgap "$A" --arch amd64 --no-start --tls-san b
        [ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] || round_fail "$i" "two k3s installs"
        listed=$(jq -r '.files | keys[]' "$K/var/lib/nodeprep/k3s-install.json" | sort)
        present=$(cd "$K" && find usr etc -type f -printf '/%p\n' | sort)
        [ "$listed" = "$present" ] || round_fail "$i" "manifest lists: $listed; on disk: $present"
        np --root "$K" k3s uninstall >/dev/null 2>"$W/un" || round_fail "$i" "uninstall: $(cat "$W/un")"
        left=$(cd "$K" && find . \( -type f -o -type l \) | sort)
        [ -z "$left" ] || round_fail "$i" "uninstall left: $left"
        ok
done
echo "$ROUNDS rounds of each race"
done_ok
