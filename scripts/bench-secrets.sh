#!/usr/bin/env bash
# Measures the secret scanner's throughput and prints it next to Trivy 0.59.1's time on the same trees:
#   scripts/bench-secrets.sh [DIR...]
# With no DIR: the benchmark's Debian 12 root filesystem ($BENCH_CACHE/rootfs, built by
# scripts/build-reference-image.sh) when it exists, and this machine's /usr/share and /usr/lib/python3.
# For each tree it prints
#   - rensa's scan rate on one thread over the text files it scans (files are read into memory first, so
#     this is the scanner alone; allowlists off so every text file counts)   target: ≥ 200 MB/s per core
#   - rensa's wall time end to end (walk, read, binary check, scan; one thread) with its default allowlist
#   - Trivy's wall time for `trivy fs --scanners secret` (all cores, its own built-in allow rules: it skips
#     paths under usr/share, usr/lib, …, so on a root filesystem it reads less than rensa).
# Each measurement is repeated BENCH_REPS times (default 3), the median is printed. Exits 0 whatever the
# figures; prints PASS/MISS for the target.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench-secrets
source scripts/lib/common.sh
need python3 cargo

REPS="${BENCH_REPS:-3}"
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  [ -d "$BENCH_CACHE/rootfs/etc" ] && dirs+=("$BENCH_CACHE/rootfs")
  for d in /usr/share /usr/lib/python3; do [ -d "$d" ] && dirs+=("$d"); done
fi
if [ -z "${RENSA_SECRETS_BIN:-}" ]; then
  log "building the secrets example (release)"
  cargo build --release --quiet -p rensa-checks --example secrets >&2 || die "cargo build -p rensa-checks --example secrets failed"
  RENSA_SECRETS_BIN="$PWD/target/release/examples/secrets"
fi
TRIVY=$(ensure_trivy)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

echo "tree | text MB scanned | rensa scan MB/s (1 thread) | rensa end-to-end s (1 thread) | trivy fs s ($(nproc) cores) | target ≥200 MB/s"
for dir in "${dirs[@]}"; do
  rates=(); walls=(); trivies=(); mb=0
  for _ in $(seq "$REPS"); do
    "$RENSA_SECRETS_BIN" --bench --no-default-allowlist "$dir" 2> "$work/bench.err" > /dev/null || die "secrets failed on $dir"
    line=$(grep 'scanned' "$work/bench.err" | tail -n1)
    mb=$(sed -E 's/.*files, ([0-9.]+) MB.*/\1/' <<<"$line")
    rates+=("$(sed -E 's/.*thread: ([0-9.]+) MB\/s.*/\1/' <<<"$line")")
    t0=$(now); "$RENSA_SECRETS_BIN" "$dir" > /dev/null 2>&1 || true; t1=$(now)
    walls+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now)
    (cd "$dir" && TRIVY_CACHE_DIR="$work/cache" "$TRIVY" fs --scanners secret --offline-scan --skip-db-update \
       --skip-check-update --format json --quiet --output "$work/trivy.json" . 2>/dev/null) || log "trivy failed on $dir"
    t1=$(now)
    trivies+=("$(echo "$t1 - $t0" | bc -l)")
  done
  rate=$(printf '%s\n' "${rates[@]}" | median)
  wall=$(printf '%s\n' "${walls[@]}" | median)
  triv=$(printf '%s\n' "${trivies[@]}" | median)
  verdict=$(awk -v r="$rate" 'BEGIN { print (r >= 200 ? "PASS" : "MISS") }')
  printf '%s | %s | %s | %.2f | %.2f | %s\n' "$dir" "$mb" "$rate" "$wall" "$triv" "$verdict"
done
