#!/usr/bin/env bash
# Compares rensa's package list with Trivy 0.59.1's on the same images, offline:
#   scripts/compare-trivy.sh [IMAGE...]
# IMAGE uses rensa's syntax: oci:PATH[:TAG], oci-archive:PATH, docker-archive:PATH, dir:PATH or a path; the word
# `planted` stands for a root filesystem holding testdata/planted as tests/accuracy.rs plants it (plant.txt).
# With no IMAGE it compares the benchmark's reference image (built by scripts/build-reference-image.sh), the
# example image examples/debian-mini and `planted`. For each image it prints the packages (ecosystem/name@version) Trivy finds and
# rensa misses and vice versa, OS packages whose arch or source differ, and for the reference image also rensa's
# deb packages against `dpkg-query` run on the reference root filesystem (the issue's accuracy oracle).
# Every package Trivy finds that rensa misses is a bug or a difference to document: documented differences are
# in scripts/lib/trivy-known-differences.txt and marked as such.
# Exit status: 0 when every image agrees (up to documented differences), 1 when some differ, 2 when something
# could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=compare-trivy
source scripts/lib/common.sh
trap 'exit 2' ERR

need cargo python3
log "building rensa (release)"
cargo build --release --quiet -p rensa-cli >&2 || die "cargo build --release -p rensa-cli failed"
RENSA="$PWD/target/release/rensa"
TRIVY=$(ensure_trivy)

images=("$@")
REF_ROOTFS=""
if [ ${#images[@]} -eq 0 ]; then
  mapfile -t layouts < <(scripts/build-reference-image.sh)
  images=("oci:${layouts[0]}:latest" "oci:examples/debian-mini:latest" planted)
  REF_ROOTFS="$BENCH_CACHE/rootfs"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Plants testdata/planted into a new root filesystem at $1, as testdata/planted/plant.txt says.
plant_rootfs() {
  local root=$1 eco src dest
  mkdir -p "$root"
  while read -r eco src dest; do
    case "$eco" in ''|'#'*) continue ;; esac
    mkdir -p "$root$(dirname "$dest")"
    cp -a "testdata/planted/$src" "$root$dest"
  done < testdata/planted/plant.txt
}

# Trivy's way to read the same image: `image --input` for layouts and archives, `rootfs` for a directory.
trivy_args() {
  local ref=$1 path
  case "$ref" in
    oci:*) path=${ref#oci:}; echo "image"; echo "--input"; echo "$path" ;;  # Trivy takes PATH[:TAG] too
    oci-archive:*) echo "image"; echo "--input"; echo "${ref#oci-archive:}" ;;
    docker-archive:*) echo "image"; echo "--input"; echo "${ref#docker-archive:}" ;;
    dir:*) echo "rootfs"; echo "${ref#dir:}" ;;
    *) if [ -d "$ref" ] && [ ! -f "$ref/index.json" ]; then echo "rootfs"; echo "$ref";
       else echo "image"; echo "--input"; echo "$ref"; fi ;;
  esac
}

status=0
n=0
for ref in "${images[@]}"; do
  n=$((n + 1))
  if [ "$ref" = planted ]; then
    plant_rootfs "$work/planted"
    ref="dir:$work/planted"
  fi
  echo "== $ref"
  "$RENSA" sbom "$ref" --no-cache --format json -o "$work/rensa-$n.json" 2> "$work/rensa-$n.err" \
    || { cat "$work/rensa-$n.err" >&2; die "rensa could not read $ref"; }
  mapfile -t targs < <(trivy_args "$ref")
  trivy_cmd=(env "TRIVY_CACHE_DIR=$BENCH_CACHE/trivy-cache" "$TRIVY" "${targs[0]}" --cache-backend memory --quiet
             --offline-scan --skip-check-update --format cyclonedx --output "$work/trivy-$n.json")
  if ! "${trivy_cmd[@]}" "${targs[@]:1}" 2> "$work/trivy-$n.err"; then
    # Trivy's jar analyzer needs its Java DB, which cannot be downloaded here: without it Trivy reads no
    # image that holds a jar. Skip the jars then, and say so: maven packages are then not compared.
    grep -q 'Java DB' "$work/trivy-$n.err" || { cat "$work/trivy-$n.err" >&2; die "trivy could not read $ref"; }
    echo "  note: Trivy needs its Java DB (not downloadable here) to read jars; it skips *.jar/*.war/*.ear," \
         "so 'Trivy misses' for maven below is this limitation, not a finding"
    "${trivy_cmd[@]}" --skip-files '**/*.jar' --skip-files '**/*.war' --skip-files '**/*.ear' "${targs[@]:1}" \
      2> "$work/trivy-$n.err" || { cat "$work/trivy-$n.err" >&2; die "trivy could not read $ref"; }
  fi
  echo "  OS: rensa $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])).get("distro") or {}; print(d.get("id","?"), d.get("version_id","?"))' "$work/rensa-$n.json")," \
       "trivy $(python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1])).get("components",[]) if c.get("type")=="operating-system"]; print(" ".join((c[0]["name"], c[0].get("version","?"))) if c else "? ?")' "$work/trivy-$n.json")"
  extra=()
  if [ -n "$REF_ROOTFS" ] && [ "$n" = 1 ]; then extra=(--dpkg-root "$REF_ROOTFS"); fi
  python3 scripts/lib/compare_sboms.py --known scripts/lib/trivy-known-differences.txt \
    "$work/rensa-$n.json" "$work/trivy-$n.json" "${extra[@]}" || status=1
done
exit "$status"
