#!/usr/bin/env bash
# Longitude 51.5, Latitude -0.12 (the columns swapped): the row is reported as
# swapped, with file:row; --strict makes it an error.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/swapped.csv"
police_csv_with_row "$f" "51.5" "-0.12"

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg" --strict
assert_error_line count "swapped.csv:5"
assert_stderr_contains_i "swapped"
assert_stderr_contains "51.5"
assert_stderr_contains "-0.12"
assert_dir_empty "$out"

assert_exit 0 "$SAFEMAP" info "$f"
assert_stdout_matches "Rows read: 7 +points kept: 6"
assert_stdout_matches "swapped +1\$"
assert_stdout_contains "swapped.csv:5"

assert_exit 0 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains_i "swapped"
assert_stderr_contains "swapped.csv:5"
n="$(sql_value "$out/out.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "sum of ward totals (the swapped row is not counted)" "6" "$n"

finish
