#!/usr/bin/env bash
# No secret in argv, stderr, stdout, the journal or a world-readable file
# after a bootstrap (on a --root fixture) whose --report-url carries a user,
# a password and a query token, and whose datastore endpoint has a password
# (from --datastore-endpoint-file, and once on the command line, which
# nodeprep scrubs from /proc/PID/cmdline). The report sink reads nodeprep's
# /proc/PID/cmdline while nodeprep waits for its answer.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/k3s-mirror.sh"
need python3 jq curl

V=v1.31.4+k3s1
k3s_mirror_setup np-secrets "$V" 1
port=$(loopback_port)
python3 - "$port" "$work" <<'PY' &
import http.server, os, sys
port, work = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n = len([f for f in os.listdir(work) if f.startswith("post.")])
        with open(os.path.join(work, "post.%d" % n), "wb") as f:
            f.write(self.path.encode() + b"\n" + str(self.headers).encode())
        with open(os.path.join(work, "body.%d" % n), "wb") as f:
            f.write(body)
        try:
            pid = open(os.path.join(work, "pid")).read().strip()
            with open("/proc/%s/cmdline" % pid, "rb") as c, open(os.path.join(work, "cmdline.%d" % n), "wb") as f:
                f.write(c.read().replace(b"\0", b" "))
        except OSError as e:
            open(os.path.join(work, "cmdline.%d" % n), "w").write("unreadable: %s" % e)
        self.send_response(204)
        self.end_headers()
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
sink_wait $! "$port"

R=$work/root
cp -a "$NODEPREP_TOP/tests/fixtures/tune/debian12/." "$R/"
REPORT_PASS=hunter2-report-pass
QUERY_TOKEN=query-token-4fd1c2
DB_PASS=db-password-93a7e1
report="http://prov-user:$REPORT_PASS@127.0.0.1:$port/report?token=$QUERY_TOKEN"
printf 'postgres://k3s:%s@db.internal:5432/k3s?sslmode=require\n' "$DB_PASS" >"$work/datastore"
chmod 600 "$work/datastore"
np() { "$NODEPREP" --root "$R" --profile-path "$NODEPREP_TOP/profiles" "$@"; }
since=$(date '+%Y-%m-%d %H:%M:%S')

# The fixture fails some preflight checks: accept them by name.
set +e
np --json bootstrap --report-url "http://127.0.0.1:$port/probe" >/dev/null 2>&1
set -e
failing=$(jq -r '[.stages[0].result.checks[] | select(.status == "fail") | .name] | join(",")' \
        "$R/var/lib/nodeprep/bootstrap.json")
rm -f "$work"/post.* "$work"/body.* "$work"/cmdline.*

run_bootstrap() {  # NAME ARGS...: run in the background so the sink can read its cmdline
        local name=$1; shift
        set +e
        "$NODEPREP" --root "$R" --profile-path "$NODEPREP_TOP/profiles" bootstrap --ignore-preflight "$failing" \
                --version "$V" --mirror "$MIRROR_URL" --no-service \
                --report-url "$report" "$@" >"$work/$name.out" 2>"$work/$name.err" &
        echo $! >"$work/pid"
        wait $!
        echo $? >"$work/$name.rc"
        set -e
}
run_bootstrap file --datastore-endpoint-file "$work/datastore"
rm -rf "$R/usr/local/bin/k3s" "$R/etc/rancher"
run_bootstrap argv --datastore-endpoint "postgres://k3s:$DB_PASS@db.internal:5432/k3s?sslmode=require"

for n in file argv; do
        rc=$(cat "$work/$n.rc")
        [ "$rc" -eq 4 ] || [ "$rc" -eq 0 ] || fail "$n: bootstrap exit $rc: $(tail -5 "$work/$n.err")"
done
[ -e "$work/post.0" ] && [ -e "$work/post.1" ] || fail "the reports were not POSTed"
grep -q "token=$QUERY_TOKEN" "$work/post.0" || fail "the report went out without its query"
grep -q "^Authorization: Basic" "$work/post.0" || fail "the report went out without its credentials"
# The datastore endpoint reached K3s's config, in a file only root reads.
c=$R/etc/rancher/k3s/config.yaml.d/50-nodeprep.yaml
grep -q "$DB_PASS" "$c" || fail "the datastore endpoint did not reach $c"
[ "$(stat -c %a "$c")" = 600 ] || fail "$c is not 0600"

for n in 0 1; do
        grep -q "bootstrap" "$work/cmdline.$n" || fail "the sink did not capture nodeprep's cmdline: $(cat "$work/cmdline.$n")"
done
grep -q "datastore-endpoint postgres://" "$work/cmdline.1" || fail "cmdline.1 is not the --datastore-endpoint run"
leaks=0
check() {  # WHAT FILE...
        local what=$1; shift
        for s in "$REPORT_PASS" "$QUERY_TOKEN" "$DB_PASS"; do
                if grep -l -- "$s" "$@" 2>/dev/null; then
                        echo "LEAK: $s in $what"; leaks=$((leaks + 1))
                fi
        done
}
check "nodeprep's argv while it ran" "$work"/cmdline.*
check "stdout/stderr" "$work"/file.out "$work"/file.err "$work"/argv.out "$work"/argv.err
check "the POSTed report bodies" "$work"/body.*
mapfile -t readable < <(find "$R" -type f -perm -004)
check "world-readable files under the root" "${readable[@]}"
[ -e "$R/var/lib/nodeprep/bootstrap.json" ] && [ -n "$(find "$R/var/lib/nodeprep/bootstrap.json" -perm -004)" ] ||
        fail "bootstrap.json (0644) should be among the files searched"
if command -v journalctl >/dev/null && journalctl -q --since "$since" -n 1 >/dev/null 2>&1; then
        journalctl -q --since "$since" -o cat >"$work/journal" 2>/dev/null || true
        check "the journal" "$work/journal"
else
        echo "note: no readable journal here; the journal part runs in the booted-container tests"
fi
[ "$leaks" -eq 0 ] || fail "$leaks secret(s) leaked"
echo "secrets: none in argv (2 cmdlines captured mid-run), stdout/stderr, reports," \
        "${#readable[@]} world-readable files, journal"
