#!/usr/bin/env bash
# The summary line of `count` prints every count the same way, with thousands
# separators ("6,416 rows read"), including the number outside every area
# when it is 1,000 or more. Run with one ward (Bloomsbury, 700 points), so
# 5,716 of the 6,416 points are outside.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

ogr2ogr -f GPKG "$WORKDIR/bloomsbury.gpkg" "$WARDS" wards -nln wards -where "WD24NM = 'Bloomsbury'"
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/bloomsbury.gpkg" -o "$WORKDIR/out.csv"
assert_stderr_contains "6,416 rows read, 6,416 points kept, 700 in 1"
assert_stderr_contains "5,716 outside every area"
assert_eq "Bloomsbury total" "700" "$(awk -F, 'NR == 2 { print $3 }' "$WORKDIR/out.csv")"

assert_exit 0 "$SAFEMAP" info "$POINTS" --wards "$WORKDIR/bloomsbury.gpkg"
assert_stdout_matches "\(outside every area\) +5,716\$"

finish
