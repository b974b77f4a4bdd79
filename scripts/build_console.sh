#!/usr/bin/env bash
# Builds the web console (web/dist) against the gateway's own REST contract: the gateway binary
# prints its OpenAPI document, openapi-typescript turns it into the console's API types, and the
# TypeScript build fails if a screen uses a route or field the contract no longer has.
# usage: scripts/build_console.sh GATEWAY_BINARY
set -euo pipefail
gateway=$(realpath "$1")
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
  echo "build_console: npm is missing (Node.js 20 or later is needed for the console)" >&2
  exit 1
fi
ASAN_OPTIONS=detect_leaks=0 "$gateway" --openapi >openapi.json.new
mv openapi.json.new openapi.json
# npm ci only when the lock file changed since the last install (it is offline-safe but slow).
stamp=node_modules/.sokei-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
npm run --silent gen:api >/dev/null
npm run --silent build >/dev/null
echo "console built: web/dist ($(du -sh dist | cut -f1))"
