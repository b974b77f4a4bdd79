#!/usr/bin/env bash
# Installs the Debian 12 packages Sokei builds, tests and runs with (docs/architecture.md, "Operations").
# Idempotent and quiet: runs `apt-get update` only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  golang-github-gogo-googleapis-dev grpc-proto libgoogle-common-protos-java nlohmann-json3-dev
  libcurl4-openssl-dev libcli11-dev
  libabsl-dev libsqlite3-dev libicu-dev libssl-dev openssl
  libhiredis-dev redis-server libpq-dev postgresql-15 libxlsxwriter-dev sqlite3
  libminizip-dev libexpat1-dev libglpk-dev libbrotli-dev
  libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 clang-format
  python3-yaml python3-kubernetes
  # promtool, which checks every process's metrics exposition in the tests.
  prometheus
  # The web console's browser tests: Debian's Chromium (driven by Playwright, never downloaded)
  # and Japanese fonts so screens render as staff see them.
  chromium fonts-noto-cjk
  # The 評価結果報告書 as PDF is printed by the same Chromium; the tests read it back with poppler.
  poppler-utils
)
# kubectl (for `kubectl kustomize`): Debian's kubernetes-client, unless a kubectl is already there
# (its package would conflict with another kubectl package).
if ! command -v kubectl >/dev/null 2>&1; then
  PACKAGES+=(kubernetes-client)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
