#!/usr/bin/env bash
# Measures the vulnerability database in one run and prints the figures next to issue 3's targets:
#   - import of everything in ../shared/data/advisories plus a synthetic OSV feed of 200,000 records
#     (an all.zip generated here)                                             target: ≤ 30 s
#   - database size against the size of the source files                     target: ≤ 1/3
#   - `rensa scan` of an SBOM with 2,000 packages, on a small database and on the big one: the wall time
#     must not grow with the database size                                   target: ≤ 50 ms each
#     and, with valgrind installed, the instructions both scans execute (repeatable under any load):
#     big / small                                                              target: ≤ 1.10
#   - peak RSS of that scan                                                   target: ≤ 100 MB
#   - peak RSS of the import (it streams: records are written as they are read) target: ≤ 500 MB
# Each scan is repeated BENCH_REPS times (default 5) and the median is reported. Exits 0 whatever the
# figures; prints PASS/MISS per target.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=bench-vulndb
source scripts/lib/common.sh
need /usr/bin/time python3 cargo

REPS="${BENCH_REPS:-5}"
SHARED=../shared/data/advisories
[ -d "$SHARED" ] || die "$SHARED is missing (the shared data sits beside the repository)"
log "building rensa (release)"
cargo build --release --quiet -p rensa-cli >&2 || die "cargo build failed"
RENSA="$PWD/target/release/rensa"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "generating a synthetic OSV feed of 200,000 records and a 2,000-package SBOM"
python3 - "$work" <<'PY'
import json, sys, zipfile, random
work = sys.argv[1]
rnd = random.Random(42)
# The SBOM's synthetic packages: synthetic-pkg-N for N = 25 * i, i odd below 2,000.
in_sbom = {25 * i for i in range(1, 2000, 2)}
with zipfile.ZipFile(f"{work}/all.zip", "w", zipfile.ZIP_DEFLATED) as z, \
     zipfile.ZipFile(f"{work}/subset.zip", "w", zipfile.ZIP_DEFLATED) as sub:
    for i in range(200_000):
        rec = {
            "schema_version": "1.6.0", "id": f"SYN-{i:06d}", "modified": "2026-01-01T00:00:00Z",
            "aliases": [f"CVE-2099-{i:06d}"], "summary": f"synthetic advisory {i}",
            "details": "x" * rnd.randint(100, 600),
            "affected": [{"package": {"ecosystem": "PyPI", "name": f"synthetic-pkg-{i % 50_000}"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": f"{i % 7}.{i % 13}.1"}]}]}],
        }
        z.writestr(f"SYN-{i:06d}.json", json.dumps(rec))
        if i % 50_000 in in_sbom:
            sub.writestr(f"SYN-{i:06d}.json", json.dumps(rec))
comps = []
for i in range(2000):
    name = f"synthetic-pkg-{i * 25}" if i % 2 else f"other-pkg-{i}"
    comps.append({"type": "library", "bom-ref": f"c{i}", "name": name, "version": "1.0.0",
                  "purl": f"pkg:pypi/{name}@1.0.0"})
bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
       "metadata": {"component": {"type": "container", "bom-ref": "image", "name": "synthetic"}},
       "components": comps}
json.dump(bom, open(f"{work}/sbom.cdx.json", "w"))
PY

sources=("$SHARED/govulndb" "$SHARED/pypa" "$SHARED/rustsec" "$SHARED/alpine-secdb-legacy" "$SHARED/debian-tracker-2023")
src_bytes=$(du -sb --apparent-size "${sources[@]}" | awk '{s += $1} END {print s}')
zip_json_bytes=$(python3 -c "import zipfile,sys; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))" "$work/all.zip")

# The small database holds only the synthetic records the SBOM matches, so both scans report the same
# findings and differ only in the size of the database around them.
log "importing the synthetic records the SBOM matches (small database)"
"$RENSA" db import --db "$work/small" "$work/subset.zip" >/dev/null
log "importing the shared data and the synthetic feed (big database)"
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/import.rss" "$RENSA" db import --db "$work/big" "${sources[@]}" "$work/all.zip" >/dev/null
import_s=$(echo "$(date +%s.%N) - $start" | bc)
db_bytes=$(stat -c %s "$work/big/rensa.db")

median_scan() {
  local db=$1 i t
  for i in $(seq "$REPS"); do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/scan.rss" "$RENSA" scan "sbom:$work/sbom.cdx.json" --db "$db" --format json -o "$work/out.json" 2>/dev/null
    t=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$t $(cat "$work/scan.rss")"
  done | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) {print}'
}
read -r small_ms small_rss < <(median_scan "$work/small")
small_findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['vulnerabilities']))" "$work/out.json")

