#!/usr/bin/env bash
# The .deb and nodeprep.service/nodeprep.socket in a booted Debian 12
# container, as an operator meets them:
#  - a first install enables and starts nothing (bootstrap enables the service);
#  - nodeprep.socket starts the service on the first connection, which serves
#    on the socket it is handed;
#  - journal lines name the real source (CODE_FILE/CODE_LINE/CODE_FUNC);
#  - `systemctl reload` re-reads nodeprep.conf; a bad file keeps the service up;
#  - an upgrade (the same version again, and a higher one) restarts a running
#    agent on the new binary (a new MainPID that answers /livez), with or
#    without the socket, and leaves a stopped one stopped and the enablement
#    as it was;
#  - `apt-get remove` stops it (and the socket) before the binary goes.
set -euo pipefail
: "${NODEPREP:?}" "${NODEPREP_TOP:?}"
source "$NODEPREP_TOP/tests/e2e/lib/bootstrap-node.sh"
nspawn_require
command -v dpkg-buildpackage >/dev/null || { echo "dpkg-buildpackage missing (scripts/install-deps.sh)"; exit 77; }
command -v jq >/dev/null || { echo "jq missing (scripts/install-deps.sh)"; exit 77; }
work=$(mktemp -d /tmp/np-deb-service.XXXXXX)
nspawn_on_exit "rm -rf $work"
fail() { echo "FAIL: $*"; [ -n "${N:-}" ] && on journalctl -u nodeprep.service -u nodeprep.socket --no-pager -n 30 2>/dev/null; exit 1; }
cd "$NODEPREP_TOP"

bn_deb || fail "package build"
N=$(bn_name dsv)
nspawn_start "$N" || fail "container"
on() { nspawn_exec "$N" "$@"; }
state() { on systemctl is-active "$1" 2>/dev/null || true; }
enabled() { on systemctl is-enabled "$1" 2>/dev/null || true; }
main_pid() { on systemctl show -P MainPID nodeprep.service; }
wait_until() {  # SECONDS CMD...: retry until CMD succeeds
        local deadline=$((SECONDS + $1)); shift
        until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}
journal_has() { local j; j=$(on journalctl -u nodeprep.service --no-pager -o cat 2>/dev/null || true); grep -qF -- "$1" <<<"$j"; }
nspawn_copy_in "$N" "$BN_DEB" /root/nodeprep.deb
: >"$(nspawn_root "$N")/etc/apt/sources.list"    # no network: only the local file
install_deb() {  # [DEB inside the container]
        on dpkg -i "${1:-/root/nodeprep.deb}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i ${1:-}"; }
}
# The same package with a higher version: what an upgrade from the archive
# installs (maintainer scripts and units as built; only the version differs).
version=$(dpkg-deb -f "$BN_DEB" Version)
next=$version+upgrade1
dpkg-deb -R "$BN_DEB" "$work/next"
sed -i "s/^Version: .*/Version: $next/" "$work/next/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/next" "$work/next.deb" >/dev/null || fail "repack as $next"
dpkg --compare-versions "$next" gt "$version" || fail "$next is not above $version"
nspawn_copy_in "$N" "$work/next.deb" /root/nodeprep-next.deb
installed() { on dpkg-query -W -f '${Version}' nodeprep; }

# 1. First install: nothing enabled, nothing running.
on apt-get install -y -q /root/nodeprep.deb >"$work/apt" 2>&1 || { cat "$work/apt"; fail "apt install"; }
for u in nodeprep.service nodeprep.socket; do
        [ "$(enabled $u)" = disabled ] || fail "$u is $(enabled $u) after the first install"
        [ "$(state $u)" = inactive ] || fail "$u is $(state $u) after the first install"
done
on test -f /usr/share/bash-completion/completions/nodeprep || fail "bash completion not installed"
echo "ok   first install: service and socket disabled and inactive; completion in place"

# 2. Socket activation: the first connection starts the service on the socket.
on systemctl start nodeprep.socket || fail "socket start"
[ "$(state nodeprep.service)" = inactive ] || fail "service started before any connection"
livez() { [ "$(on curl -s --max-time 5 http://127.0.0.1:9470/livez 2>/dev/null)" = ok ]; }
wait_until 60 livez || fail "no /livez answer through the socket"
[ "$(state nodeprep.service)" = active ] || fail "service not active after activation: $(state nodeprep.service)"
wait_until 20 journal_has "serving node health on the activated socket" || fail "service did not take the socket"
on systemctl show -P TriggeredBy nodeprep.service >"$work/trig"
grep -q nodeprep.socket "$work/trig" || fail "service not triggered by the socket: $(cat "$work/trig")"
echo "ok   socket activation: /livez through nodeprep.socket started the service on the activated socket"

# 3. The journal names the caller, not the logging wrapper.
on journalctl -u nodeprep.service -o json --no-pager >"$work/journal.json"
line=$(jq -c 'select(.MESSAGE | tostring | startswith("serving node health")) | [.CODE_FILE, .CODE_LINE, .CODE_FUNC]' \
        "$work/journal.json" | tail -n 1)
[ -n "$line" ] || fail "no 'serving' line in the journal"
file=$(jq -r '.[0]' <<<"$line"); lineno=$(jq -r '.[1]' <<<"$line"); func=$(jq -r '.[2]' <<<"$line")
[[ $file == *agent/cmd/serve-cli.c ]] || fail "CODE_FILE $file"
[ "$func" = serve ] || fail "CODE_FUNC $func (expected serve, not the wrapper)"
[ "$(sed -n "${lineno}p" agent/cmd/serve-cli.c | grep -c "serving node health on" || true)" = 1 ] ||
        fail "CODE_LINE $lineno is not the slog() call"
