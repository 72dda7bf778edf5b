#!/usr/bin/env bash
# nodeprep gateway under --root: rendering, validation of hostile option
# values, ownership of files, the state file as hostile input, remove.
source "$(dirname "$0")/lib.sh"
D=fn.example.com

# A Debian-like nginx tree with nginx and certbot "installed".
newroot() {
        local r=$TMP/root-$RANDOM$RANDOM
        mkdir -p "$r/usr/sbin" "$r/usr/bin" "$r/etc/nginx/conf.d" "$r/etc/nginx/sites-available" \
                "$r/etc/nginx/sites-enabled" "$r/var/lib" "$r/etc/passwd.d"
        printf 'server { listen 80 default_server; }\n' >"$r/etc/nginx/sites-available/default"
        ln -s /etc/nginx/sites-available/default "$r/etc/nginx/sites-enabled/default"
        touch "$r/usr/sbin/nginx" "$r/usr/bin/certbot"
        echo "root:x:0:0::/root:/bin/sh" >"$r/etc/passwd"
        echo "$r"
}
nginx_sum() { tree_sum "$1/etc/nginx"; }
cert() {  # ROOT DOMAIN DAYS: a certificate where certbot puts it
        local d=$1/etc/letsencrypt/live/$2
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/privkey.pem" \
                -out "$d/fullchain.pem" -days "$3" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" 2>/dev/null
}
SITE=etc/nginx/sites-available/nodeprep-gateway.conf
ZONES=etc/nginx/conf.d/nodeprep-ratelimit.conf

# --- packages missing: exit 4 with the apt-get command ---------------------
R=$(newroot)
rm "$R/usr/bin/certbot"
run 4 np --root "$R" --json gateway apply --domain $D
contains "$err" "apt-get install -y nginx certbot"
eq "$(jq_ .hint <<<"$out")" "apt-get install -y nginx certbot" "hint"
run 0 np --root "$R" gateway plan --domain $D --tls none   # certbot only for ACME
rm "$R/usr/sbin/nginx"
run 4 np --root "$R" gateway apply --domain $D --tls none
contains "$err" "/usr/sbin/nginx"

# --- hostile option values: exit 2, nothing touched ------------------------
R=$(newroot)
before=$(tree_sum "$R")
bad() {  # FRAGMENT ARGS...
        local frag=$1; shift
        run 2 np --root "$R" gateway apply "$@"
        contains "$err" "$frag"
        eq "$(tree_sum "$R")" "$before" "'$*' touched the tree"
}
bad "--domain NAME is required" --tls none
bad "--domain 'fn.example.com;'" --domain "$D;"
bad "not a host name" --domain "fn.example.com { return 200; }"
bad "not a host name" --domain $'fn.example.com\nserver_name evil'
bad "not a host name" --domain "localhost"
bad "not a host name" --domain "-a.example.com"
bad "not a host name" --domain "a..example.com"
bad "not a host name" --domain "10.0.0.1"
bad "not a host name" --domain "$(printf 'a%.0s' {1..64}).example.com"
bad "--max-body" --domain $D --max-body "50m;"
bad "--max-body" --domain $D --max-body "0"
bad "--max-body" --domain $D --max-body "65g"
bad "--rate" --domain $D --rate "5/s;limit_req_zone"
bad "--rate" --domain $D --rate "0/s"
bad "--rate" --domain $D --rate "5r/s"
bad "--burst" --domain $D --burst "5 nodelay"
bad "--burst" --domain $D --burst "-1"
bad "--allow-system" --domain $D --allow-system "10.0.0.1/8"
bad "--allow-system" --domain $D --allow-system "10.0.0.0/33"
bad "--allow-system" --domain $D --allow-system "all; allow 0.0.0.0/0"
bad "--allow-system" --domain $D --allow-system "10.0.0.0/+8"
bad "--trusted-proxy" --domain $D --trusted-proxy "0.0.0.0/0;"
bad "--upstream" --domain $D --upstream "127.0.0.1:0"
bad "--upstream" --domain $D --upstream "127.0.0.1"
bad "--upstream" --domain $D --upstream "::1:8080"
bad "--upstream" --domain $D --upstream "gw;x:8080"
bad "--function-timeout" --domain $D --function-timeout "0"
bad "--function-timeout" --domain $D --function-timeout "25h"
bad "--function-timeout" --domain $D --function-timeout "60s;"
bad "--function-timeout" --domain $D --function-timeout "1.5s"
bad "--acme-server" --domain $D --acme-server "http://127.0.0.1:14000/dir"
bad "--acme-server" --domain $D --acme-server "https://a b/dir"
bad "--acme-ca-file" --domain $D --acme-ca-file "relative/ca.pem"
bad "--acme-ca-file" --domain $D --acme-ca-file "/etc/../etc/ca.pem"
bad "--email" --domain $D --email "a b@example.com"
bad "--email" --domain $D --email "root@localhost"
bad "--tls" --domain $D --tls "cert:/etc/ssl/a;b.pem,/etc/ssl/k.pem"
bad "--tls" --domain $D --tls "letsencrypt"
bad "need --tls acme" --domain $D --tls none --acme-server https://127.0.0.1/dir
bad "at most 16" --domain $D $(for i in $(seq 1 17); do echo --allow-system 10.0.$i.0/24; done)

