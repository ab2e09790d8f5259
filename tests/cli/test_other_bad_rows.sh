#!/usr/bin/env bash
# The other kinds of bad row: no coordinates, latitude out of range, a point
# outside the area of the analysis CRS, an unparseable month. Each is skipped,
# counted by reason and shown with file:row by `info`; with --strict each is an
# error (exit 1) naming file:row, and `count` writes nothing.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"

check_bad_row() { # NAME LON LAT MONTH REASON-REGEX TEXT-IN-MESSAGE
  local name="$1" lon="$2" lat="$3" month="$4" reason="$5" text="$6"
  local f="$WORKDIR/$name.csv"
  police_csv_with_row "$f" "$lon" "$lat" "$month"

  assert_exit 0 "$SAFEMAP" info "$f"
  assert_stdout_matches "Rows read: 7 +points kept: 6"
  assert_stdout_matches "$reason +1\$"
  assert_stdout_contains "$name.csv:5"
  assert_stdout_contains "$text"

  assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg" --strict
  assert_error_line count "$name.csv:5"
  assert_stderr_contains "$text"
  assert_dir_empty "$out"

  assert_exit 0 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.csv"
  assert_stderr_contains "7 rows read, 6 points kept"
  assert_stderr_contains "$name.csv:5"
  rm -f "$out/out.csv" "$out/out_by_month.csv"
}

check_bad_row no_coords   ""      ""      2022-03 "no coordinates"          "Longitude"
check_bad_row lat_range   "-0.15" "95"    2022-03 "out of range"            "95"
check_bad_row lon_range   "-190"  "51.5"  2022-03 "out of range"            "-190"
check_bad_row outside_crs "10"    "10"    2022-03 "outside the CRS.*"      "EPSG:27700"
check_bad_row bad_month   "-0.15" "51.55" 2022-13 "(unparseable|bad) (time|date)" "2022-13"
check_bad_row text_month  "-0.15" "51.55" banana  "(unparseable|bad) (time|date)" "banana"

finish
