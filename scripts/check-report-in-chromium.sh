#!/usr/bin/env bash
# Opens an analysis report in headless Chromium as a reader would, checks what the figures must show, prints it to PDF
# (or checks the PDF beside it), and saves screenshots for a person to look at:
#   scripts/check-report-in-chromium.sh demo-output/final-analysis.html [SCREENSHOT_DIR]
# The HTML: every figure rendered (Chromium's DOM has its SVG), confidence bands, censor marks, median lines, legends,
# the "Number at risk" table, the forest plot's n / HR (95% CI) / P columns, the waterfall's reference lines and the
# swimmer's markers. The PDF (FILE.pdf beside the report if there is one, else printed here as the product prints it):
# every page has the header (study, lock, SHA-256) and footer (generation time, "Page n of N"), and no table heading
# ends a page. Screenshots: the whole page, one PNG per figure, and one PNG per PDF page, in SCREENSHOT_DIR (default:
# FILE-screenshots/ beside the report).
# Needs Debian's chromium and poppler-utils (apt-get install chromium poppler-utils), and python3.
set -euo pipefail
report="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shots="${2:-${report%.html}-screenshots}"
mkdir -p "$shots"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
command -v pdftotext >/dev/null || { echo "pdftotext is not installed (apt-get install poppler-utils)" >&2; exit 2; }
profile="$(mktemp -d)"; work="$(mktemp -d)"
trap 'rm -rf "$profile" "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile")
status=0
check() { if grep -q -- "$2" <<<"$3"; then echo "ok   $1"; else echo "MISSING $1"; status=1; fi; }

dom="$("$browser" "${flags[@]}" --dump-dom "file://$report" 2>/dev/null)"
for figure in km-pfs km-os forest-univariate waterfall swimmer; do
  check "figure $figure" "id=\"$figure\"><figcaption>[^<]*</figcaption><svg" "$dom"
done
check "Kaplan-Meier confidence band" 'class="band"' "$dom"
check "Kaplan-Meier curve" 'class="curve"' "$dom"
check "censor marks" 'class="censor"' "$dom"
check "median line" 'class="median-line"' "$dom"
check "legends" 'class="legend"' "$dom"
check "risk table title" '>Number at risk</text>' "$dom"
check "numbers at risk" 'class="at-risk"' "$dom"
check "axis label with units" '>Time (months)</text>' "$dom"
check "y-axis label" '>Progression-free survival probability</text>' "$dom"
check "forest column n" 'class="col-n"[^>]*>n</text>' "$dom"
check "forest column HR (95% CI)" 'class="col-hr"[^>]*>HR (95% CI)</text>' "$dom"
check "forest column P" 'class="col-p"[^>]*>P</text>' "$dom"
check "forest log axis label" 'Hazard ratio of [^<]*log scale</text>' "$dom"
check "waterfall bars" 'class="bar' "$dom"
check "waterfall reference lines" 'class="reference-line"' "$dom"
check "swimmer lanes" 'class="lane"' "$dom"
for marker in response progression death; do check "swimmer marker $marker" "class=\"$marker\"" "$dom"; done
if grep -q 'class="km-pfs-by-\|id="km-pfs-by-' <<<"$dom"; then check "curves by a factor with log-rank P" 'class="log-rank"' "$dom"; fi

# Screenshots: the page, then each figure alone at its own size (a person looks at these).
"$browser" "${flags[@]}" --window-size=1200,5000 --screenshot="$shots/page.png" "file://$report" >/dev/null 2>&1 || true
python3 - "$report" "$work" <<'PY' >"$work/figures.txt"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
style = re.search(r"<style>.*?</style>", html, re.S).group(0)
for m in re.finditer(r'<figure id="([^"]+)">(.*?)</figure>', html, re.S):
    height = int(re.search(r'<svg[^>]* height="(\d+)"', m.group(2)).group(1))
    open(f"{sys.argv[2]}/{m.group(1)}.html", "w", encoding="utf-8").write(
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{style}<style>body{{margin:8px}}</style></head><body>{m.group(0)}</body></html>')
    print(m.group(1), height + 60)
PY
while read -r id height; do
  "$browser" "${flags[@]}" --window-size=800,"$height" --screenshot="$shots/figure-$id.png" "file://$work/$id.html" >/dev/null 2>&1 || true
done <"$work/figures.txt"

# The PDF: the product's own (FILE.pdf beside the report), else printed with the same flags the product uses.
pdf="${report%.html}.pdf"
if [ ! -f "$pdf" ]; then
  pdf="$work/report.pdf"
  "$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$pdf" "file://$report" >/dev/null 2>&1
fi
pages="$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
echo "PDF: $pages pages ($pdf)"
for ((p = 1; p <= pages; p++)); do
  text="$(pdftotext -layout -f "$p" -l "$p" "$pdf" -)"
  grep -q "Study .* · \(soft \|hard \)\?lock\|Study .* · as of" <<<"$text" && grep -q "SHA-256 [0-9a-f]\{64\}" <<<"$text" \
    && grep -q "Generated .* UTC by NpcEcrf" <<<"$text" && grep -q "Page $p of $pages" <<<"$text" \
    && echo "ok   PDF page $p: header and footer" || { echo "MISSING PDF page $p: header or footer"; status=1; }
  # A heading alone at the foot of a page: the last text line before the footer is a table title.
  last="$(grep -v '^\s*$' <<<"$text" | grep -v "Generated .* UTC by NpcEcrf\|Page $p of" | tail -1 | sed 's/^ *//')"
  if grep -qx "$last" <(python3 -c "import re,sys; [print(re.sub(r'<[^>]+>','',h)) for h in re.findall(r'<h2>(.*?)</h2>', open(sys.argv[1]).read())]" "$report" | sed 's/&amp;/\&/g'); then
    echo "ORPHANED heading at the foot of PDF page $p: $last"; status=1
  fi
done
pdftoppm -r 60 -png "$pdf" "$shots/pdf-page" 2>/dev/null && echo "PDF pages as PNG: $shots/pdf-page-*.png"
echo "screenshots: $shots"
exit $status
