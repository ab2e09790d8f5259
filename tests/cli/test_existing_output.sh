#!/usr/bin/env bash
# An existing output is not replaced without --overwrite: exit 1, a message
# naming it, and the file unchanged byte for byte. With --overwrite the run
# succeeds and replaces it. For -o X.csv the second file X_by_month.csv is
# protected the same way, and neither file is written when either exists.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
printf 'not a geopackage: precious data\n' >"$out/out.gpkg"
cp "$out/out.gpkg" "$WORKDIR/before.gpkg"

assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "out.gpkg"
assert_stderr_contains "--overwrite"
assert_same_bytes "$WORKDIR/before.gpkg" "$out/out.gpkg"
assert_no_temp_files "$out"

# An existing real GeoPackage is protected too (not appended to, not updated).
assert_exit 0 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/real.gpkg"
cp "$out/real.gpkg" "$WORKDIR/real_before.gpkg"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/real.gpkg"
assert_same_bytes "$WORKDIR/real_before.gpkg" "$out/real.gpkg"

# --overwrite replaces it with a complete GeoPackage.
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" --overwrite
n="$(sql_value "$out/out.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "sum of ward totals after --overwrite" "6051" "$n"
assert_no_temp_files "$out"

# CSV pairs: if either file exists, nothing is written and both are unchanged.
csv="$WORKDIR/csv"; mkdir -p "$csv"
printf 'keep me\n' >"$csv/x_by_month.csv"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$csv/x.csv"
assert_stderr_contains "x_by_month.csv"
assert_no_file "$csv/x.csv"
assert_eq "x_by_month.csv unchanged" "keep me" "$(cat "$csv/x_by_month.csv")"
assert_no_temp_files "$csv"

clean_dir "$csv"
printf 'keep me\n' >"$csv/x.csv"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$csv/x.csv"
assert_stderr_contains "x.csv"
assert_no_file "$csv/x_by_month.csv"
assert_eq "x.csv unchanged" "keep me" "$(cat "$csv/x.csv")"

assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$csv/x.csv" --overwrite
assert_eq "x.csv header after --overwrite" "area_id,area_name,total,burglary,area_km2,per_km2" "$(head -n 1 "$csv/x.csv")"
assert_file "$csv/x_by_month.csv"
assert_no_temp_files "$csv"

# --overwrite never replaces a directory.
clean_dir "$csv"
mkdir "$csv/x_by_month.csv"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$csv/x.csv" --overwrite
assert_stderr_contains "x_by_month.csv"
assert_no_file "$csv/x.csv"
[ -d "$csv/x_by_month.csv" ] || fail "the directory x_by_month.csv was removed"
assert_no_temp_files "$csv"

finish
