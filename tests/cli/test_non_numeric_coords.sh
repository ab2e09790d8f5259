#!/usr/bin/env bash
# A row whose Longitude is not a number ('abc').
#  --strict: exit 1, the message names file:row, the field and the value; nothing written.
#  default:  exit 0, the row is skipped and counted; `info` reports it with a
#            file:row example; `count` reports it on stderr and counts the rest.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/nonnum.csv"
police_csv_with_row "$f" "abc" "51.55"        # the bad row is line 5

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg" --strict
assert_error_line count "nonnum.csv:5"
assert_stderr_contains "Longitude"
assert_stderr_contains "abc"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$f" --strict
assert_error_line info "nonnum.csv:5"
assert_stderr_contains "abc"

assert_exit 0 "$SAFEMAP" info "$f"
assert_stdout_matches "Rows read: 7 +points kept: 6"
assert_stdout_matches "not a number +1"
assert_stdout_contains "nonnum.csv:5"
assert_stdout_matches "nonnum.csv:5.*Longitude.*abc"

assert_exit 0 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "7 rows read, 6 points kept"
assert_stderr_contains "nonnum.csv:5"
assert_file "$out/out.gpkg"
assert_no_temp_files "$out"
n="$(sql_value "$out/out.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "sum of ward totals" "6" "$n"
n="$(sql_value "$out/out.gpkg" "SELECT value FROM safemap_metadata WHERE layer='ward_counts' AND key='rows_skipped'")"
assert_eq "metadata rows_skipped" "1" "$n"

# Latitude not a number, and a number with trailing junk, are caught the same way.
police_csv_with_row "$f" "-0.15" "51.5x"
assert_exit 1 "$SAFEMAP" info "$f" --strict
assert_stderr_contains "nonnum.csv:5"
assert_stderr_contains "Latitude"
assert_stderr_contains "51.5x"

finish
