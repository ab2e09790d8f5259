#!/usr/bin/env bash
# A CSV whose header has no lon/lat/x/y column: exit 1, the message names the
# file, says coordinate columns are missing and lists the columns it found.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/no_coords.csv"
printf 'Crime ID,Month,Location,Crime type\nabc,2022-03,On or near Test Street,Burglary\n' >"$f"

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "no_coords.csv"
assert_stderr_contains_i "coordinate"
assert_stderr_contains "Location"      # the columns it did find
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$f"
assert_error_line info "no_coords.csv"

# Naming a column that does not exist is an error naming that column.
assert_exit 1 "$SAFEMAP" count "$f" --lon lon_here --lat lat_here --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "lon_here"
assert_dir_empty "$out"

finish
