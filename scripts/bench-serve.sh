#!/usr/bin/env bash
# Measures the admission webhook and the Docker authorization plugin of `rensa serve` (issue 6) under
# load and prints the figures:
#   - /validate over TLS with keep-alive: an AdmissionReview of a Deployment with 3 containers whose
#     images are verified against a trust policy (cosign signature in a real docker-registry) and a
#     maximum age, the verifications cached by digest         targets: ≥ 2,000/s and p99 ≤ 5 ms
#   - the same server's trivial endpoint (/healthz) over the same TLS keep-alive connections, and the
#     ratio /validate ÷ /healthz (how much of the capacity the gate itself costs)
#   - the Docker authorization plugin on its unix socket: a captured container-create AuthZReq
#     (../shared/data/docker-authz)                                        target: p99 ≤ 2 ms
# The load generator (crates/rensa-server/examples/loadgen.rs) runs on the same 2-core machine as the
# server, BENCH_CONNECTIONS keep-alive connections (default 8) for BENCH_SECONDS (default 10) each.
# Needs docker-registry, skopeo and openssl (scripts/setup-test-deps.sh). RENSA_BIN names a prebuilt binary.
# Exits 0 whatever the figures (non-zero only when something could not be run); prints PASS/MISS.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench-serve
source scripts/lib/common.sh

CONNECTIONS="${BENCH_CONNECTIONS:-8}"
SECONDS_EACH="${BENCH_SECONDS:-10}"
need docker-registry skopeo openssl cargo awk python3

if [ -z "${RENSA_BIN:-}" ]; then
  log "building rensa and the load generator (release)"
  cargo build --release --quiet -p rensa-cli >&2 || die "cargo build --release -p rensa-cli failed"
fi
cargo build --release --quiet -p rensa-server --example loadgen >&2 || die "cannot build the loadgen example"
RENSA="${RENSA_BIN:-$PWD/target/release/rensa}"
LOADGEN="$PWD/target/release/examples/loadgen"

work=$(mktemp -d)
registry_pid=""
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# A registry with the example image under three tags, signed by a release key.
port=$(free_port)
addr="127.0.0.1:$port"
cat > "$work/registry.yml" <<YAML
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $work/storage } }
http: { addr: $addr, secret: rensa-bench }
YAML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
wait_port "$port" || die "docker-registry did not start"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$work/policy.json"
export RENSA_PASSWORD=bench HOME="$work"
"$RENSA" key generate "$work/release" >&2
for tag in v1 v2 v3; do
  skopeo --policy "$work/policy.json" copy --quiet --dest-tls-verify=false \
    oci:examples/debian-mini:latest "docker://$addr/bench/app:$tag" >&2 || die "skopeo could not push the example image"
done
"$RENSA" sign "$addr/bench/app:v1" --key "$work/release.key" --insecure >&2

# The gate's policy: restricted pod security, images verified (signature, age) and cached.
cat > "$work/trust.yaml" <<YAML
version: 1
keys:
  release: { path: release.pub }
default: reject
scopes:
  - match: "$addr/bench/*"
    signatures: { keys: [release] }
YAML
cat > "$work/deploy.yaml" <<YAML
version: 1
pod_security: { level: restricted }
images:
  allowed: ["$addr/**"]
  trust_policy: trust.yaml
  max_age: 3650d
  cache_ttl: 10m
YAML
(cd "$work" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
   -subj "/CN=bench CA" -keyout ca.key -out ca.crt 2>/dev/null &&
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
   -keyout tls.key -out tls.csr 2>/dev/null &&
 printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext &&
 openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out tls.crt 2>/dev/null) ||
  die "openssl could not make the certificates"
serve_port=$(free_port)
cat > "$work/serve.yaml" <<YAML
version: 1
listen: 127.0.0.1:$serve_port
tls: { cert: tls.crt, key: tls.key }
policy: deploy.yaml
audit_log: audit.jsonl
registry: { insecure: true }
docker_authz: { socket: $work/authz.sock }
YAML
"$RENSA" serve --config "$work/serve.yaml" > "$work/serve.log" 2>&1 &
serve_pid=$!
wait_port "$serve_port" || { cat "$work/serve.log" >&2; die "rensa serve did not start"; }