# --- plan writes nothing; apply renders phase 1; a second apply is a no-op -
run 0 np --root "$R" --json gateway plan --domain FN.Example.COM --function-timeout 1m30s
eq "$(tree_sum "$R")" "$before" "plan touched the tree"
eq "$(jq_ .changed <<<"$out")" true "plan changed"
eq "$(jq_ .domain <<<"$out")" $D "domain lower-cased"
eq "$(jq -c '[.timeouts.function, .timeouts.gateway_upstream, .timeouts.gateway_read_write, .timeouts.nginx]' <<<"$out")" \
        "[90,90,95,105]" "timeouts from T"
run 0 np --root "$R" --json gateway apply --domain $D --function-timeout 1m30s
eq "$(jq_ .phase <<<"$out")" 1 "phase without a certificate"
eq "$(jq -r '[.files[].action] | unique | join(",")' <<<"$out")" create "first apply creates"
eq "$(jq -r '.files[] | select(.path == "/'$SITE'") | .before' <<<"$out")" null "before of a new file"
contains "$(cat "$R/$SITE")" "return 301 https://\$host\$request_uri;"
contains "$(cat "$R/$SITE")" "location ^~ /.well-known/acme-challenge/"
lacks "$(cat "$R/$SITE")" "listen 443"
eq "$(head -n1 "$R/$ZONES")" '# nodeprep-gateway: managed file; "nodeprep gateway remove" takes it away' "marker"
contains "$(cat "$R/$ZONES")" "rate=10r/s;"
eq "$(readlink "$R/etc/nginx/sites-enabled/nodeprep-gateway.conf")" /etc/nginx/sites-available/nodeprep-gateway.conf "link"
[ -d "$R/var/lib/nodeprep/acme" ] || fail "no webroot"; ok
[ -x "$R/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx" ] || fail "no deploy hook"; ok
eq "$(stat -c %a "$R/var/lib/nodeprep/gateway.json")" 600 "state mode"
contains "$(cat "$R/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx")" "systemctl reload nginx.service"
run 0 np --root "$R" --json gateway apply --domain $D --function-timeout 1m30s
eq "$(jq_ .changed <<<"$out")" false "second apply"
eq "$(jq -r '[.files[].action] | unique | join(",")' <<<"$out")" keep "second apply keeps"
# phase 1 only: verify says so (drift).
run 3 np --root "$R" gateway verify --domain $D --function-timeout 1m30s
contains "$out" "phase 1 only"

# --- phase 2 once the certificate exists: the 443 server -------------------
cert "$R" $D 90
run 0 np --root "$R" --json gateway apply --domain $D --function-timeout 1m30s --rate 20/m --burst 7 \
        --max-body 10m --allow-system 10.1.0.0/16 --trusted-proxy 192.0.2.0/24 --trusted-proxy 2001:db8::/32
