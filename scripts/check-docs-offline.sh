#!/usr/bin/env bash
# Opens the API reference of a running server in headless Chromium with a network log, and fails if the page asked any
# host but the server for anything (Chromium's own update and account pings are not the page's and are ignored).
# Usage: scripts/check-docs-offline.sh [http://127.0.0.1:5080]
set -euo pipefail
base="${1:-http://127.0.0.1:5080}"
log="$(mktemp)"
chromium --headless=new --no-sandbox --disable-gpu --virtual-time-budget=8000 --log-net-log="$log" --dump-dom "$base/docs/" >/dev/null 2>&1
host="$(echo "$base" | sed -E 's#^https?://([^/]+).*#\1#')"
outside="$(grep -o '"url":"[^"]*"' "$log" | sed 's/"url":"//; s/"$//' | grep -v "$host" \
  | grep -Ev '(google|googleapis|gvt1)\.com' | sort -u || true)"
rm -f "$log"
if [ -n "$outside" ]; then echo "The reference requested outside hosts:"; echo "$outside"; exit 1; fi
echo "The reference at $base/docs loaded nothing from outside $host."
