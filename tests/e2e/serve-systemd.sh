#!/usr/bin/env bash
# The systemd protocol without systemd: a socket passed the way systemd
# passes it (LISTEN_FDS/LISTEN_PID, fd 3), and a NOTIFY_SOCKET that must see
# READY=1, STATUS= and, with WATCHDOG_USEC set, WATCHDOG=1 pings.
. "$NODEPREP_TOP/tests/e2e/lib/serve.sh"
need curl python3 ss
cfg=$(write_config)
PORT=$(free_port)

python3 - "$NODEPREP" "$cfg" "$PORT" "$TMP" <<'PY' || fail "systemd protocol test failed"
import os, socket, subprocess, sys, time, urllib.request
nodeprep, cfg, port, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

notify_path = os.path.join(tmp, "notify.sock")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.settimeout(0.2)

lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", port))
lsock.listen(64)

def child():
    # What systemd does before exec: the socket on fd 3, LISTEN_PID = the child.
    os.dup2(lsock.fileno(), 3)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["NOTIFY_SOCKET"] = notify_path
    os.environ["WATCHDOG_USEC"] = "1000000"
    os.environ["WATCHDOG_PID"] = str(os.getpid())
    # --listen names another port: the activated socket must win.
    os.execv(nodeprep, [nodeprep, "serve", "--config", cfg, "--interval", "5", "--listen", "127.0.0.1:1"])

pid = os.fork()
if pid == 0:
    try:
        child()
    finally:
        os._exit(127)
lsock.close()
msgs = []
deadline = time.time() + 10
while time.time() < deadline:
    try:
        msgs.append(notify.recv(4096).decode())
    except socket.timeout:
        pass
    if sum(1 for m in msgs if "WATCHDOG=1" in m) >= 3 and any("READY=1" in m for m in msgs):
        break
try:
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).read().decode()
finally:
    os.kill(pid, 15)
    _, status = os.waitpid(pid, 0)
print("messages:", msgs)
assert body == "ok", body
assert any("READY=1" in m for m in msgs), "no READY=1"
assert any(m.startswith("STATUS=") or "\nSTATUS=" in m for m in msgs), "no STATUS="
assert sum(1 for m in msgs if "WATCHDOG=1" in m) >= 3, "fewer than 3 WATCHDOG=1 in 10 s with WatchdogSec=1"
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"exit status {status}"
print("socket activation, READY=1, STATUS=, WATCHDOG=1 and SIGTERM: ok")
PY
ok
done_ok
