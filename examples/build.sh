#!/usr/bin/env bash
# Packs examples/debian-mini-rootfs/ into the OCI image layout examples/debian-mini (tag `latest`) with umoci:
#   layer 0: everything in debian-mini-rootfs/layer1/
#   layer 1: debian-mini-rootfs/layer2/ copied on top, and the paths listed in layer2.delete removed
#            (umoci records each removal as a `.wh.NAME` whiteout)
#   layer 2: debian-mini-rootfs/layer3/ copied on top (pip-installed dist-info of a small web application
#            and a Rust service's Cargo.lock, from debian-mini-rootfs/collect-layer3.sh)
# The committed layout was made by this script; re-running it replaces the layout (umoci's gzip output is
# not guaranteed to be byte-identical across versions, so digests may change). Needs umoci (apt-get install umoci).
set -euo pipefail
cd "$(dirname "$0")"
command -v umoci >/dev/null || { echo "build.sh: umoci is not installed (apt-get install umoci)" >&2; exit 1; }

SRC=debian-mini-rootfs
OUT=debian-mini
# One fixed date for file times and image metadata, so a rebuild differs as little as possible.
EPOCH="${SOURCE_DATE_EPOCH:-1747353600}"   # 2025-05-16T00:00:00Z
DATE=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout="$work/layout"
bundle="$work/bundle"

umoci init --layout "$layout"
umoci new --image "$layout:latest"
umoci config --image "$layout:latest" --no-history --created "$DATE" --author "rensa examples" \
  --config.cmd /bin/bash --config.workingdir /srv/app
umoci unpack --image "$layout:latest" "$bundle" >/dev/null

# Copies a source tree into the bundle with fixed times; git does not keep modes beyond +x, so set them.
stage() {
  cp -a "$1"/. "$bundle/rootfs/"
  find "$bundle/rootfs" -exec touch -h -d "@$EPOCH" {} +
}

stage "$SRC/layer1"
umoci repack --refresh-bundle --image "$layout:latest" --history.created "$DATE" --history.author "rensa examples" \
  --history.created_by "debian 12 base: dpkg database, os-release, pip install six idna, npm install ms debug" "$bundle"

stage "$SRC/layer2"
while IFS= read -r path; do
  [ -n "$path" ] || continue
  case "$path" in /*|*..*) echo "build.sh: bad path in layer2.delete: $path" >&2; exit 1 ;; esac
  [ -e "$bundle/rootfs/$path" ] || { echo "build.sh: layer2.delete names a missing path: $path" >&2; exit 1; }
  rm -rf "${bundle:?}/rootfs/$path"
done < "$SRC/layer2.delete"
# The directories that lost an entry get a new time too; keep them at the fixed date.
find "$bundle/rootfs" -exec touch -h -d "@$EPOCH" {} +
umoci repack --refresh-bundle --image "$layout:latest" --history.created "$DATE" --history.author "rensa examples" \
  --history.created_by "apt-get install ca-certificates && pip uninstall six" "$bundle"

stage "$SRC/layer3"
umoci repack --refresh-bundle --image "$layout:latest" --history.created "$DATE" --history.author "rensa examples" \
  --history.created_by "pip install flask==2.2.2 werkzeug==2.2.2 requests==2.25.0 urllib3==1.26.4 numexpr==2.8.4; /srv/worker (cargo, smallvec 1.6.0)" "$bundle"

umoci gc --layout "$layout"
rm -rf "$OUT"
mv "$layout" "$OUT"
echo "build.sh: wrote examples/$OUT ($(du -sh "$OUT" | cut -f1))" >&2
