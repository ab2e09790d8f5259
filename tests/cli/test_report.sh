#!/usr/bin/env bash
# safemap report: the whole pack from the bundled Camden data into one folder: the front page with a section per
# analysis and the numbers of the analyses it ran, report.gpkg with every layer and both surfaces, the map with
# its page, the ward plans; the same front-page findings for 1 and 2 threads; bad input refused with nothing
# written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" report "$POINTS" --wards "$WARDS" --permutations 99 --seed 1 -o "$out/r1" -j 1
assert_stderr_contains "safemap report: 10 sections"
assert_stderr_contains "wrote $out/r1; open $out/r1/index.html"
for f in index.html report.gpkg plans/plans.gpkg plans/index.html plans/E05013653.html map/index.html map/safemap_map.json; do
  assert_file "$out/r1/$f"
done
assert_no_temp_files "$out"

# the front page: a section per analysis, with the numbers the analyses give on their own
idx="$out/r1/index.html"
for t in "Burglaries per ward" "Density (KDE)" "Hot and cold wards (Gi*)" "Hot and cold cells (optimised Gi*)" \
  "Emerging hot spots" "Near repeats (Knox test, months)" "Space-time clusters (scan)" "Next month (ProMap)" \
  "How far to trust the forecast (back-test)" "Ward plans"; do
  grep -qF "<h2>$t</h2>" "$idx" || fail "the front page has no section '$t'"
done
grep -qF "6,051 burglaries in 20 wards; the most in Bloomsbury (700, 11.6%). Points outside every ward: 365." "$idx" ||
  fail "the count section's numbers"
grep -qF "ProMap's forecast for 2025-03" "$idx" || fail "the forecast is not for 2025-03"
grep -qF "Contains public sector information licensed under the Open Government Licence v3.0" "$idx" ||
  fail "no police.uk attribution"
# ... equal to the commands' own: Gi* by ward
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/h.gpkg" -q
hot=$(sql_value "$out/h.gpkg" "SELECT count(*) FROM hotspots WHERE gi_bin_fdr > 0")
cold=$(sql_value "$out/h.gpkg" "SELECT count(*) FROM hotspots WHERE gi_bin_fdr < 0")
grep -qF "20 wards (queen contiguity): $hot hot and $cold cold" "$idx" || fail "the wards' Gi* section is not hotspots' ($hot hot, $cold cold)"
assert_eq "wards_hotspots rows" "$hot" "$(sql_value "$out/r1/report.gpkg" "SELECT count(*) FROM wards_hotspots WHERE gi_bin_fdr > 0")"

# report.gpkg: every layer with its recipe, both surfaces
for l in ward_counts kde_hotspot_areas wards_hotspots cells_hotspots emerging scan_clusters promap_top promap_areas \
  near_repeat backtest; do
  n=$(sql_value "$out/r1/report.gpkg" "SELECT count(*) FROM safemap_metadata WHERE layer = '$l' AND key = 'safemap_version'")
  [ "$n" = 1 ] || fail "report.gpkg: layer $l missing or without its recipe"
done
for t in kde promap; do
  gdalinfo "GPKG:$out/r1/report.gpkg:$t" > /dev/null 2>&1 || fail "report.gpkg has no surface $t"
done
# ProMap's areas: the top cells merged, their shares summing to the top cells' share of the surface
n_top=$(sql_value "$out/r1/report.gpkg" "SELECT count(*) FROM promap_top")
n_cells=$(sql_value "$out/r1/report.gpkg" "SELECT sum(cells) FROM promap_areas")
assert_eq "every top cell in one area" "$n_top" "$n_cells"
n_areas=$(sql_value "$out/r1/report.gpkg" "SELECT count(*) FROM promap_areas")
[ "$n_areas" -lt "$n_top" ] || fail "ProMap's $n_top top cells were not merged ($n_areas areas)"
# the map: the surface, the hot-spot areas, the hot cells and ProMap's areas
for ts in kde kde_hotspot_areas hot_cold_cells promap_areas; do
  grep -q "\"name\": \"$ts\"" "$out/r1/map/safemap_map.json" || fail "the map lacks $ts"
done
# the plans
assert_eq "plans" 20 "$(sql_value "$out/r1/plans/plans.gpkg" "SELECT count(*) FROM plan_wards")"

# two threads: the same findings
assert_exit 0 "$SAFEMAP" report "$POINTS" --wards "$WARDS" --permutations 99 --seed 1 -o "$out/r2" -j 2 -q
diff <(grep -v "Made with safemap" "$out/r1/index.html") <(grep -v "Made with safemap" "$out/r2/index.html") > /dev/null ||
  fail "the front page differs between 1 and 2 threads"

# an existing folder is kept without --overwrite, replaced with it
assert_exit 1 "$SAFEMAP" report "$POINTS" --wards "$WARDS" -o "$out/r1"
assert_error_line report "exists already; nothing was written"
assert_exit 0 "$SAFEMAP" report "$POINTS" --wards "$WARDS" --permutations 9 -o "$out/r1" --overwrite -q
assert_no_temp_files "$out"
# bad input: no wards, no -o, a file where the folder goes; nothing written
clean_dir "$out"
assert_exit 1 "$SAFEMAP" report "$POINTS" -o "$out/r"
assert_stderr_contains "--wards"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" report "$POINTS" --wards "$WARDS"
assert_stderr_contains "-o/--output DIR is required"
touch "$out/afile"
assert_exit 1 "$SAFEMAP" report "$POINTS" --wards "$WARDS" -o "$out/afile" --overwrite
assert_error_line report "is not a folder"
[ "$(ls -A "$out")" = afile ] || fail "a failed report left files: $(ls -A "$out")"
finish