# Whether the work grows with the database: instructions executed (valgrind's count is the same from run to
# run whatever else the machine does), big database against small. Skipped without valgrind.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$RENSA" scan "sbom:$work/sbom.cdx.json" --db "$1" \
    --format json -o "$work/out.json" 2>&1 | awk '/Collected :/ { print $NF }'
}
ir_ratio=""
if command -v valgrind >/dev/null 2>&1; then
  log "counting instructions of both scans (valgrind)"
  ir_small=$(instructions "$work/small")
  ir_big=$(instructions "$work/big")
  [ -n "$ir_small" ] && [ -n "$ir_big" ] && ir_ratio=$(echo "scale=3; $ir_big / $ir_small" | bc)
fi
small_records=$("$RENSA" db status --db "$work/small" --format json | python3 -c "import json,sys; print(sum(s['records'] for s in json.load(sys.stdin)['sources']))")
big_records=$("$RENSA" db status --db "$work/big" --format json | python3 -c "import json,sys; print(sum(s['records'] for s in json.load(sys.stdin)['sources']))")
read -r big_ms big_rss < <(median_scan "$work/big")
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['vulnerabilities']))" "$work/out.json")

ratio=$(echo "scale=3; $db_bytes / ($src_bytes + $zip_json_bytes)" | bc)
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
printf '\n%-52s %12s %12s %s\n' "measurement" "value" "target" ""
printf '%-52s %11.1fs %12s %s\n' "import: shared data + 200,000 synthetic records" "$import_s" "≤ 30 s" "$(verdict "$(echo "$import_s <= 30" | bc)")"
import_mb=$(( $(cat "$work/import.rss") / 1024 ))
printf '%-52s %12s %12s %s\n' "import peak RSS" "$import_mb MB" "≤ 500 MB" "$(verdict "$(( import_mb <= 500 ))")"
printf '%-52s %12s %12s %s\n' "database size / source size" "$ratio" "≤ 0.333" "$(verdict "$(echo "$ratio <= 0.333" | bc)")"
printf '%-52s %10s ms %12s %s\n' "scan 2,000 packages, $small_records records ($small_findings findings)" "$small_ms" "≤ 50 ms" "$(verdict "$(( small_ms <= 50 ))")"
printf '%-52s %10s ms %12s %s\n' "scan 2,000 packages, $big_records records ($findings findings)" "$big_ms" "≤ 50 ms" "$(verdict "$(( big_ms <= 50 ))")"
if [ -n "$ir_ratio" ]; then
  printf '%-52s %12s %12s %s\n' "scan instructions, big / small database" "$ir_ratio" "≤ 1.10" "$(verdict "$(echo "$ir_ratio <= 1.10" | bc)")"
  printf '%-52s %12s %12s %s\n' "scan wall time, big / small database" "$(echo "scale=2; $big_ms / $small_ms" | bc)" "(shown)" ""
fi
printf '%-52s %12s %12s %s\n' "scan peak RSS (big database)" "$(( big_rss / 1024 )) MB" "≤ 100 MB" "$(verdict "$(( big_rss / 1024 <= 100 ))")"
