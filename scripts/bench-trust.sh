#!/usr/bin/env bash
# Measures signature and attestation verification (issue 5) against its targets and prints the figures:
#   - `rensa verify --policy` of an image with one cosign signature and three stage attestations, from a
#     real docker-registry on 127.0.0.1 (process start, manifest, .sig and .att manifests, blobs, policy),
#     warm (after one unmeasured run), median of BENCH_REPS runs                       target: ≤ 30 ms
#   - the same policy evaluation with the evidence already fetched and the signature checks cached
#     (as the admission gate keeps them), one thread                       target: ≥ 5,000 per second
#     and, for reference, without the cache (four ECDSA P-256 verifications each)
#   - key decryption (cosign's scrypt, N = 32768 and 65536), reported separately: it is the password
#     hashing, paid once per signing command.
# Needs docker-registry and skopeo (scripts/setup-test-deps.sh). RENSA_BIN names a prebuilt binary.
# Exits 0 whatever the figures (non-zero only when something could not be run); prints PASS/MISS.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench-trust
source scripts/lib/common.sh

REPS="${BENCH_REPS:-21}"
need docker-registry skopeo cargo awk python3

if [ -z "${RENSA_BIN:-}" ]; then
  log "building rensa and the verify benchmark (release)"
  cargo build --release --quiet -p rensa-cli >&2 || die "cargo build --release -p rensa-cli failed"
fi
cargo build --release --quiet -p rensa-trust --example verify-bench >&2 || die "cannot build the verify-bench example"
RENSA="${RENSA_BIN:-$PWD/target/release/rensa}"

work=$(mktemp -d)
registry_pid=""
cleanup() { [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr="127.0.0.1:$port"
cat > "$work/registry.yml" <<YAML
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $work/storage } }
http: { addr: $addr, secret: rensa-bench }
YAML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$work/policy.json"
skopeo --policy "$work/policy.json" copy --quiet --dest-tls-verify=false \
  oci:examples/debian-mini:latest "docker://$addr/bench/app:v1" >&2 || die "skopeo could not push the example image"

export RENSA_PASSWORD=bench HOME="$work"
image="$addr/bench/app:v1"
for k in release ci staging qa; do "$RENSA" key generate "$work/$k"; done
"$RENSA" sign "$image" --key "$work/release.key" --insecure
for stage in ci staging qa; do
  "$RENSA" attest "$image" --key "$work/$stage.key" --type stage --stage "$stage" --insecure
done
cat > "$work/trust.yaml" <<YAML
version: 1
keys:
  release: { path: release.pub }
  ci: { path: ci.pub }
  staging: { path: staging.pub }
  qa: { path: qa.pub }
default: reject
scopes:
  - match: "$addr/bench/*"
    signatures: { keys: [release] }
    stages:
      - { name: ci, type: stage, keys: [ci], max_age: 1d }
      - { name: staging, type: stage, keys: [staging], max_age: 1d }
      - { name: qa, type: stage, keys: [qa], max_age: 1d }
YAML
VERIFY=("$RENSA" verify "$image" --policy "$work/trust.yaml" --insecure)
"${VERIFY[@]}" > "$work/first.out" || { cat "$work/first.out" >&2; die "the benchmark image does not verify"; }
for ((i = 1; i <= REPS; i++)); do
  t0=$(date +%s%N)
  "${VERIFY[@]}" > /dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >> "$work/verify.us"
done
verify_ms=$(sort -g "$work/verify.us" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')

target/release/examples/verify-bench 2 > "$work/bench.out"
val() { awk -v k="$1" '$1 == k { print $2 }' "$work/bench.out"; }
cached=$(val cached_policy_evaluations_per_second_one_core)
plain=$(val policy_evaluations_per_second_one_core)

verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
printf '\n%-62s %12s %12s %s\n' "measurement" "value" "target" ""
printf '%-62s %9s ms %12s %s\n' "rensa verify: 1 signature + 3 stage attestations, registry, warm" "$verify_ms" "≤ 30 ms" "$(verdict "$(echo "$verify_ms <= 30" | bc)")"
printf '%-62s %10s/s %12s %s\n' "policy evaluations per core, evidence cached" "$cached" "≥ 5,000/s" "$(verdict "$(( cached >= 5000 ))")"
printf '%-62s %10s/s %12s\n' "policy evaluations per core, signature checks not cached" "$plain" "(reference)"
printf '%-62s %9s ms %12s\n' "key decryption, scrypt N=32768 (rensa key generate default)" "$(val key_decryption_scrypt_n32768)" "(reported)"
printf '%-62s %9s ms %12s\n' "key decryption, scrypt N=65536 (cosign 2.x default)" "$(val key_decryption_scrypt_n65536)" "(reported)"
