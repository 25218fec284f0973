#!/usr/bin/env bash
# Builds the benchmark's reference image once and caches it under .cache/bench/ (gitignored):
#   .cache/bench/rootfs/             Debian 12 `debootstrap --variant=minbase --include=openssh-server,python3,curl`
#   .cache/bench/ref-1layer/         that rootfs packed by umoci as an OCI layout, tag `latest`, one gzip layer
#   .cache/bench/ref-3layers/        the same files as three layers (/ but /usr, /usr/lib, the rest of /usr),
#                                    tag `latest`, for the multi-core check
# The Debian mirror is the one this machine's apt uses for bookworm (override with DEBIAN_MIRROR=URL).
# Needs root, debootstrap and umoci. Prints the two layout paths. Run again: does nothing that is done.
# --force rebuilds everything.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=build-reference-image
source scripts/lib/common.sh

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (usage: $0 [--force])" ;;
  esac
done

ROOTFS="$BENCH_CACHE/rootfs"
ONE="$BENCH_CACHE/ref-1layer"
THREE="$BENCH_CACHE/ref-3layers"
INCLUDE="openssh-server,python3,curl"
mkdir -p "$BENCH_CACHE"

if [ "$force" = 1 ]; then
  rm -rf "$ROOTFS" "$ONE" "$THREE" "$BENCH_CACHE/bundle" "$BENCH_CACHE/bundle3"
fi

# A layout is complete once its tag is in index.json (umoci writes that last).
has_tag() { [ -f "$1/index.json" ] && grep -q '"org.opencontainers.image.ref.name":"latest"' "$1/index.json"; }

# 1. The root filesystem. debootstrap writes into a scratch directory that is renamed only on success.
if [ ! -f "$ROOTFS/var/lib/dpkg/status" ]; then
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  need debootstrap
  mirror=$(debian_mirror)
  log "checking the Debian mirror $mirror"
  curl -fsS --max-time 30 -o /dev/null "$mirror/dists/bookworm/Release" \
    || die "cannot reach $mirror/dists/bookworm/Release (set DEBIAN_MIRROR to a reachable Debian mirror)"
  log "debootstrap --variant=minbase --include=$INCLUDE bookworm from $mirror (a few minutes)"
  rm -rf "$ROOTFS.tmp"
  debootstrap --variant=minbase --include="$INCLUDE" bookworm "$ROOTFS.tmp" "$mirror" > "$BENCH_CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$BENCH_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $BENCH_CACHE/debootstrap.log)"; }
  # debootstrap's output is kept as it is, including the .deb files it leaves in /var/cache/apt/archives
  # (about 55 MB of the ~133 MB layer): that is the reference image the issue's figures were measured on.
  mv "$ROOTFS.tmp" "$ROOTFS"
fi

need umoci

# Starts an empty image `latest` in layout $1 and unpacks it into bundle $2 (which must not exist).
new_image() {
  local layout=$1 bundle=$2
  rm -rf "$layout" "$bundle"
  umoci init --layout "$layout"
  umoci new --image "$layout:latest"
  umoci unpack --image "$layout:latest" "$bundle" >/dev/null
}

# Adds the bundle's current rootfs as one layer.
repack() {
  umoci repack --refresh-bundle --image "$1:latest" "$2"
}

# 2. One layer holding the whole root filesystem.
if [ "$force" = 1 ] || ! has_tag "$ONE"; then
  log "packing $ONE (one layer)"
  bundle="$BENCH_CACHE/bundle"
  new_image "$ONE.tmp" "$bundle"
  cp -a "$ROOTFS"/. "$bundle/rootfs/"
  repack "$ONE.tmp" "$bundle"
  umoci gc --layout "$ONE.tmp"
  rm -rf "$bundle" "$ONE"
  mv "$ONE.tmp" "$ONE"
fi

# 3. Three layers: everything but /usr, then /usr/lib, then the rest of /usr.
if [ "$force" = 1 ] || ! has_tag "$THREE"; then
  log "packing $THREE (three layers)"
  bundle="$BENCH_CACHE/bundle3"
  new_image "$THREE.tmp" "$bundle"
  ( cd "$ROOTFS" && for e in .[!.]* * ; do [ -e "$e" ] || [ -L "$e" ] || continue; [ "$e" = usr ] || cp -a "$e" "$bundle/rootfs/"; done )
  mkdir -p "$bundle/rootfs/usr"
  repack "$THREE.tmp" "$bundle"
  cp -a "$ROOTFS/usr/lib" "$bundle/rootfs/usr/"
  repack "$THREE.tmp" "$bundle"
  cp -a "$ROOTFS/usr/." "$bundle/rootfs/usr/"
  repack "$THREE.tmp" "$bundle"
  umoci gc --layout "$THREE.tmp"
  rm -rf "$bundle" "$THREE"
  mv "$THREE.tmp" "$THREE"
fi

echo "$ONE"
echo "$THREE"
