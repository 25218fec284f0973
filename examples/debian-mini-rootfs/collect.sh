#!/usr/bin/env bash
# Collects the example image's root filesystem from real sources into layer1/ and layer2/ next to this script.
# It was run once on a Debian 12 machine (with network access to PyPI and npm) and its output is committed;
# it is kept as the record of where every file came from. Re-running it picks up this machine's current
# package versions, so the committed files may then change.
#
#   layer1/  Debian 12 base: 16 real stanzas of /var/lib/dpkg/status with their /var/lib/dpkg/info/*.list
#            files, /usr/lib/os-release (with /etc/os-release as the usual relative symlink), /etc/debian_version,
#            two pip-installed packages (dist-info directories only) and an npm-installed tree.
#   layer2/  "apt-get install ca-certificates" and "pip uninstall six": the status file with one more stanza,
#            that package's .list file; the paths in layer2.delete are removed from layer 1 (umoci writes
#            them as whiteouts).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

LAYER1_DEBS=(base-files bash dash gcc-12-base libacl1 libattr1 libbz2-1.0 libc6 libgcc-s1 liblzma5 libssl3
             libtinfo6 libzstd1 mawk ncurses-base zlib1g)
LAYER2_DEBS=(ca-certificates)
PIP_PACKAGES=(six==1.17.0 idna==3.10)
NPM_PACKAGES=(ms@2.1.3 debug@4.4.0)
SITE=usr/local/lib/python3.11/dist-packages
APP=srv/app

# Writes the stanzas of the given packages, in the order dpkg keeps them in its status file.
status_subset() {
  python3 - "$@" <<'PY'
import sys
want = set(sys.argv[1:])
text = open("/var/lib/dpkg/status", encoding="utf-8").read()
out = []
for stanza in text.split("\n\n"):
    stanza = stanza.strip("\n")
    for line in stanza.splitlines():
        if line.startswith("Package: "):
            if line[len("Package: "):] in want:
                out.append(stanza)
                want.discard(line[len("Package: "):])
            break
if want:
    sys.exit("not installed here: " + " ".join(sorted(want)))
sys.stdout.write("\n\n".join(out) + "\n\n")
PY
}

# Copies a package's file list (/var/lib/dpkg/info/NAME.list or NAME:ARCH.list for Multi-Arch: same).
copy_list() {
  local pkg=$1 dest=$2 f
  for f in "/var/lib/dpkg/info/$pkg.list" /var/lib/dpkg/info/"$pkg":*.list; do
    if [ -f "$f" ]; then cp "$f" "$dest/"; return; fi
  done
  echo "no file list for $pkg" >&2; exit 1
}

rm -rf layer1 layer2
mkdir -p layer1/var/lib/dpkg/info layer1/etc layer1/usr/lib layer2/var/lib/dpkg/info

status_subset "${LAYER1_DEBS[@]}" > layer1/var/lib/dpkg/status
for p in "${LAYER1_DEBS[@]}"; do copy_list "$p" layer1/var/lib/dpkg/info; done
status_subset "${LAYER1_DEBS[@]}" "${LAYER2_DEBS[@]}" > layer2/var/lib/dpkg/status
for p in "${LAYER2_DEBS[@]}"; do copy_list "$p" layer2/var/lib/dpkg/info; done

cp /usr/lib/os-release layer1/usr/lib/os-release
ln -s ../usr/lib/os-release layer1/etc/os-release
cp /etc/debian_version layer1/etc/debian_version

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --no-compile --target "$tmp/site" "${PIP_PACKAGES[@]}"
mkdir -p "layer1/$SITE"
cp -a "$tmp"/site/*.dist-info "layer1/$SITE/"

mkdir -p "$tmp/app"
(cd "$tmp/app" && npm install --silent --no-audit --no-fund --prefix . "${NPM_PACKAGES[@]}" >/dev/null)
mkdir -p "layer1/$APP"
cp "$tmp/app/package.json" "$tmp/app/package-lock.json" "layer1/$APP/"
(cd "$tmp/app" && find node_modules -name package.json -o -name .package-lock.json) | while read -r f; do
  mkdir -p "layer1/$APP/$(dirname "$f")"
  cp "$tmp/app/$f" "layer1/$APP/$f"
done

six=$(cd "layer1/$SITE" && ls -d six-*.dist-info)
printf '%s\n' "$SITE/$six" > layer2.delete
echo "collected: $(du -sh layer1 | cut -f1) in layer1, $(du -sh layer2 | cut -f1) in layer2" >&2
