#!/usr/bin/env bash
# Conditions that trip checks, made in namespaces this test creates (the host's
# network, mounts and kernel settings are never touched):
#  - neighbour-table: entries added with `ip neigh` on a dummy (or veth)
#    interface are counted over netlink; the limit comes from the config
#    (gc_thresh3 exists only in the host netns), so 9 of 10 trips it at 90 %,
#    and deleting them recovers;
#  - listen-queue: a listener with backlog 1 that never accepts, flooded with
#    connects, raises TcpExt ListenOverflows (per netns) and trips the check,
#    which clears after counter_hold;
#  - data-disk: the data dir bind-mounted read-only in a private mount
#    namespace fails the check, and remounting it read-write recovers.
if [ -z "${SERVE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "needs root for network and mount namespaces"; exit 77; }
        unshare -n -m --propagation private true 2>/dev/null || { echo "cannot create network/mount namespaces"; exit 77; }
        SERVE_IN_NS=1 exec unshare -n -m --propagation private bash "$0" "$@"
fi
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl ip python3 ss mount

ip link set lo up
# No link-local address and no multicast: nothing but the test adds neighbours
# (IGMP/MLD would add NOARP entries, which count against gc_thresh3 too).
if ip link add np0 type dummy 2>/dev/null; then dev=np0
else
        ip link add np0 type veth peer name np1 || fail "no dummy or veth interface"
        ip link set np1 addrgenmode none; ip link set np1 multicast off; ip link set np1 up
        dev=np0
fi
ip link set "$dev" addrgenmode none
ip link set "$dev" multicast off
ip link set "$dev" up
ip addr add 10.77.0.1/16 dev "$dev"
echo "interface: $(ip -br link show "$dev")"

cfg=$(write_config "neighbour_gc_thresh3 = 10" "neighbour_fail_percent = 90" "counter_hold = 3" \
        "checks = neighbour-table listen-queue data-disk")
serve_start -- --config "$cfg" --interval 1

ready_is() {  # CODE [substring]
        http "/readyz?verbose"
        [ "$code" = "$1" ] && { [ -z "${2:-}" ] || [[ "$body" == *"$2"* ]]; }
}
metric() { curl -s "$URL/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# --- neighbour-table ---------------------------------------------------------
# Loopback traffic (curl) adds a NOARP entry on lo: let it settle first.
http /livez; sleep 2
base4=$(metric 'nodeprep_neighbour_entries{family="ipv4"}')
[ -n "$base4" ] || fail "no ipv4 neighbour count in /metrics"
[ "$base4" -lt 4 ] || fail "unexpected ipv4 neighbours in a fresh netns: $base4"
for i in $(seq 1 $((5 - base4))); do ip neigh add "10.77.1.$i" lladdr "02:00:00:00:01:0$i" dev "$dev" nud stale; done
for i in 1 2 3; do ip -6 neigh add "fd77::10$i" lladdr "02:00:00:00:02:0$i" dev "$dev" nud stale; done
wait_for ready_is 200 || fail "5 of 10 should pass: $body"; ok
wait_for metric_is 'nodeprep_neighbour_entries{family="ipv4"}' 5 || fail "ipv4 entries not counted: $(curl -s "$URL/metrics" | grep neighbour_entries; ip neigh show nud all)"; ok
v6=$(metric 'nodeprep_neighbour_entries{family="ipv6"}'); [ "${v6:-0}" -ge 3 ] || fail "ipv6 entries: $v6"; ok
eq "$(metric 'nodeprep_neighbour_entries_limit{family="ipv4"}')" 10 "limit from the config"
for i in 6 7 8 9; do ip neigh add "10.77.1.$i" lladdr "02:00:00:00:01:0$i" dev "$dev" nud stale; done
wait_for ready_is 500 "[-]neighbour-table failed: ipv4 9/10 entries (90%) >= 90% of gc_thresh3" ||
        fail "9 of 10 should fail at 90%: $body"; ok
http /readyz/neighbour-table; eq "$code" 500; contains "$body" "ipv4 9/10 entries"
http /metrics; contains "$body" 'nodeprep_check_ok{check="neighbour-table"} 0'
for i in 6 7 8 9; do ip neigh del "10.77.1.$i" dev "$dev"; done
wait_for ready_is 200 || fail "no recovery after deleting entries: $body"; ok
echo "neighbour-table: trips at 9/10, recovers at 5/10"

# --- listen-queue -------------------------------------------------------------
before=$(metric nodeprep_tcp_listen_overflows_total)
python3 - <<'PY' || fail "listen flood"
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)   # never accepts
port = srv.getsockname()[1]
clients = []
for _ in range(40):
    c = socket.socket(); c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    clients.append(c)
time.sleep(1.5)     # retransmitted SYNs overflow again
for c in clients:
    c.close()
srv.close()
PY
after=$(metric nodeprep_tcp_listen_overflows_total)
wait_for ready_is 500 "[-]listen-queue failed: accept queues overflowed" || fail "listen-queue did not trip: $body"; ok
after=$(metric nodeprep_tcp_listen_overflows_total)
[ "$after" -gt "$before" ] || fail "ListenOverflows did not rise ($before -> $after)"; ok
contains "$body" "ListenOverflows +"
wait_for ready_is 200 || fail "listen-queue did not clear after counter_hold: $body"; ok
echo "listen-queue: ListenOverflows $before -> $after tripped the check; cleared after the hold"

# --- data-disk: read-only and back ---------------------------------------------
mount --bind "$TMP/data" "$TMP/data"
mount -o remount,bind,ro "$TMP/data"
wait_for ready_is 500 "[-]data-disk failed: $TMP/data is read-only" || fail "read-only not detected: $body"; ok
http /metrics; contains "$body" "nodeprep_data_disk_readonly{path=\"$TMP/data\"} 1"
mount -o remount,bind,rw "$TMP/data"
wait_for ready_is 200 || fail "data-disk did not recover: $body"; ok
http /readyz/data-disk; eq "$code" 200; eq "$body" ok
umount "$TMP/data"
echo "data-disk: read-only bind mount tripped it; read-write recovered it"

done_ok
