#!/usr/bin/env bash
# System packages the tests use: Debian's chromium for the web chat tests, and the colour
# emoji font, without which Chromium draws boxes where learners see pictures (the guides'
# screenshots in docs/). The offline voice needs none (the espeakng-loader wheel ships
# libespeak-ng and its Dutch data).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's ${missing[*]} for the browser tests ..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing ${missing[*]}: browser tests are skipped, emoji show as boxes." >&2
fi
