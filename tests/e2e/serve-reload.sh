#!/usr/bin/env bash
# SIGHUP reloads the config file (what `systemctl reload nodeprep` sends):
# a good file changes the checks and thresholds from the next collection,
# keeping the process, the port and the command-line values; a bad one keeps
# the running configuration and the log names file:line; settings only a
# restart can change (the listen address) are kept and said so. SIGTERM
# still ends it cleanly.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl ss
cfg=$(write_config "interval = 60" "checks = data-disk steal")
serve_start -- --config "$cfg"
pid=$SERVE_PID
http "/readyz?verbose"
contains "$body" "[+]data-disk"
lacks "$body" "file-handles"
log_has() { grep -qF -- "$1" "$TMP/serve.log"; }

# A good file: a check added, another dropped, shown without waiting for the 60 s tick.
write_config "interval = 60" "checks = data-disk file-handles" >/dev/null
kill -HUP "$pid"
wait_for log_has "reloaded $cfg" || fail "no 'reloaded' line after SIGHUP"
ok
readyz_has() { http "/readyz?verbose"; case "$body" in *"$1"*) return 0 ;; esac; return 1; }
wait_for readyz_has "[+]file-handles" || fail "file-handles not checked after the reload: $body"
ok
lacks "$body" "steal"
kill -0 "$pid" 2>/dev/null || fail "serve exited on SIGHUP"; ok
eq "$SERVE_PID" "$pid" "same process"
# --listen from the command line still wins over the file: still on $PORT.
http /livez
eq "$code" "200" "/livez after the reload"

# A bad file: the running configuration stays, and the log says where the error is.
printf '[health]\nchecks = data-disk\nno equals sign here\n' >"$cfg"
kill -HUP "$pid"
wait_for log_has "reload failed, keeping the running configuration: $cfg:3:" || fail "no reload error naming $cfg:3"
ok
sleep 1
kill -0 "$pid" 2>/dev/null || fail "serve exited on a bad reload"; ok
http "/readyz?verbose"
contains "$body" "[+]file-handles"
# An unknown check name is refused the same way.
printf '[health]\nchecks = data-disk no-such-check\n' >"$cfg"
kill -HUP "$pid"
wait_for log_has "unknown check 'no-such-check'" || fail "no error for an unknown check"
ok
http "/readyz?verbose"
contains "$body" "[+]file-handles"

# A restart-only setting: kept, and said so. (The command line's --listen wins
# anyway; a file without a listen key over a file with one still warns.)
write_config "interval = 60" "checks = data-disk" "max_connections = 7" >/dev/null
kill -HUP "$pid"
wait_for log_has "max_connections changed; it takes effect when the service restarts" || fail "no restart-only warning"
ok
wait_for readyz_has "[+]data-disk" || fail "data-disk missing"
ok
lacks "$body" "file-handles"
http /livez
eq "$code" "200" "still serving on the same port"

serve_stop
done_ok
