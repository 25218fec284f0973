#!/usr/bin/env bash
# Makes a CA and the webhook's serving certificate, and the manifests that use them.
#
#   deploy/certs.sh OUTDIR [NAMESPACE]
#
# Writes OUTDIR/ca.crt, ca.key (keep it offline), tls.crt, tls.key (for the Secret rensa-tls) and
# OUTDIR/50-webhooks.yaml (deploy/kubernetes/50-webhooks.yaml with the CA bundle filled in), then
# prints the kubectl commands that install them. The certificate names the Service
# (rensa.NAMESPACE.svc); it is valid for 397 days: rerun to renew — rensa serve reloads the files
# when the Secret changes, without a restart.
set -euo pipefail
out=${1:?usage: certs.sh OUTDIR [NAMESPACE]}
ns=${2:-rensa-system}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"
if [ ! -f ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=rensa webhook CA" -keyout ca.key -out ca.crt 2>/dev/null
fi
cat > tls.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:rensa.$ns.svc,DNS:rensa.$ns.svc.cluster.local
EXT
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=rensa.$ns.svc" \
  -keyout tls.key -out tls.csr 2>/dev/null
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 \
  -extfile tls.ext -out tls.crt 2>/dev/null
rm -f tls.csr tls.ext
chmod 600 ca.key tls.key
bundle=$(base64 -w0 < ca.crt)
sed "s|CA_BUNDLE|$bundle|g; s|rensa-system|$ns|g" "$here/kubernetes/50-webhooks.yaml" > 50-webhooks.yaml
cat <<MSG
wrote $out/{ca.crt,ca.key,tls.crt,tls.key,50-webhooks.yaml}
install:
  kubectl apply -f $here/kubernetes/00-namespace.yaml
  kubectl -n $ns create secret tls rensa-tls --cert=$out/tls.crt --key=$out/tls.key
  kubectl apply -f $here/kubernetes/10-config.yaml -f $here/kubernetes/20-rbac.yaml \\
                -f $here/kubernetes/30-deployment.yaml -f $here/kubernetes/40-service.yaml
  kubectl apply -f $out/50-webhooks.yaml
MSG
