# shellcheck shell=bash
# An ACME server inside a booted test container (needs the pebble package in
# the rootfs: NSPAWN_APT_PACKAGES): pebble and pebble-challtestsrv from
# Debian on the container's loopback, with a listener certificate from a CA
# this test mints (the package ships none), real HTTP-01 validation against
# port 80 (challtestsrv answers every name with 127.0.0.1), no random
# validation sleep, no rejected nonces. Units of the container's systemd, so
# they stop with it. See ../shared/reference/openfaas-gateway.md, "Pebble".
#   pebble_start NAME             start both and wait for the directory
#   pebble_root NAME PATH         the issuing root (regenerated at every start) to PATH inside
# Inside the container: PEBBLE_DIR (the directory URL), PEBBLE_CA (the CA of
# its listener, for certbot's --acme-ca-file / REQUESTS_CA_BUNDLE).
PEBBLE_DIR=https://127.0.0.1:14000/dir
PEBBLE_CA=/etc/np-test/ca.pem

pebble_start() {  # NAME
        local name=$1 i
        nspawn_exec "$name" sh -eu -c '
d=/etc/np-test
mkdir -p $d
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=np-test-ca \
        -keyout $d/ca.key -out $d/ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
        -keyout $d/pebble.key -out $d/pebble.csr 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" >$d/ext
openssl x509 -req -in $d/pebble.csr -CA $d/ca.pem -CAkey $d/ca.key -CAcreateserial -days 2 \
        -extfile $d/ext -out $d/pebble.pem 2>/dev/null
cat >$d/pebble.json <<J
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "$d/pebble.pem", "privateKey": "$d/pebble.key", "httpPort": 80, "tlsPort": 5001,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
J' || return 1
        nspawn_exec "$name" systemd-run -q --unit=challtestsrv pebble-challtestsrv -dns01 127.0.0.1:8053 \
                -defaultIPv4 127.0.0.1 -defaultIPv6 "" -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 ||
                return 1
        nspawn_exec "$name" systemd-run -q --unit=pebble -E PEBBLE_VA_NOSLEEP=1 -E PEBBLE_WFE_NONCEREJECT=0 \
                -E PEBBLE_AUTHZREUSE=0 pebble -config /etc/np-test/pebble.json -dnsserver 127.0.0.1:8053 || return 1
        for ((i = 0; i < 120; i++)); do
                nspawn_exec "$name" curl -fs --cacert "$PEBBLE_CA" "$PEBBLE_DIR" -o /dev/null 2>/dev/null && return 0
                sleep 0.5
        done
        echo "pebble in $name did not answer at $PEBBLE_DIR within 60 s" >&2
        return 1
}

pebble_root() {  # NAME PATH
        nspawn_exec "$1" curl -fsS --cacert "$PEBBLE_CA" https://127.0.0.1:15000/roots/0 -o "$2"
}
