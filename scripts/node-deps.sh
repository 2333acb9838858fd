#!/usr/bin/env bash
# Node packages the tests use (package.json): axe-core, injected into headless Chromium to
# check the web pages for accessibility. Skipped, with a note, where npm is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f node_modules/axe-core/axe.min.js ] && [ node_modules/axe-core -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: the accessibility checks (axe-core) will be skipped." >&2
  exit 0
fi
echo "Installing axe-core for the accessibility checks ..." >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
