#!/usr/bin/env bash
# Whole-process benchmark of `./npc-ecrf stats cox|km` against R (read.csv + coxph / survfit) on the same CSV,
# in the same run: runs interleaved, median wall time of each, the ratio ours/R, and peak RSS per size.
# Usage: scripts/bench-stats.sh [--runs N] [--sizes "100000 1000000"] [--keep DIR] [--npc-ecrf PATH]
# (--npc-ecrf: another checkout's launcher, to measure a before and an after in one run.)
# Needs Rscript with the survival package (a tool, not a test: the suite never needs R).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=5
sizes="100000 1000000"
keep=""
ours_cli="$root/npc-ecrf"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --npc-ecrf) ours_cli="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--sizes \"100000 1000000\"] [--keep DIR] [--npc-ecrf PATH]" >&2; exit 2 ;;
  esac
done
command -v Rscript >/dev/null || { echo "bench-stats: Rscript not found (apt-get install r-base-core r-cran-survival)" >&2; exit 2; }
Rscript -e 'suppressMessages(library(survival))' >/dev/null 2>&1 || { echo "bench-stats: R package survival not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-stats: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# Build once, outside the timings (./npc-ecrf rebuilds only when a source is newer).
"$ours_cli" stats --help >/dev/null

# The data: fixed seed; whole-day times (many ties, at most 120 distinct), ~75% events, two covariates and a group.
generate() {
  Rscript -e '
    args <- commandArgs(trailingOnly = TRUE); n <- as.integer(args[1]); set.seed(20261124)
    x1 <- rnorm(n); age <- round(runif(n, 20, 80), 1); arm <- sample(c("A", "B"), n, replace = TRUE)
    hazard <- exp(0.5 * x1 + 0.01 * age - 0.3 * (arm == "B")) / 40
    time <- ceiling(rexp(n, hazard)); censor <- ceiling(runif(n, 1, 120))
    d <- data.frame(time = pmin(time, censor), status = as.integer(time <= censor), x1 = x1, age = age, arm = arm)
    write.csv(d, args[2], row.names = FALSE)' "$1" "$2"
}

# One timed run: prints "seconds rss_kb"; the command's stdout goes to $work/last.out.
timed() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/last.out" 2>"$work/last.err" \
    || { echo "bench-stats: failed: $*" >&2; cat "$work/last.err" >&2; exit 1; }
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(Rscript -e 'cat(R.version.string, "survival", as.character(packageVersion("survival")))' 2>/dev/null); dotnet $(dotnet --version)"
printf '%-8s %-4s %10s %10s %7s %12s %12s\n' rows fit "ours ms" "R ms" ratio "ours RSS MB" "R RSS MB"
for n in $sizes; do
  csv="$work/stats-$n.csv"
  generate "$n" "$csv"
  for fit in cox km; do
    if [ "$fit" = cox ]; then
      ours=("$ours_cli" stats cox --csv "$csv" --time time --event status --covariates x1,age --factor arm)
      r=(Rscript -e "suppressMessages(library(survival)); d <- read.csv('$csv'); print(coxph(Surv(time, status) ~ x1 + age + arm, data = d, ties = 'efron'))")
    else
      ours=("$ours_cli" stats km --csv "$csv" --time time --event status)
      r=(Rscript -e "suppressMessages(library(survival)); d <- read.csv('$csv'); fit <- survfit(Surv(time, status) ~ 1, data = d); print(fit); print(summary(fit))")
    fi
    : >"$work/ours.txt"; : >"$work/r.txt"
    for _ in $(seq "$runs"); do   # interleaved, so both see the same load
      timed "${ours[@]}" >>"$work/ours.txt"
      timed "${r[@]}" >>"$work/r.txt"
    done
    ours_ms=$(cut -d' ' -f1 "$work/ours.txt" | median)
    r_ms=$(cut -d' ' -f1 "$work/r.txt" | median)
    ours_rss=$(cut -d' ' -f2 "$work/ours.txt" | median)
    r_rss=$(cut -d' ' -f2 "$work/r.txt" | median)
    printf '%-8s %-4s %10.0f %10.0f %7.3f %12.0f %12.0f\n' "$n" "$fit" "$ours_ms" "$r_ms" \
      "$(echo "$ours_ms / $r_ms" | bc -l)" "$(echo "$ours_rss / 1024" | bc -l)" "$(echo "$r_rss / 1024" | bc -l)"
  done
done
echo "($runs runs each, interleaved; medians of whole-process wall time and of peak RSS from /usr/bin/time -v;"
echo " load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
