"""Run tests/e2e/k3s/mirror.py on a fixed port (argv[1]) instead of an
ephemeral one: cloud-init's user-data names the mirror URL before the
container boots, and the mirror is a unit that must come back on the same
port after a reboot. Usage: fixed-port-mirror.py PORT mirror.py-options..."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirror  # noqa: E402

port = int(sys.argv.pop(1))
_init = mirror.Server.__init__


def _fixed(self, addr, handler, *args, **kwargs):
    _init(self, (addr[0], port), handler, *args, **kwargs)


mirror.Server.__init__ = _fixed
mirror.main()
