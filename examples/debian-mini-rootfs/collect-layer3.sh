#!/usr/bin/env bash
# Collects layer 2 of the example image ("pip install" of a small web application's pinned requirements)
# into layer3/ next to this script. Like collect.sh, it was run once with network access to PyPI and its
# output is committed; it records where every file came from. Layers 0 and 1 (layer1/, layer2/) are not
# touched, so their committed layer blobs stay byte-identical.
#
#   layer3/  the `*.dist-info` directories that `pip install --no-deps --target` wrote for the pins below
#            (Python 3.11 manylinux wheels, as Debian 12's python3.11 would get), in
#            /usr/local/lib/python3.11/dist-packages. Only the metadata is kept, no code: a scanner reads
#            METADATA for the name and version, RECORD for the files.
#            /srv/worker/Cargo.toml and the Cargo.lock that `cargo generate-lockfile` (cargo 1.95) wrote for
#            it: a small Rust service pinned to smallvec 1.6.0 (the source is not needed to read the lock).
#
# The pins are old on purpose: each version is affected by advisories in the PyPA advisory database
# (examples/advisories/pypa) or the RustSec advisory database (examples/advisories/rustsec); see
# examples/advisories/SOURCE.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

PIP_PACKAGES=(flask==2.2.2 werkzeug==2.2.2 requests==2.25.0 urllib3==1.26.4 numexpr==2.8.4)
SITE=usr/local/lib/python3.11/dist-packages

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --no-compile \
  --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --platform manylinux2014_x86_64 \
  --target "$tmp/site" "${PIP_PACKAGES[@]}"
rm -rf layer3
mkdir -p "layer3/$SITE"
cp -a "$tmp"/site/*.dist-info "layer3/$SITE/"
# Licence texts and urllib3's legacy DESCRIPTION.rst (a copy of METADATA's body) are not metadata a scanner
# needs; keep the layer small.
find layer3 -path '*.dist-info/*' \( -iname 'LICENSE*' -o -iname 'COPYING*' -o -iname 'AUTHORS*' -o -name DESCRIPTION.rst \) -type f -delete
find layer3 -path '*.dist-info/licenses' -type d -empty -delete
mkdir -p "$tmp/worker/src" layer3/srv/worker
cat > "$tmp/worker/Cargo.toml" <<'TOML'
[package]
name = "worker"
version = "0.1.0"
edition = "2024"

[dependencies]
smallvec = "=1.6.0"
TOML
echo 'fn main() {}' > "$tmp/worker/src/main.rs"
(cd "$tmp/worker" && cargo generate-lockfile -q)
cp "$tmp/worker/Cargo.toml" "$tmp/worker/Cargo.lock" layer3/srv/worker/

echo "collected: $(du -sh layer3 | cut -f1) in layer3" >&2
