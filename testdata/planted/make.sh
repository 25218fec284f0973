#!/usr/bin/env bash
# Makes the planted artifacts with the real tools, into this directory (see SOURCE.md). Needs network access
# to PyPI, npm, crates.io and the Debian mirror; the tests never run it (they use the committed output).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Python: pip installs python-dateutil, which pulls in six; keep the dist-info directories (and one module).
rm -rf python && mkdir -p python
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-compile \
  --target "$tmp/site" python-dateutil==2.9.0.post0
cp -a "$tmp"/site/*.dist-info python/
mkdir -p python/dateutil && cp "$tmp/site/dateutil/__init__.py" python/dateutil/

# npm: once (which depends on wrappy) and a scoped package; keep every package.json and the lockfiles.
rm -rf npm && mkdir -p npm/app "$tmp/app"
(cd "$tmp/app" && npm install --silent --no-audit --no-fund --prefix . once@1.4.0 @sindresorhus/is@4.6.0 >/dev/null)
cp "$tmp/app/package.json" "$tmp/app/package-lock.json" npm/app/
(cd "$tmp/app" && find node_modules \( -name package.json -o -name .package-lock.json \)) | while read -r f; do
  mkdir -p "npm/app/$(dirname "$f")" && cp "$tmp/app/$f" "npm/app/$f"
done

# Rust: cargo resolves a tiny application's lockfile against crates.io.
find cargo -mindepth 1 -maxdepth 1 ! -name tool -exec rm -rf {} + 2>/dev/null || true
mkdir -p cargo/src
cat > cargo/Cargo.toml <<'TOML'
[package]
name = "planted-app"
version = "0.1.0"
edition = "2021"

[dependencies]
itoa = "=1.0.11"
memchr = "=2.7.4"
smallvec = "=1.13.2"

[workspace]
TOML
echo 'fn main() {}' > cargo/src/main.rs
(cd cargo && cargo generate-lockfile -q)
# ... and a binary built with cargo-auditable (its dependency list embedded in the .dep-v0 section), from the
# tiny crate in cargo/tool/. Needs cargo-auditable: `cargo install --root .cache/tools cargo-auditable`.
PATH="$here/../../.cache/tools/bin:$PATH"
command -v cargo-auditable >/dev/null || { echo "make.sh: cargo-auditable is not installed" >&2; exit 1; }
(cd cargo/tool && CARGO_TARGET_DIR="$tmp/tool-target" cargo auditable build -q --release)
cp "$tmp/tool-target/release/planted-tool" cargo/planted-tool

# Java: javac + jar. greeter-1.2.3.jar is a plain Maven-style jar; bundle.jar is an application jar that nests
# a library jar (json-tiny-3.1.4.jar) under BOOT-INF/lib/ the way Spring Boot does.
rm -rf java && mkdir -p java/src
jarlib() {  # jarlib GROUP ARTIFACT VERSION CLASS OUT [extra jar args...]
  local group=$1 artifact=$2 version=$3 class=$4 out=$5; shift 5
  local d="$tmp/jar-$artifact"
  mkdir -p "$d/classes/META-INF/maven/$group/$artifact" "$d/src"
  printf 'public class %s { public static String hello() { return "%s %s"; } }\n' "$class" "$artifact" "$version" > "$d/src/$class.java"
  cp "$d/src/$class.java" java/src/
  javac -q --release 8 -nowarn -d "$d/classes" "$d/src/$class.java" 2>/dev/null || javac --release 8 -nowarn -d "$d/classes" "$d/src/$class.java"
  printf '#Created by Apache Maven 3.8.7\nversion=%s\ngroupId=%s\nartifactId=%s\n' "$version" "$group" "$artifact" \
    > "$d/classes/META-INF/maven/$group/$artifact/pom.properties"
  cat > "$d/classes/META-INF/maven/$group/$artifact/pom.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>$group</groupId>
  <artifactId>$artifact</artifactId>
  <version>$version</version>
  <packaging>jar</packaging>
</project>
XML
  jar --create --file "$out" -C "$d/classes" . "$@"
}
jarlib com.example greeter 1.2.3 Greeter java/greeter-1.2.3.jar
jarlib com.example.util json-tiny 3.1.4 JsonTiny "$tmp/json-tiny-3.1.4.jar"
mkdir -p "$tmp/boot/BOOT-INF/lib" && cp "$tmp/json-tiny-3.1.4.jar" "$tmp/boot/BOOT-INF/lib/"
jarlib com.example bundle 0.9.0 Bundle java/bundle.jar -C "$tmp/boot" BOOT-INF

# Ruby: the gemspecs RubyGems generated for Debian's packaged gems (apt-get download, not installed).
rm -rf gem && mkdir -p gem/specifications "$tmp/debs"
(cd "$tmp/debs" && apt-get download -q ruby-rack ruby-rack-test >/dev/null 2>&1)
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/debroot"; done
cp "$tmp"/debroot/usr/share/rubygems-integration/all/specifications/*.gemspec gem/specifications/

ls -R . | head -80 >&2
