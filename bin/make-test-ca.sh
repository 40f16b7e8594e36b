#!/usr/bin/env bash
# Makes a throw-away certificate authority and certificates for TLS tests and trials:
#   DIR/ca.crt DIR/ca.key          the CA (trust it with raftkv.tls.ca-file, redis-cli --cacert)
#   DIR/peer.crt DIR/peer.key      a peer certificate for the TLS client port and Raft TLS
#   DIR/client.crt DIR/client.key  a client certificate (redis-cli --cert/--key, bin/raftkv admin)
# Keys are PKCS#8 PEM (what Java reads). The peer certificate names localhost, 127.0.0.1 and any
# extra host names or IP addresses given after DIR. Usage: bin/make-test-ca.sh DIR [HOST|IP]...
# NOT for production: the CA key lies beside the certificates and nothing is passphrase-protected.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [HOST|IP]..." >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
cd "$dir"
days=${DAYS:-825}
san="DNS:localhost,IP:127.0.0.1"
for h in "$@"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san="$san,IP:$h"; else san="$san,DNS:$h"; fi
done

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=raft-kv test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.crt

sign() { # name subject extensions
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign peer "/CN=raft-kv peer" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san"
sign client "/CN=raft-kv client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 600 ./*.key
echo "made ca.crt, peer.crt/.key ($san) and client.crt/.key in $(pwd)"