eq "$(jq_ .phase <<<"$out")" 2 "phase with a certificate"
eq "$(jq -r '.files[] | select(.path == "/'$SITE'") | .action' <<<"$out")" update "site updated"
site=$(cat "$R/$SITE")
for want in "listen 443 ssl http2;" "ssl_protocols TLSv1.2 TLSv1.3;" "ssl_prefer_server_ciphers off;" \
        "ssl_certificate /etc/letsencrypt/live/$D/fullchain.pem;" "ssl_session_tickets off;" "ssl_stapling off;" \
        'add_header Strict-Transport-Security "max-age=63072000" always;' "server_tokens off;" \
        "proxy_hide_header X-Served-By;" "client_max_body_size 10m;" "client_body_buffer_size 128k;" \
        "limit_req zone=nodeprep_fn burst=7 nodelay;" "limit_req_status 429;" "limit_conn nodeprep_addr 32;" \
        "allow 10.1.0.0/16;" "deny all;" "set_real_ip_from 192.0.2.0/24;" "set_real_ip_from 2001:db8::/32;" \
        "real_ip_header X-Forwarded-For;" "proxy_read_timeout 105s;" "client_max_body_size 1m;" \
        'proxy_set_header X-Callback-Url "";' "ssl_dhparam /etc/nginx/nodeprep-ffdhe2048.pem;" \
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"; do
        contains "$site" "$want"
done
lacks "$site" "allow 127.0.0.1/32;"     # --allow-system replaces the loopback default
contains "$(cat "$R/$ZONES")" "rate=20r/m;"
openssl pkeyparam -in "$R/etc/nginx/nodeprep-ffdhe2048.pem" -text -noout >"$TMP/dh" 2>&1 || fail "dhparam unreadable"
contains "$(cat "$TMP/dh")" "GROUP: ffdhe2048"
opts=(--domain $D --function-timeout 1m30s --rate 20/m --burst 7 --max-body 10m --allow-system 10.1.0.0/16
      --trusted-proxy 192.0.2.0/24 --trusted-proxy 2001:db8::/32)
run 0 np --root "$R" --json gateway verify "${opts[@]}"
[ "$(jq -r '.certificate.days_left' <<<"$out")" -ge 88 ] || fail "days_left: $out"; ok
# Other options than applied: drift.
run 3 np --root "$R" gateway verify --domain $D
contains "$out" "differs from what these options render"
# The deployed gateway's values break the order: drift.
mkdir -p "$R/var/lib/rancher/k3s/server/manifests"
printf 'gateway:\n  upstreamTimeout: 2m\n  readTimeout: 2m5s\n  writeTimeout: 2m5s\n' \
        >"$R/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"
run 3 np --root "$R" gateway verify "${opts[@]}"
contains "$out" "order broken: gateway upstream 120s, read 125s, write 125s, nginx 105s"
printf 'gateway:\n  upstreamTimeout: 1m30s\n  readTimeout: "1m35s"\n  writeTimeout: 95\n' \
        >"$R/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"
run 0 np --root "$R" gateway verify "${opts[@]}"
contains "$out" "gateway upstream 90s < read 95s, write 95s < nginx 105s"
# A certificate with 10 days left: drift.
cert "$R" $D 10
run 3 np --root "$R" gateway verify "${opts[@]}"
contains "$out" "days left (need more than 30)"
cert "$R" $D 90

# --- serve: the gateway check and its figures ------------------------------
not_after=$(date -d "$(openssl x509 -noout -enddate -in "$R/etc/letsencrypt/live/$D/fullchain.pem" | cut -d= -f2)" +%s)
run 0 np --root "$R" --json serve --once
days=$(( (not_after - $(date +%s)) / 86400 ))
eq "$(jq_ .gateway.certificate_not_after <<<"$out")" "$not_after" "serve notAfter"
[ "$(jq_ .gateway.certificate_days_left <<<"$out")" -ge $((days - 1)) ] &&
        [ "$(jq_ .gateway.certificate_days_left <<<"$out")" -le $((days + 1)) ] || fail "serve days left: $out"; ok
