#!/usr/bin/env bash
# Compares rensa's secret scanner with Trivy 0.59.1's (`trivy fs --scanners secret`, offline) on a tree:
#   scripts/compare-trivy-secrets.sh [DIR]
# DIR defaults to the planted tree crates/rensa-checks/tests/fixtures/secret/tree (fake credentials and
# decoys). It prints every Trivy finding (path, line, rule) that rensa does not make, marking the documented
# deliberate differences, then the findings rensa makes that Trivy does not (for information).
# Exit status: 0 when rensa makes every Trivy finding (up to documented differences), 1 when it misses some,
# 2 when something could not run. The same comparison runs as a test in crates/rensa-checks/tests/secret.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=compare-trivy-secrets
source scripts/lib/common.sh
trap 'exit 2' ERR

need cargo python3
DIR=$(cd "${1:-crates/rensa-checks/tests/fixtures/secret/tree}" && pwd)
TRIVY=$(ensure_trivy)
if [ -z "${RENSA_SECRETS_BIN:-}" ]; then
  log "building the secrets example (release)"
  cargo build --release --quiet -p rensa-checks --example secrets >&2 || die "cargo build -p rensa-checks --example secrets failed"
  RENSA_SECRETS_BIN="$PWD/target/release/examples/secrets"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "trivy fs --scanners secret $DIR"
(cd "$DIR" && TRIVY_CACHE_DIR="$work/cache" "$TRIVY" fs --scanners secret --offline-scan --skip-db-update \
   --skip-check-update --format json --quiet --output "$work/trivy.json" .) || die "trivy failed on $DIR"
log "rensa secrets $DIR"
"$RENSA_SECRETS_BIN" "$DIR" > "$work/rensa.json" || die "the secrets example failed on $DIR"

python3 - "$work/trivy.json" "$work/rensa.json" <<'PY'
import json, sys
# Trivy's rule ids and the rensa rules that cover them.
RULES = {
    "age-secret-key": "secret-age-key", "aws-access-key-id": "secret-aws-access-key",
    "aws-secret-access-key": "secret-aws-secret-key", "gcp-service-account": "secret-gcp-service-account",
    "github-pat": "secret-github-token", "github-oauth": "secret-github-token", "github-app-token": "secret-github-token",
    "github-refresh-token": "secret-github-token", "github-fine-grained-pat": "secret-github-token",
    "gitlab-pat": "secret-gitlab-token", "hugging-face-access-token": "secret-huggingface-token",
    "jwt-token": "secret-jwt", "private-key": "secret-private-key", "pypi-upload-token": "secret-pypi-token",
    "sendgrid-api-token": "secret-sendgrid-key", "slack-access-token": "secret-slack-token",
    "slack-web-hook": "secret-slack-webhook", "stripe-secret-token": "secret-stripe-key",
    "twilio-api-key": "secret-twilio-key", "npm-access-token": "secret-npm-token",
}
# Deliberate differences on the planted tree: Trivy reports Slack's documented example webhook
# (T00000000/B00000000/XXXX...), which rensa treats as a placeholder.
KNOWN = {("etc/app/decoys.conf", 11, "slack-web-hook")}
trivy = json.load(open(sys.argv[1]))
ours = {(h["path"], h["line"], h["rule"]) for h in json.load(open(sys.argv[2]))}
theirs = {(r["Target"], s["StartLine"], s["RuleID"]) for r in trivy.get("Results") or [] for s in r.get("Secrets") or []}
missed = 0
print(f"Trivy: {len(theirs)} findings; rensa: {len(ours)} findings")
for path, line, rule in sorted(theirs):
    mapped = RULES.get(rule)
    if any(p == path and l == line and (mapped is None or r == mapped) for p, l, r in ours):
        continue
    if (path, line, rule) in KNOWN:
        print(f"  Trivy only (documented decoy): {path}:{line} {rule}")
    else:
        missed += 1
        print(f"  MISSED by rensa: {path}:{line} {rule}")
for path, line, rule in sorted(ours):
    if not any(p == path and l == line for p, l, _ in theirs):
        print(f"  rensa only: {path}:{line} {rule}")
print("OK: rensa makes every Trivy finding" if not missed else f"FAIL: rensa misses {missed} Trivy findings")
sys.exit(1 if missed else 0)
PY
