#!/usr/bin/env bash
# safemap emerging on the bundled police.uk data (end to end, output opened
# with ogrinfo), and each of its bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
# wards by month: 20 wards x 36 months; the layers open in ogrinfo
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$out/em.gpkg"
assert_stderr_contains "20 wards with an incident (of 20), 36 steps of a month from 2022-03 to 2025-02"
assert_stderr_contains "20 locations:"
n=$(ogrinfo -q "$out/em.gpkg" -sql "SELECT COUNT(*) AS n FROM emerging" 2> /dev/null | sed -n 's/^ *n (Integer) = //p')
[ "$n" = 20 ] || fail "emerging has '$n' wards, want 20"
n=$(ogrinfo -q "$out/em.gpkg" -sql "SELECT COUNT(*) AS n, SUM(count) AS s FROM emerging_bins" 2> /dev/null | sed -n 's/^ *\(n\|s\) (.*) = //p' | tr '\n' ' ')
[ "$n" = "720 6051 " ] || fail "emerging_bins: rows and incidents '$n', want '720 6051 '"
ogrinfo -so "$out/em.gpkg" emerging 2> /dev/null | grep -q "category: String" || fail "no category field"
# ArcMap's wording: sporadic hot spots without a hot final step
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --rules arcmap -o "$out/em_arcmap.gpkg"
assert_stderr_contains "4 Sporadic Hot Spot"
# cells by quarter to CSV (two files); the same bytes for 1 and 2 threads
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 --band 400 --bin quarter -j 1 -o "$out/c1.csv"
assert_stderr_contains "290 cells with an incident (of 346), 13 steps of a quarter from 2022-01 to 2025-01"
assert_stderr_contains "wrote $out/c1.csv and $out/c1_bins.csv"
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 --band 400 --bin quarter -j 2 -o "$out/c2.csv" -q
assert_same_bytes "$out/c1.csv" "$out/c2.csv"
assert_same_bytes "$out/c1_bins.csv" "$out/c2_bins.csv"
head -1 "$out/c1.csv" | grep -q "^unit_id,row,col,count,category,category_code,hot_steps,cold_steps,percent_hot" || fail "CSV header"
[ "$(wc -l < "$out/c1_bins.csv")" = $((290 * 13 + 1)) ] || fail "bins CSV rows"
# permutations: seeded, the same bytes for 1 and 2 threads, a gi_p_sim column; only with the whole cube
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --permutations 99 --seed 3 -j 1 -o "$out/p1.csv" -q
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --permutations 99 --seed 3 -j 2 -o "$out/p2.csv" -q
assert_same_bytes "$out/p1_bins.csv" "$out/p2_bins.csv"
head -1 "$out/p1_bins.csv" | grep -q "gi_bin_fdr,gi_p_sim$" || fail "no gi_p_sim column"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --permutations 99 --global-window step -o "$out/x.csv"
assert_error_line emerging "--permutations draw from the whole cube"
# --band auto: ArcGIS's optimised band on the cells' totals, printed and kept in the layer's metadata
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 --band auto -o "$out/a.gpkg"
assert_stderr_contains "safemap emerging: band auto: incremental spatial autocorrelation over 10 bands from"
assert_stderr_contains "safemap emerging: band auto: 1045.12 m: the first peak of incremental spatial autocorrelation (global Moran's I z 14.46)"
ogrinfo -so "$out/a.gpkg" emerging 2> /dev/null | grep -q "weights=binary distance band 1045.12 m between cell centres, each its own neighbour; --band auto: 1045.12 m: the first peak" ||
    fail "the auto band is not in the metadata"
clean_dir "$out"

# bad input: fewer than 10 steps
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --bin year -o "$out/x.gpkg"
assert_error_line emerging "4 time steps of a year (2022-01 to 2025-01): emerging hot spot analysis needs at least 10"
# month-only times (police.uk) asked for weekly steps
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --bin week -o "$out/x.gpkg"
assert_error_line emerging "times are months only (as police.uk publishes them): week steps need dates"
# a month with no incident anywhere (a missing file)
mkdir -p "$WORKDIR/gap"
cp "$POINTS"/*.csv "$WORKDIR/gap/"
rm "$WORKDIR/gap/2023-06-metropolitan-street-burglary-camden.csv"
assert_exit 1 "$SAFEMAP" emerging "$WORKDIR/gap" --wards "$WARDS" -o "$out/x.gpkg"
assert_error_line emerging "1 of the 36 time steps from 2022-03 to 2025-02 have no incident anywhere: 2023-06"
# no time column; a --time column that is not there; every time unparseable
printf 'x,y\n529000,183000\n529100,183000\n529200,183000\n' > "$WORKDIR/notime.csv"
assert_exit 1 "$SAFEMAP" emerging "$WORKDIR/notime.csv" --x x --y y --crs EPSG:27700 --grid fishnet --cell 100 --band 150 -o "$out/x.gpkg"
assert_error_line emerging "the incidents have no time: a space-time cube needs a time column (--time COL)"
printf 'x,y,when\n529000,183000,last week\n529100,183000,yesterday\n' > "$WORKDIR/badtime.csv"
assert_exit 1 "$SAFEMAP" emerging "$WORKDIR/badtime.csv" --x x --y y --crs EPSG:27700 --time nosuch --grid fishnet --cell 100 --band 150 -o "$out/x.gpkg"
assert_stderr_contains "no column 'nosuch' (given with --time)"
assert_exit 1 "$SAFEMAP" emerging "$WORKDIR/badtime.csv" --x x --y y --crs EPSG:27700 --time when --grid fishnet --cell 100 --band 150 -o "$out/x.gpkg"
assert_stderr_contains "badtime.csv:3: field 'when' value 'yesterday' is not a date"
assert_error_line emerging "no incidents: 2 rows read, every one skipped"
# options
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --bin fortnight -o "$out/x.gpkg"
assert_error_line emerging "--bin 'fortnight' is not month"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --rules desktop -o "$out/x.gpkg"
assert_error_line emerging "--rules 'desktop' is not pro or arcmap"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 -o "$out/x.gpkg"
assert_error_line emerging "--band is required"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 --band 100 -o "$out/x.gpkg"
assert_error_line emerging "no location has a neighbour"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --grid fishnet --cell 250 --band near -o "$out/x.gpkg"
assert_error_line emerging "--band needs metres > 0 or auto, not 'near'"
assert_dir_empty "$out"
finish