run 0 np --root "$R" serve --once
contains "$out" "[+]gateway unknown: $D: nginx unknown, certificate "
contains "$out" " days left"
R0=$(newroot)
run 0 np --root "$R0" serve --once
contains "$out" "[+]gateway n/a: no gateway installed by nodeprep"

# --- a file that is not ours is never replaced -----------------------------
R2=$(newroot)
printf 'limit_req_zone $binary_remote_addr zone=mine:1m rate=1r/s;\n' >"$R2/$ZONES"
b2=$(tree_sum "$R2")
run 1 np --root "$R2" --json gateway apply --domain $D
contains "$err" "/$ZONES exists and was not written by nodeprep"
eq "$(jq -r '.files[] | select(.path == "/'$ZONES'") | .action' <<<"$out")" conflict "conflict action"
eq "$(tree_sum "$R2")" "$b2" "conflict touched the tree"
rm "$R2/$ZONES"
ln -s /etc/passwd "$R2/$ZONES"  # a symlink where our file goes: not ours either
run 1 np --root "$R2" gateway apply --domain $D
eq "$(cat "$R2/etc/passwd")" "root:x:0:0::/root:/bin/sh" "passwd"

# --- the state file is hostile input ---------------------------------------
S=$R/var/lib/nodeprep/gateway.json
cp "$S" "$TMP/state.good"
hostile() {  # FRAGMENT: with $S replaced
        run 2 np --root "$R" gateway remove --domain $D
        contains "$err" "$1"
        eq "$(cat "$R/etc/passwd")" "root:x:0:0::/root:/bin/sh" "passwd"
        [ -e "$R/$SITE" ] || fail "remove acted on a bad state file"; ok
}
echo '{"version":1,' >"$S"; hostile "not a JSON object"
jq '.files[0].path = "/etc/passwd"' "$TMP/state.good" >"$S"; hostile "'/etc/passwd' is not a gateway file"
jq '.files[0].path = "/etc/nginx/conf.d/../../passwd"' "$TMP/state.good" >"$S"; hostile "is not a gateway file"
jq '.files[0].sha256 = "xyz"' "$TMP/state.good" >"$S"; hostile "sha256 is not 64 lower-case hex"
jq '.files[3].kind = "file"' "$TMP/state.good" >"$S"; hostile "must be a link"
jq '.files += [.files[0]]' "$TMP/state.good" >"$S"; hostile "listed twice"
jq '.version = 2' "$TMP/state.good" >"$S"; hostile "unknown version"
jq '.domain = "x;y"' "$TMP/state.good" >"$S"; hostile "domain missing or not a host name"
head -c 70000 /dev/zero | tr '\0' ' ' >"$S"; hostile "too large"
cp "$TMP/state.good" "$S"
run 1 np --root "$R" gateway apply --domain other.example.com
contains "$err" "installed for $D"

# --- remove takes exactly its own ------------------------------------------
echo "# an operator's edit" >>"$R/$ZONES"
run 0 np --root "$R" --json gateway remove --domain $D
eq "$(jq -r '.files[] | select(.path == "/'$ZONES'") | .action' <<<"$out")" modified "edited file kept"
[ -e "$R/$ZONES" ] || fail "remove deleted an edited file"; ok
[ ! -e "$R/$SITE" ] && [ ! -L "$R/etc/nginx/sites-enabled/nodeprep-gateway.conf" ] && [ ! -e "$R/var/lib/nodeprep/acme" ] &&
        [ ! -e "$R/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx" ] && [ ! -e "$S" ] ||
        fail "remove left its own files"; ok
[ -e "$R/etc/letsencrypt/live/$D/fullchain.pem" ] || fail "remove deleted the certificate"; ok
run 0 np --root "$R" --json gateway remove --domain $D
eq "$(jq_ .changed <<<"$out")" false "second remove"

