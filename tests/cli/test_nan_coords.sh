#!/usr/bin/env bash
# A row whose Longitude is the text 'NaN' (strtod reads it as a number, so it
# needs its own check).
#  --strict: exit 1, message names file:row, the field and the value.
#  default:  exit 0, the row is skipped, counted and shown with file:row in `info`.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/nan.csv"
police_csv_with_row "$f" "NaN" "51.55"

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg" --strict
assert_error_line count "nan.csv:5"
assert_stderr_contains "Longitude"
assert_stderr_contains_i "nan"          # the value (printed as nan or NaN)
assert_dir_empty "$out"

assert_exit 0 "$SAFEMAP" info "$f"
assert_stdout_matches "Rows read: 7 +points kept: 6"
assert_stdout_matches "NaN.* +1\$"
assert_stdout_contains "nan.csv:5"
assert_stdout_contains "Longitude"

assert_exit 0 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "7 rows read, 6 points kept"
n="$(sql_value "$out/out.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "sum of ward totals" "6" "$n"

# Other spellings of not-a-number and infinity in either column.
for v in nan -nan inf -Infinity; do
  police_csv_with_row "$f" "-0.15" "$v"
  assert_exit 1 "$SAFEMAP" info "$f" --strict
  assert_stderr_contains "nan.csv:5"
  assert_stderr_contains "Latitude"
  assert_exit 0 "$SAFEMAP" info "$f"
  assert_stdout_matches "Rows read: 7 +points kept: 6"
done

finish