echo "ok   journal: CODE_FILE=$file CODE_LINE=$lineno CODE_FUNC=$func"

# 4. Reload: a good file is applied, a bad one keeps the running config.
pid=$(main_pid)
on sh -c 'printf "[health]\ninterval = 7\n" >/etc/nodeprep/nodeprep.conf'
on systemctl reload nodeprep.service || fail "reload"
wait_until 20 journal_has "reloaded /etc/nodeprep/nodeprep.conf" || fail "no reload in the journal"
interval() { local m; m=$(on curl -s --max-time 5 http://127.0.0.1:9470/metrics || true); grep -q '^nodeprep_collect_interval_seconds 7$' <<<"$m"; }
wait_until 20 interval || fail "interval 7 not in effect after the reload"
on sh -c 'printf "[health]\ninterval = seven\n" >/etc/nodeprep/nodeprep.conf'
on systemctl reload nodeprep.service || fail "reload (bad file)"
wait_until 20 journal_has "reload failed, keeping the running configuration: /etc/nodeprep/nodeprep.conf:2" ||
        fail "no reload error naming nodeprep.conf:2"
sleep 2
[ "$(state nodeprep.service)" = active ] || fail "service not active after a bad reload"
[ "$(main_pid)" = "$pid" ] || fail "the process changed on reload"
interval || fail "the running config was not kept"
on cp /usr/share/doc/nodeprep/examples/nodeprep.conf /etc/nodeprep/nodeprep.conf 2>/dev/null ||
        on sh -c ': >/etc/nodeprep/nodeprep.conf'
echo "ok   reload: good file applied (interval 7) in the same process; bad file named with its line, service kept"

# 5. Upgrade while running: restarted on the new binary (a new process that
#    answers), the socket and the enablement as they were.
upgrade_running() {  # DEB WHAT: install DEB over a running agent
        local pid deb=$1 what=$2
        wait_until 30 livez || fail "not answering before the $what"
        pid=$(main_pid)
        [ "$pid" != 0 ] || fail "no MainPID before the $what"
        install_deb "$deb"
        [ "$(state nodeprep.service)" = active ] || fail "service $(state nodeprep.service) after the $what of a running one"
        [ "$(main_pid)" != "$pid" ] || fail "service not restarted by the $what (MainPID still $pid)"
        wait_until 30 livez || fail "not answering after the $what"
        echo "ok   $what while running: restarted (MainPID $pid -> $(main_pid)), /livez answers"
}
# 5a. Reinstall of the same version, socket-activated.
upgrade_running /root/nodeprep.deb "reinstall of $version"
[ "$(state nodeprep.socket)" = active ] || fail "socket $(state nodeprep.socket) after the reinstall"
[ "$(enabled nodeprep.service)" = disabled ] || fail "the reinstall enabled the service"
echo "ok   reinstall: socket still active, service still disabled"
# 5b. Upgrade to a higher version, the service enabled and started without the
#     socket (as `nodeprep bootstrap` leaves it).
on systemctl stop nodeprep.socket nodeprep.service
on systemctl enable --now nodeprep.service 2>/dev/null || fail "enable --now"
upgrade_running /root/nodeprep-next.deb "upgrade $version -> $next"
[ "$(installed)" = "$next" ] || fail "installed version $(installed), not $next"
[ "$(state nodeprep.socket)" = inactive ] || fail "the upgrade started the socket: $(state nodeprep.socket)"
[ "$(enabled nodeprep.socket)" = disabled ] || fail "the upgrade enabled the socket"
[ "$(enabled nodeprep.service)" = enabled ] || fail "the upgrade changed the service's enablement"
echo "ok   upgrade: socket still inactive and disabled, service still enabled"

# 6. Upgrade while stopped, enabled or not: stays stopped, enablement kept.
on systemctl stop nodeprep.socket nodeprep.service
install_deb /root/nodeprep-next.deb
[ "$(state nodeprep.service)" = inactive ] || fail "a stopped service was started by the upgrade: $(state nodeprep.service)"
[ "$(state nodeprep.socket)" = inactive ] || fail "a stopped socket was started by the upgrade: $(state nodeprep.socket)"
[ "$(enabled nodeprep.service)" = enabled ] || fail "the upgrade changed the enablement"
on systemctl disable nodeprep.service 2>/dev/null
install_deb /root/nodeprep-next.deb
[ "$(state nodeprep.service)" = inactive ] || fail "a stopped, disabled service was started by the upgrade: $(state nodeprep.service)"
[ "$(enabled nodeprep.service)" = disabled ] || fail "the upgrade enabled a disabled service"
echo "ok   upgrade while stopped: still stopped (enabled stays enabled, disabled stays disabled)"

# 7. Remove while running: stopped before the binary goes.
on systemctl start nodeprep.socket nodeprep.service || fail "start"
wait_until 30 livez || fail "not answering before the removal"
on apt-get remove -y -q nodeprep >"$work/remove" 2>&1 || { cat "$work/remove"; fail "apt-get remove"; }
for u in nodeprep.service nodeprep.socket; do
        [ "$(state $u)" = inactive ] || fail "$u is $(state $u) after apt-get remove"
done
on test ! -e /usr/sbin/nodeprep || fail "binary left"
if on pgrep -f "nodeprep serve" >/dev/null; then fail "a nodeprep serve process outlived the removal"; fi
livez && fail "still answering after the removal"
echo "ok   remove while running: service and socket stopped, no process left"
