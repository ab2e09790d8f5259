#!/usr/bin/env bash
# Remakes scan_R_camden.csv: the most likely cluster of the space-time permutation scan on the bundled Camden
# burglaries, computed by tests/bench/scan_R.R (the scan written in plain R: dbscan::frNN for the circles, base R
# for the windows; independent of lib/scan.c) on the cube `safemap emerging` counts (cells of a fishnet over a
# fixed extent, months). Each configuration: cell size, radius (not a distance between two cell centres), window.
#   usage: tests/golden/scan/make_golden.sh [path/to/safemap]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
sm=${1:-$root/build/cli/safemap}
extent=524000,180500,532000,187500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$here/scan_R_camden.csv"
echo "config,cell,radius,max_window,locations,radius_m,start,end,observed,expected,llr" > "$out.tmp"
for cfg in "250 550 6" "500 1100 12" "200 650 3"; do
    set -- $cfg
    "$sm" emerging "$root/data/police/camden_burglary" --grid fishnet --cell "$1" --band "$2" --extent "$extent" \
        -o "$tmp/cube.csv" --overwrite -q
    /usr/bin/Rscript "$root/tests/bench/scan_R.R" "$tmp/cube.csv" "$tmp/cube_bins.csv" "$tmp/r.csv" 524000,180500 \
        "$1" "$2" "$3" 0 1 > /dev/null
    # centre,locations,radius_m,start,end,observed,expected,llr,p -> one row, %.17g from R's 15 digits as written
    tail -n 1 "$tmp/r.csv" | tr -d '"' | awk -F, -v c="$1_$2_$3" -v a="$1" -v b="$2" -v w="$3" \
        '{ printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", c, a, b, w, $2, $3, $4, $5, $6, $7, $8 }' >> "$out.tmp"
done
mv "$out.tmp" "$out"
echo "wrote $out"
