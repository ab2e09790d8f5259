#!/usr/bin/env bash
# Space-time Gi* of safemap emerging (Camden wards x 36 months, queen contiguity,
# time lags 0, 1 and 2; global windows cube, step, neighbourhood) equals spdep localG on the explicit space-time
# neighbour lists (tests/golden/emerging/spdep_spacetime.R) to 1e-9, bin by bin.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

gold="$SRCDIR/tests/golden/emerging/spdep_spacetime.csv"
col=4
# golden columns 4-8: lag 0, 1, 2 (whole cube), each step alone, lag 1 with the neighbourhood's steps
runs=("--time-lag 0" "--time-lag 1" "--time-lag 2" "--global-window step" "--global-window neighbourhood --time-lag 1")
for k in 0 1 2 3 4; do
  # shellcheck disable=SC2086
  assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" ${runs[$k]} -o "$WORKDIR/k$k.csv" -q
  # location,step,count,gi_z,... against area_id,step,count,gi_z_k0,gi_z_k1,gi_z_k2
  res=$(awk -F, -v c=$col 'NR == FNR { if (FNR > 1) { z[$1 "," $2] = $c; n[$1 "," $2] = $3 } next }
    FNR > 1 { key = $1 "," $2; if (!(key in z)) { print "missing " key; exit }
              if ($3 != n[key]) { print "count " key " " $3 " vs " n[key]; exit }
              d = $4 - z[key]; if (d < 0) d = -d; r = d / (1 + (z[key] < 0 ? -z[key] : z[key]))
              if (r > worst) worst = r; m++ }
    END { printf "%d %.3g\n", m, worst }' "$gold" "$WORKDIR/k${k}_bins.csv")
  note "${runs[$k]}: bins compared and worst relative difference: $res"
  set -- $res
  [ "$1" = 720 ] || fail "${runs[$k]}: $res"
  awk -v r="$2" 'BEGIN { exit !(r <= 1e-9) }' || fail "${runs[$k]}: worst difference $2 > 1e-9"
  col=$((col + 1))
done
finish