# The AdmissionReview: a restricted Deployment with three containers.
python3 - "$addr" > "$work/review.json" <<'PY'
import json, sys
addr = sys.argv[1]
def container(i):
    return {"name": f"c{i}", "image": f"{addr}/bench/app:v{i}",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}
deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [container(i) for i in (1, 2, 3)]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
          "request": {"uid": "bench-0001", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                      "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
                      "namespace": "shop", "operation": "CREATE",
                      "userInfo": {"username": "bench", "groups": ["system:authenticated"]},
                      "object": deployment, "dryRun": False}}
print(json.dumps(review))
PY
python3 -c "import json, sys; print(json.dumps(json.load(open(sys.argv[1]))['request']))" \
  ../shared/data/docker-authz/003-AuthZPlugin.AuthZReq.json > "$work/authz.json" ||
  die "../shared/data/docker-authz is missing (the shared data must be beside the repository)"

# One unmeasured request of each kind fills the caches and checks the answers.
"$LOADGEN" --addr "127.0.0.1:$serve_port" --ca "$work/ca.crt" --path /validate --body "$work/review.json" \
  --connections 1 --seconds 1 --expect '"allowed":true' > "$work/warm.json" 2> "$work/warm.err" || true
grep -q '"errors":0' "$work/warm.json" || { cat "$work/warm.err" "$work/serve.log" >&2; die "the benchmark review is not allowed"; }

run() { "$LOADGEN" "$@" --connections "$CONNECTIONS" --seconds "$SECONDS_EACH"; }
validate=$(run --addr "127.0.0.1:$serve_port" --ca "$work/ca.crt" --path /validate --body "$work/review.json" --expect '"allowed":true')
healthz=$(run --addr "127.0.0.1:$serve_port" --ca "$work/ca.crt" --path /healthz --method GET)
authz=$(run --unix "$work/authz.sock" --path /AuthZPlugin.AuthZReq --body "$work/authz.json" --expect '"Allow":true')
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

v_rps=$(field "$validate" rps); v_p99=$(field "$validate" p99_us); v_err=$(field "$validate" errors)
h_rps=$(field "$healthz" rps); h_p99=$(field "$healthz" p99_us)
a_rps=$(field "$authz" rps); a_p99=$(field "$authz" p99_us); a_err=$(field "$authz" errors)
ratio=$(awk -v a="$v_rps" -v b="$h_rps" 'BEGIN { printf "%.2f", a / b }')
v_p99_ms=$(awk -v u="$v_p99" 'BEGIN { printf "%.2f", u / 1000 }')
h_p99_ms=$(awk -v u="$h_p99" 'BEGIN { printf "%.2f", u / 1000 }')
a_p99_ms=$(awk -v u="$a_p99" 'BEGIN { printf "%.2f", u / 1000 }')

verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
printf '\n%d keep-alive connections, %s s each, load generator on the same machine\n' "$CONNECTIONS" "$SECONDS_EACH"
printf '%-62s %12s %12s %s\n' "measurement" "value" "target" ""
printf '%-62s %10s/s %12s %s\n' "/validate, Deployment with 3 verified images (cached), TLS" "$v_rps" "≥ 2,000/s" "$(verdict "$(awk -v r="$v_rps" 'BEGIN { print (r >= 2000) }')")"
printf '%-62s %9s ms %12s %s\n' "/validate p99 latency" "$v_p99_ms" "≤ 5 ms" "$(verdict "$(awk -v u="$v_p99" 'BEGIN { print (u <= 5000) }')")"
printf '%-62s %10s/s %12s\n' "/healthz (trivial endpoint, same server and connections)" "$h_rps" "(baseline)"
printf '%-62s %9s ms %12s\n' "/healthz p99 latency" "$h_p99_ms" "(baseline)"
printf '%-62s %12s %12s\n' "ratio /validate ÷ /healthz throughput" "$ratio" "(reported)"
printf '%-62s %10s/s %12s\n' "Docker authz plugin, container create, unix socket" "$a_rps" "(reported)"
printf '%-62s %9s ms %12s %s\n' "Docker authz p99 latency" "$a_p99_ms" "≤ 2 ms" "$(verdict "$(awk -v u="$a_p99" 'BEGIN { print (u <= 2000) }')")"
printf '%-62s %12s\n' "errors (validate / authz)" "$v_err / $a_err"
