#!/usr/bin/env bash
# safemap forecast on the bundled police.uk data: the rolling back-test of ProMap, KDE and last month's
# counts (hit rate and PAI at 5% coverage per month), a ProMap surface, and bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest -j 1 -o "$out/bt1.csv"
assert_stderr_contains "2023-03        157  promap         5.0%"
assert_stderr_contains "2025-02        177  last_month"
assert_stderr_contains "mean over 24 months at 5.0% coverage: ProMap hit"
assert_stderr_not_contains "warning"
[ "$(wc -l < "$out/bt1.csv")" = 73 ] || fail "want 24 months x 3 methods and a header"
head -1 "$out/bt1.csv" | grep -q "^month,incidents,method,coverage,cells,hit_rate,pai,pei$" || fail "CSV header"
# PAI = hit rate / area share, every row
awk -F, 'NR > 1 && $6 != "" { if ($7 < 1 || $6 > 1) bad++ } END { exit bad > 0 }' "$out/bt1.csv" || fail "a PAI below 1 or a hit rate above 1"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest -j 2 -o "$out/bt2.csv" -q
assert_same_bytes "$out/bt1.csv" "$out/bt2.csv"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest --coverage 0.01,0.05,0.1 --warmup 30 -o "$out/bt3.csv" -q
[ "$(wc -l < "$out/bt3.csv")" = $((6 * 3 * 3 + 1)) ] || fail "want 6 months x 3 methods x 3 coverages"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/pm.tif"
assert_stderr_contains "ProMap surface for 2025-03 (153 x 130 cells of 50 m)"
gdalinfo "$out/pm.tif" > /dev/null 2>&1 || fail "the surface does not open"
# to a GeoPackage: the surface and the top 5% of its cells (995 of 19,890) as polygons
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/pm.gpkg"
n=$(ogrinfo -q "$out/pm.gpkg" -sql "SELECT COUNT(*) AS n, MIN(rank) AS lo FROM promap_top" 2> /dev/null | sed -n 's/^ *\(n\|lo\) (.*) = //p' | tr '\n' ' ')
[ "$n" = "995 1 " ] || fail "promap_top: '$n', want '995 1 '"
gdalinfo "$out/pm.gpkg" 2> /dev/null | grep -q "Size is 153, 130" || fail "the surface is not in the GeoPackage"
clean_dir "$out"

# bad input
printf 'x,y\n529000,183000\n529100,183000\n' > "$WORKDIR/notime.csv"
assert_exit 1 "$SAFEMAP" forecast "$WORKDIR/notime.csv" --x x --y y --crs EPSG:27700 --backtest -o "$out/x.csv"
assert_error_line forecast "the incidents have no time"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --backtest --warmup 40 -o "$out/x.csv"
assert_error_line forecast "36 months of incidents: the back-test needs more than --warmup 40"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --at March -o "$out/x.tif"
assert_error_line forecast "--at 'March' is not a month"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --backtest --coverage 0,0.05 -o "$out/x.csv"
assert_error_line forecast "--coverage '0,0.05' is not a list of shares"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" -o "$out/x.csv"
assert_error_line forecast "give --backtest or --at YYYY-MM"
assert_dir_empty "$out"
finish
