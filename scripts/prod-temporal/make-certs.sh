#!/usr/bin/env bash
# The certificates of a Temporal that requires mutual TLS, made with openssl in DIR:
#   ca.pem, ca.key           a private CA: the only issuer the server and the clients trust
#   server.pem, server.key   the server's certificate (frontend and internode; it also presents it
#                            as a client between its own services), SAN DNS:localhost, IP:127.0.0.1
#                            plus DESGW_TLS_SERVER_SANS (e.g. "DNS:temporal,DNS:temporal.example.org")
#   client.pem, client.key   a client certificate (worker, desgw, the CLI, the Web UI)
# Keeps what exists (run it again to add only what is missing). For test/production/ and a lab
# server; a site with its own CA issues the same three kinds of certificate from it instead.
#   make-certs.sh DIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 64; }
command -v openssl >/dev/null || { echo "openssl is needed (apt-get install openssl)" >&2; exit 1; }
dir=$1
days="${DESGW_TLS_DAYS:-825}"
sans="DNS:localhost,IP:127.0.0.1${DESGW_TLS_SERVER_SANS:+,$DESGW_TLS_SERVER_SANS}"
mkdir -p "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
  key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$((days * 2))" -subj "/O=DESGW/CN=DESGW Temporal CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$dir/ca.pem"
fi

issue() { # name, common name, extended key usage, subjectAltName or ""
  local name=$1 cn=$2 eku=$3 san=$4 ext
  if [ -f "$dir/$name.pem" ] && [ -f "$dir/$name.key" ]; then return 0; fi
  key "$dir/$name.key"
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
  } >"$ext"
  openssl req -new -key "$dir/$name.key" -subj "/O=DESGW/CN=$cn" |
    openssl x509 -req -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -sha256 -days "$days" \
      -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$ext"
}
issue server "temporal-server" "serverAuth,clientAuth" "$sans"
issue client "desgw-client" "clientAuth" ""
rm -f "$dir/ca.srl"
chmod 644 "$dir/ca.pem" "$dir/server.pem" "$dir/client.pem"
openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" "$dir/client.pem" >/dev/null
echo "certificates in $dir (server SAN $sans)" >&2
