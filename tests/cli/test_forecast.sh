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
head -1 "$out/bt1.csv" | grep -q "^month,incidents,method,coverage,cells,area_share,hits,hit_rate,pai,pei$" || fail "CSV header"
# PAI = hit rate / area share, every row
awk -F, 'NR > 1 && $8 != "" { d = $9 - $8 / $6; e = $8 - $7 / $2; if ($9 < 1 || $8 > 1 || d * d > 1e-20 || e * e > 1e-28) bad++ } END { exit bad > 0 }' "$out/bt1.csv" ||
    fail "PAI = hit rate / area share >= 1, hit rate = hits / incidents <= 1"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest -j 2 -o "$out/bt2.csv" -q
assert_same_bytes "$out/bt1.csv" "$out/bt2.csv"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest --coverage 0.01,0.05,0.1 --warmup 30 -o "$out/bt3.csv" -q
[ "$(wc -l < "$out/bt3.csv")" = $((6 * 3 * 3 + 1)) ] || fail "want 6 months x 3 methods x 3 coverages"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/pm.tif"
assert_stderr_contains "promap surface for 2025-03 (153 x 130 cells of 50 m)"
gdalinfo "$out/pm.tif" > /dev/null 2>&1 || fail "the surface does not open"
# to a GeoPackage: the surface and the top 5% of its cells (995 of 19,890) as polygons
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/pm.gpkg"
n=$(ogrinfo -q "$out/pm.gpkg" -sql "SELECT COUNT(*) AS n, MIN(rank) AS lo FROM promap_top" 2> /dev/null | sed -n 's/^ *\(n\|lo\) (.*) = //p' | tr '\n' ' ')
[ "$n" = "995 1 " ] || fail "promap_top: '$n', want '995 1 '"
gdalinfo "$out/pm.gpkg" 2> /dev/null | grep -q "Size is 153, 130" || fail "the surface is not in the GeoPackage"
# a month that has happened: the KDE surface for February 2025, its top cells and its evaluation; the same figures
# as the back-test's row for that month and method
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-02 --method kde -o "$out/kde.gpkg"
assert_stderr_contains "kde surface for 2025-02 (153 x 130 cells of 50 m) from the incidents before it, scored against its incidents"
want=$(grep "^2025-02,177,kde,0.05," "$out/bt1.csv")
got=$(ogr2ogr -f CSV /vsistdout/ "$out/kde.gpkg" evaluation 2> /dev/null | tail -n 1 | tr -d '"')
[ "$got" = "$want" ] || fail "evaluation '$got', want the back-test's '$want'"
n=$(ogrinfo -q "$out/kde.gpkg" -sql "SELECT COUNT(*) AS n FROM kde_top" 2> /dev/null | sed -n 's/^ *n (.*) = //p')
[ "$n" = 995 ] || fail "kde_top: $n cells, want 995"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 --method last-month -o "$out/last.tif" -q
gdalinfo -stats "$out/last.tif" 2> /dev/null | grep -q "STATISTICS_MAXIMUM=" || fail "last-month surface"
# any surface scored against a month: a KDE from 'safemap kde' (nodata outside the wards, so 12 of the month's
# 177 incidents are outside the study area), as a curve of 100 coverages
assert_exit 0 "$SAFEMAP" kde "$POINTS" --wards "$WARDS" --from 2024-02 --to 2025-01 --cell 50 --bandwidth 250 -o "$out/k.tif" -q
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --evaluate "$out/k.tif" --at 2025-02 --coverage curve -o "$out/curve.csv"
assert_stderr_contains "2025-02        165  surface      100.0%  100.0%    1.00"
assert_stderr_contains "12 of the 177 incidents of 2025-02 fall outside the surface or on nodata cells: not counted"
[ "$(wc -l < "$out/curve.csv")" = 101 ] || fail "curve: want 100 coverages and a header"
awk -F, 'NR > 2 && ($8 < prev || $4 != (NR - 1) / 100) { bad = 1 } { prev = $8 } END { exit bad }' "$out/curve.csv" ||
    fail "the curve's hit rate must not fall as the coverage grows by 1%"
clean_dir "$out"

# weekly steps on dated incidents: 30 weeks from Monday 2024-01-01, half of each week's 40 incidents in one 100 m
# square (a hot spot that lasts), the rest spread over 4 km
awk 'BEGIN { srand(7); print "x,y,date"
  for (w = 0; w < 30; w++) for (i = 0; i < 40; i++) {
    d = w * 7 + int(rand() * 7); t = 1704067200 + d * 86400
    if (i < 20) { x = 530000 + rand() * 100; y = 182000 + rand() * 100 } else { x = 528000 + rand() * 4000; y = 180000 + rand() * 4000 }
    printf "%.1f,%.1f,%s\n", x, y, strftime("%Y-%m-%d", t, 1) } }' > "$WORKDIR/weekly.csv"