# Remove restores the nginx tree exactly (checksums), and TLS none renders a
# plain proxy on :80 without the ACME pieces.
R3=$(newroot)
b3=$(nginx_sum "$R3")
run 0 np --root "$R3" --json gateway apply --domain $D --tls none
eq "$(jq -r '[.files[].path] | join(" ")' <<<"$out")" \
        "/etc/nginx/conf.d/nodeprep-ratelimit.conf /etc/nginx/sites-available/nodeprep-gateway.conf /etc/nginx/sites-enabled/nodeprep-gateway.conf" \
        "tls none files"
contains "$(cat "$R3/$SITE")" "location /function/"
lacks "$(cat "$R3/$SITE")" "return 301"
run 0 np --root "$R3" gateway remove --domain $D
eq "$(nginx_sum "$R3")" "$b3" "nginx tree after remove"
# Switching ACME -> none removes the hook, webroot and dhparam it no longer needs.
run 0 np --root "$R3" gateway apply --domain $D
run 0 np --root "$R3" --json gateway apply --domain $D --tls none
eq "$(jq -r '[.files[] | select(.action == "remove") | .path] | sort | join(" ")' <<<"$out")" \
        "/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx /etc/nginx/nodeprep-ffdhe2048.pem /var/lib/nodeprep/acme" \
        "acme -> none"
[ ! -e "$R3/var/lib/nodeprep/acme" ] || fail "webroot left"; ok
# --- the upstream: --upstream, else what openfaas install recorded ---------
R4=$(newroot)
run 0 np --root "$R4" --json gateway plan --domain $D
eq "$(jq -c .upstream <<<"$out")" '{"address":"127.0.0.1:8080","from":"default"}' "upstream without a record"
OFG=$R4/var/lib/nodeprep/openfaas/gateway.json
mkdir -p "$(dirname "$OFG")"
printf '{"upstream":"10.43.7.9:8080","function_timeout_sec":60,"gateway_write_timeout_sec":65}\n' >"$OFG"
run 0 np --root "$R4" --json gateway apply --domain $D
eq "$(jq -c .upstream <<<"$out")" '{"address":"10.43.7.9:8080","from":"/var/lib/nodeprep/openfaas/gateway.json"}' \
        "upstream from the OpenFaaS record"
contains "$(cat "$R4/$ZONES")" "server 10.43.7.9:8080"
cert "$R4" $D 90
run 0 np --root "$R4" gateway apply --domain $D
run 0 np --root "$R4" --json gateway verify --domain $D   # renders the same upstream: no drift
run 0 np --root "$R4" --json gateway plan --domain $D --upstream 127.0.0.1:9999
eq "$(jq -c .upstream <<<"$out")" '{"address":"127.0.0.1:9999","from":"--upstream"}' "--upstream wins"
ours4() { nginx_sum "$R4"; sha256sum "$R4/var/lib/nodeprep/gateway.json"; }
b4=$(ours4)
badrec() {  # FRAGMENT CONTENT: a hostile record, exit 2, nothing touched
        printf '%s' "$2" >"$OFG"
        run 2 np --root "$R4" gateway apply --domain $D
        contains "$err" "/var/lib/nodeprep/openfaas/gateway.json: $1"
        eq "$(ours4)" "$b4" "a hostile record touched the gateway's files"
}
badrec "upstream: --upstream" '{"upstream":"10.43.7.9:8080;} server { listen 81"}'
badrec "upstream: --upstream" '{"upstream":"10.43.7.9"}'
badrec "no \"upstream\" string" '{"upstream":8080}'
badrec "not a JSON object" '{"upstream":"10.43.7.9:8080"} x'
badrec "not a JSON object" '[[[[[["deep"]]]]]]'
badrec "File too large" "$(head -c 5000 /dev/zero | tr '\0' ' ')"
run 0 np --root "$R4" gateway plan --domain $D --upstream 127.0.0.1:8080   # --upstream: the record is not read
done_ok
