#!/usr/bin/env bash
# Rebuilds examples/db/rensa.db, the example vulnerability database that ships in the repository, from the
# advisory subset in examples/advisories (see examples/advisories/SOURCE.md):
#
#   rensa db import examples/advisories --db <fresh temporary directory>
#
# then moves the file into examples/db/. The import goes into an empty directory on purpose: importing into
# the existing examples/db would merge into the old file and keep records removed from examples/advisories.
# Run it after changing examples/advisories or the database format (crates/rensa-vulndb/src/db.rs, FORMAT);
# crates/rensa-cli/tests/example.rs fails while the committed file is stale.
# RENSA=/path/to/rensa uses that binary instead of building target/release/rensa.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=build-example-db
source scripts/lib/common.sh

if [ -z "${RENSA:-}" ]; then
  need cargo
  log "building rensa (release)"
  cargo build --release --quiet -p rensa-cli >&2 || die "cargo build failed"
  RENSA="$PWD/target/release/rensa"
fi
[ -x "$RENSA" ] || die "$RENSA is not an executable"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$RENSA" db import examples/advisories --db "$work/db" >&2
"$RENSA" db status --db "$work/db" >&2
ls "$work/db" | grep -qvx rensa.db && die "the import left files other than rensa.db in $work/db: $(ls "$work/db")"
mkdir -p examples/db
# Same-directory rename, so a reader never sees a half-written file.
cp "$work/db/rensa.db" examples/db/.rensa.db.new
mv examples/db/.rensa.db.new examples/db/rensa.db
log "wrote examples/db/rensa.db ($(wc -c < examples/db/rensa.db) bytes)"
