#!/usr/bin/env bash
# System packages the tests use: Debian's chromium for the web chat test. The offline voice
# needs none (the espeakng-loader wheel ships libespeak-ng and its Dutch data).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test ..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing: the browser test will be skipped (apt-get install chromium)." >&2
fi
