#!/usr/bin/env bash
# The most likely cluster of safemap scan on the bundled Camden burglaries (fishnets over a fixed extent, months;
# three cell sizes, radii and windows) equals the one found by a plain R implementation of the same scan
# (tests/golden/scan/make_golden.sh runs tests/bench/scan_R.R): the same number of cells, radius, months and observed
# count; expected and LLR to 1e-9 relative (R writes 15 digits).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

gold="$SRCDIR/tests/golden/scan/scan_R_camden.csv"
while IFS=, read -r config cell radius win locations rad start end observed expected llr; do
  [ "$config" = config ] && continue
  assert_exit 0 "$SAFEMAP" scan "$POINTS" --grid fishnet --cell "$cell" --extent 524000,180500,532000,187500 \
    --max-radius "$radius" --max-window "$win" --permutations 9 --seed 1 -o "$WORKDIR/$config.csv" -q
  # rank,centre,centre_x,centre_y,radius_m,locations,start,end,observed,expected,relative_risk,llr,p
  res=$(awk -F, -v L="$locations" -v R="$rad" -v s="$start" -v e="$end" -v o="$observed" -v x="$expected" -v g="$llr" '
    NR == 2 {
      d1 = ($5 - R) / (R + 1); d2 = ($10 - x) / x; d3 = ($12 - g) / g
      ok = $6 == L && $7 == s && $8 == e && $9 == o && d1 * d1 < 1e-18 && d2 * d2 < 1e-18 && d3 * d3 < 1e-18
      printf "%s %s cells, %s to %s, %s observed, expected %s (R %s), LLR %s (R %s)", ok ? "same" : "DIFFERENT", $6, $7, $8, $9, $10, x, $12, g
    }' "$WORKDIR/$config.csv")
  note "$config: $res"
  case "$res" in same*) ;; *) fail "$config: $res" ;; esac
done < "$gold"
finish
