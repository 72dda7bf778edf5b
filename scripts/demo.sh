#!/bin/sh
echo "nodeprep demo: not yet. The bootstrap issue brings it (a disposable Debian 12 booted with systemd-nspawn, cloud-init, bootstrap, health endpoint). Meanwhile: sudo make test"