assert_exit 0 "$SAFEMAP" forecast "$WORKDIR/weekly.csv" --x x --y y --crs EPSG:27700 --time date --bin week --backtest \
    --warmup 20 -o "$out/wk.csv"
assert_stderr_contains "2024-05-20        40  promap         5.0%"
assert_stderr_contains "safemap forecast: mean over 10 weeks at 5.0% coverage: ProMap hit"
head -1 "$out/wk.csv" | grep -q "^week,incidents,method,coverage," || fail "weekly table header"
[ "$(wc -l < "$out/wk.csv")" = $((10 * 3 + 1)) ] || fail "want 10 weeks x 3 methods and a header"
awk -F, 'NR > 1 && $3 == "promap" && $8 < 0.45 { bad = 1 } END { exit bad }' "$out/wk.csv" ||
    fail "ProMap should flag the lasting hot spot (half of each week) in its top 5%"
assert_exit 0 "$SAFEMAP" forecast "$WORKDIR/weekly.csv" --x x --y y --crs EPSG:27700 --time date --bin week --at 2024-07-24 \
    --method last-week -o "$out/wk.tif"
assert_stderr_contains "last_week surface for 2024-07-22"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --bin week --backtest -o "$out/x.csv"
assert_error_line forecast "--bin week needs dates, but the incidents' times are months only"
assert_exit 1 "$SAFEMAP" forecast "$WORKDIR/weekly.csv" --x x --y y --crs EPSG:27700 --time date --bin week --at 2024-07 -o "$out/x.tif"
assert_error_line forecast "--at '2024-07' is not a date (YYYY-MM-DD): the week holding it"
assert_exit 1 "$SAFEMAP" forecast "$WORKDIR/weekly.csv" --x x --y y --crs EPSG:27700 --time date --bin week --kde-months 3 --backtest
assert_error_line forecast "--kde-months is for monthly steps: with --bin week give --kde-weeks"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --bin quarter --backtest
assert_error_line forecast "--bin 'quarter': forecasting steps are month or week"
clean_dir "$out"

# bad input
printf 'x,y\n529000,183000\n529100,183000\n' > "$WORKDIR/notime.csv"
assert_exit 1 "$SAFEMAP" forecast "$WORKDIR/notime.csv" --x x --y y --crs EPSG:27700 --backtest -o "$out/x.csv"
assert_error_line forecast "the incidents have no time"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --backtest --warmup 40 -o "$out/x.csv"
assert_error_line forecast "36 months of incidents: the back-test needs more than --warmup 40"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --at 2030-01 -o "$out/x.tif"
assert_error_line forecast "no incident in the 2 months before 2030-01, so the promap surface would be empty (the incidents run from 2022-03 to 2025-02)"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --at 2022-03 --method kde -o "$out/x.tif"
assert_error_line forecast "no incident in the 12 months before 2022-03, so the kde surface would be empty"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --at March -o "$out/x.tif"
assert_error_line forecast "--at 'March' is not a month"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --backtest --coverage 0,0.05 -o "$out/x.csv"
assert_error_line forecast "--coverage '0,0.05' is not a list of shares"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" -o "$out/x.csv"
assert_error_line forecast "give --backtest, --at YYYY-MM, or --evaluate SURFACE --at YYYY-MM"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --at 2025-01 --method hunch -o "$out/x.tif"
assert_error_line forecast "unknown --method 'hunch' (promap, kde, last-month)"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --backtest --at 2025-01 -o "$out/x.csv"
assert_error_line forecast "--backtest scores every month: it takes no --at or --evaluate"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --evaluate "$WORKDIR/none.tif" --at 2025-01
assert_error_line forecast "none.tif: not a raster GDAL can open"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --cell 100 --bandwidth 300 -o "$WORKDIR/k.tif" -q
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --evaluate "$WORKDIR/k.tif" --at 2026-01 -o "$out/x.csv"
assert_error_line forecast "no incident in 2026-01 to score"
gdalwarp -q -t_srs EPSG:3857 "$WORKDIR/k.tif" "$WORKDIR/k3857.tif" > /dev/null 2>&1 || fail "gdalwarp"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --evaluate "$WORKDIR/k3857.tif" --at 2025-01 -o "$out/x.csv"
assert_error_line forecast "the incidents are in EPSG:27700 but the surface in EPSG:3857"
assert_dir_empty "$out"
finish
