#!/usr/bin/env bash
# `safemap count` on the bundled Camden data (36 police.uk CSVs, 6,416 rows)
# and the 20 Camden wards of 2024:
#  - exit 0, the summary line says 6,416 read, 6,051 in 20 areas, 365 outside
#  - the GeoPackage holds ward_counts, ward_counts_by_month, safemap_metadata, layer_styles
#  - ward totals sum to 6,051; the by-month table is complete (20 wards x 36
#    months x 1 category, zeros included) and adds up to the ward totals
#  - per_km2 = total / area_km2; no temporary file is left.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
g="$out/camden.gpkg"

assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$g"
assert_stderr_contains "6,416 rows read, 6,416 points kept, 6,051 in 20 areas, 365 outside every area"
assert_stderr_contains "wrote"
assert_file "$g"
assert_no_temp_files "$out"
[ "$(find "$out" -mindepth 1 | wc -l)" -eq 1 ] || fail "expected only camden.gpkg in $out, found: $(ls -A "$out" | tr '\n' ' ')"

layers="$(ogrinfo -ro -q "$g" | sed -n 's/^[0-9]*: \([A-Za-z_]*\).*/\1/p' | sort | tr '\n' ' ')"
assert_eq "layers of the GeoPackage" "layer_styles safemap_metadata ward_counts ward_counts_by_month " "$layers"

assert_eq "ward_counts rows" "20" "$(sql_value "$g" "SELECT count(*) FROM ward_counts")"
assert_eq "sum of ward totals" "6051" "$(sql_value "$g" "SELECT sum(total) FROM ward_counts")"
assert_eq "burglary column equals total" "0" "$(sql_value "$g" "SELECT count(*) FROM ward_counts WHERE burglary <> total")"
assert_eq "distinct ward ids" "20" "$(sql_value "$g" "SELECT count(DISTINCT area_id) FROM ward_counts")"
assert_eq "ward ids are the WD24CD codes" "20" "$(sql_value "$g" "SELECT count(*) FROM ward_counts WHERE area_id LIKE 'E050136%'")"
assert_eq "Bloomsbury" "700" "$(sql_value "$g" "SELECT total FROM ward_counts WHERE area_name = 'Bloomsbury'")"
assert_eq "per_km2 = total / area_km2" "0" \
  "$(sql_value "$g" "SELECT count(*) FROM ward_counts WHERE abs(per_km2 - total / area_km2) > 1e-9 * per_km2 OR area_km2 <= 0")"
assert_eq "geometry type" "MULTIPOLYGON" "$(sql_value "$g" "SELECT DISTINCT upper(geometry_type_name) FROM gpkg_geometry_columns WHERE table_name = 'ward_counts'")"
assert_eq "CRS of ward_counts" "27700" "$(sql_value "$g" "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'ward_counts'")"
# The areas' km2 equal the wards' own polygon areas (EPSG:27700 metres).
assert_eq "area_km2 matches the ward polygons" "0" "$(
  ogrinfo -ro -q "$g" -dialect SQLite -sql "SELECT count(*) AS n FROM ward_counts WHERE abs(area_km2 - ST_Area(geom) / 1e6) > 1e-6" |
  sed -n 's/^  n (Integer) = //p')"

m="ward_counts_by_month"
assert_eq "by-month rows (20 x 36 x 1)" "720" "$(sql_value "$g" "SELECT count(*) FROM $m")"
assert_eq "by-month sum" "6051" "$(sql_value "$g" "SELECT sum(count) FROM $m")"
assert_eq "months" "36" "$(sql_value "$g" "SELECT count(DISTINCT month) FROM $m")"
assert_eq "first month" "2022-03" "$(sql_value "$g" "SELECT min(month) FROM $m")"
assert_eq "last month" "2025-02" "$(sql_value "$g" "SELECT max(month) FROM $m")"
assert_eq "category" "Burglary" "$(sql_value "$g" "SELECT group_concat(DISTINCT category) FROM $m")"
assert_eq "by-month totals equal ward totals" "0" "$(sql_value "$g" \
  "SELECT count(*) FROM ward_counts w WHERE w.total <> (SELECT sum(count) FROM $m b WHERE b.area_id = w.area_id)")"

md() { sql_value "$g" "SELECT value FROM safemap_metadata WHERE layer = 'ward_counts' AND key = '$1'"; }
assert_eq "metadata points" "6416" "$(md points)"
assert_eq "metadata points_in_areas" "6051" "$(md points_in_areas)"
assert_eq "metadata points_outside_areas" "365" "$(md points_outside_areas)"
assert_eq "metadata rows_skipped" "0" "$(md rows_skipped)"
assert_eq "metadata crs" "EPSG:27700" "$(md crs)"
assert_eq "metadata safemap_version" "$(head -n 1 "$SRCDIR/VERSION" | tr -d '[:space:]')" "$(md safemap_version)"

# `info --wards` reports the same per-ward numbers and the 365 outside.
assert_exit 0 "$SAFEMAP" info "$POINTS" --wards "$WARDS"
assert_stdout_matches "Rows read: 6,416 +points kept: 6,416"
assert_stdout_matches "E05013653 +Bloomsbury +700\$"
assert_stdout_matches "\(outside every area\) +365\$"

# -q: nothing on stderr, same output.
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/quiet.gpkg" -q
assert_stderr_empty
assert_eq "sum of ward totals (-q)" "6051" "$(sql_value "$out/quiet.gpkg" "SELECT sum(total) FROM ward_counts")"

finish
