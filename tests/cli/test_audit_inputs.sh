#!/usr/bin/env bash
# safemap audit with unsafe-place pins, CCTV and maintenance counts per area (tests/data/audit: two streets of
# 300 m, four LSOA-like areas, two months of FixMyStreet-like counts), and their bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

D="$SRCDIR/tests/data/audit"
out="$WORKDIR/out"
mkdir -p "$out"
args=(--streets "$D/streets.geojson" --pins "$D/pins.csv" --cctv "$D/cctv.csv" --defect-areas "$D/fms"
      --defect-area-polygons "$D/areas.geojson" --defect-area-categories B19,B25,B28 --wards "$D/wards.geojson")

assert_exit 0 "$SAFEMAP" audit "${args[@]}" -j 1 -o "$out/a1.gpkg"
assert_stderr_contains "24 segments, 0.6 km of street; 5 unsafe-place pins, 4 near a street; 2 cameras covering 0.1 km; 23 maintenance reports counted per area, 18 of them on audited streets"
assert_stderr_contains "2 reports of --defect-areas under 1 area code that no polygon of --defect-area-polygons has were left out (the first: $D/fms/2019-01.csv: line 6: 'E01999999')"
assert_stderr_contains "priority 1: Alpha Street (segment 1, priority 21.2): 600.0 area reports per km a year in E01000001"
# the apportioned reports sum back to each area's total (B1's 50 left out by the categories)
sums="$(sql_value "$out/a1.gpkg" "SELECT group_concat(area_id || '=' || round(t, 9), ' ') AS v FROM (SELECT area_id, SUM(area_reports) AS t FROM audit_segments GROUP BY area_id ORDER BY area_id)")"
assert_eq "area reports per area" "E01000001=10.0 E01000002=7.0 E01000003=1.0" "$sums"
assert_eq "pins by factor on segment 1" "2 2 1 1 0" \
  "$(sql_value "$out/a1.gpkg" "SELECT pins || ' ' || pins_street_lighting || ' ' || pins_followed || ' ' || pins_abandoned_buildings || ' ' || pins_dark_alley FROM audit_segments WHERE segment_id = 1")"
assert_eq "cctv share of segment 1 (camera 30 m off the street, radius 50: [10, 90] m)" "0.6" \
  "$(sql_value "$out/a1.gpkg" "SELECT round(cctv_share, 12) FROM audit_segments WHERE segment_id = 1")"
assert_eq "ward summaries" "West 2 0.08 12.25 245.0|East 3 0.035 5.75 115.0|" \
  "$(sql_value "$out/a1.gpkg" "SELECT group_concat(ward_name || ' ' || pins || ' ' || round(cctv_km, 9) || ' ' || round(area_reports, 9) || ' ' || round(area_reports_per_km, 9) || '|', '') FROM audit_wards")"
ogrinfo -ro -so "$out/a1.gpkg" audit_segments > "$out/info.txt" 2> /dev/null
grep -q "^  pins=.*5 read, 5 pins used" "$out/info.txt" || fail "recipe item pins"
grep -q "^  cctv=.*informational: not in the priority" "$out/info.txt" || fail "recipe item cctv"
grep -q "^  defect_areas=.*months 2019-01 to 2019-02 from the file names (2 months): area_reports_per_km is per year" "$out/info.txt" ||
  fail "recipe item defect_areas"
grep -q "^  defect_areas=.*; 5 reports in 1 area with no audited street; " "$out/info.txt" || fail "areas without a street in the recipe"
# the same bytes on 1 and 2 threads
assert_exit 0 "$SAFEMAP" audit "${args[@]}" -j 1 -q -o "$out/b1.csv"
assert_exit 0 "$SAFEMAP" audit "${args[@]}" -j 2 -q -o "$out/b2.csv"
for f in b1.csv b1_wards.csv b1_priorities.csv; do assert_same_bytes "$out/$f" "$out/${f/b1/b2}"; done
# --defect-areas repeated (a file and a glob), with every category
assert_exit 0 "$SAFEMAP" audit --streets "$D/streets.geojson" --defect-areas "$D/fms/2019-01.csv" --defect-areas "$D/fms/2019-02*.csv" \
  --defect-area-polygons "$D/areas.geojson" -q -o "$out/c.gpkg"
assert_eq "every category: 68 reports on the audited streets" "68.000000" \
  "$(sql_value "$out/c.gpkg" "SELECT printf('%.6f', SUM(area_reports)) AS v FROM audit_segments")"

# bad inputs: each names the file, row, field and value; no output left behind
clean_dir "$out"
printf 'Easting,Northing,followed\n530020,180060,maybe\n' > "$WORKDIR/bad_pins.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --pins "$WORKDIR/bad_pins.csv" -o "$out/x.gpkg"
assert_error_line audit "bad_pins.csv: line 2: field 'followed' value 'maybe': a factor column holds 1/0, yes/no, true/false or y/n"
printf 'Easting,Northing,radius\n530020,180060,far\n' > "$WORKDIR/bad_cctv.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --cctv "$WORKDIR/bad_cctv.csv" -o "$out/x.gpkg"
assert_error_line audit "bad_cctv.csv: line 2: field 'radius' value 'far'"
mkdir -p "$WORKDIR/neg"
printf 'lsoa,SHEF_B_CODE,reports\nE01000001,B19,1\nE01000002,B19,-1\n' > "$WORKDIR/neg/2019-05.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --defect-areas "$WORKDIR/neg" --defect-area-polygons "$D/areas.geojson" -o "$out/x.gpkg"
assert_error_line audit "neg/2019-05.csv: line 3: field 'reports' value '-1': a count of reports is a number 0 or more"
assert_dir_empty "$out"
# options: checked before anything is read
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --pins "$D/pins.csv" --pin-radius 0 -o "$out/x.gpkg"
assert_error_line audit "--pin-radius needs metres > 0, not 0"
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --defect-areas "$D/fms" -o "$out/x.gpkg"
assert_error_line audit "--defect-areas needs --defect-area-polygons"
assert_exit 1 "$SAFEMAP" audit --streets "$D/streets.geojson" --defect-areas "$D/fms" --defect-areas "$D/fms" -o "$out/x.gpkg"
assert_stderr_contains "--defect-areas given twice"
assert_dir_empty "$out"
finish
