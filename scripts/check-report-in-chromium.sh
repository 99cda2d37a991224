#!/usr/bin/env bash
# Opens an analysis HTML report in headless Chromium, checks that every figure rendered (the DOM Chromium built
# has the SVG elements), and saves a screenshot beside the report.
#   scripts/check-report-in-chromium.sh demo-output/final-analysis.html
# Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
report="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)")
dom="$("$browser" "${flags[@]}" --dump-dom "file://$report" 2>/dev/null)"
status=0
for figure in km-pfs km-os forest waterfall swimmer; do
  if grep -q "id=\"$figure\"><figcaption>[^<]*</figcaption><svg" <<<"$dom"; then echo "ok   $figure"; else echo "MISSING $figure"; status=1; fi
done
for mark in 'class="curve"' 'class="censor"' 'class="at-risk"' 'class="hr"' 'class="bar"' 'class="lane"'; do
  if grep -q "$mark" <<<"$dom"; then echo "ok   $mark"; else echo "MISSING $mark"; status=1; fi
done
"$browser" "${flags[@]}" --window-size=1200,4200 --screenshot="${report%.html}.png" "file://$report" >/dev/null 2>&1 || true
[ -f "${report%.html}.png" ] && echo "screenshot: ${report%.html}.png"
exit $status
