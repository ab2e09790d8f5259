#!/usr/bin/env bash
# `count -o x.csv` writes x.csv (one row per ward) and x_by_month.csv, and
# the results do not depend on the thread count: -j 1 and -j 2 give
# byte-identical CSVs (and the same numbers as the GeoPackage output).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

for j in 1 2; do
  d="$WORKDIR/j$j"; mkdir -p "$d"
  assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$d/x.csv" -j "$j"
  assert_stderr_contains "6,051 in 20 areas, 365 outside every area"
  assert_file "$d/x.csv"
  assert_file "$d/x_by_month.csv"
  assert_no_temp_files "$d"
  [ "$(ls -A "$d" | tr '\n' ' ')" = "x.csv x_by_month.csv " ] || fail "unexpected files in $d: $(ls -A "$d" | tr '\n' ' ')"
done

assert_same_bytes "$WORKDIR/j1/x.csv" "$WORKDIR/j2/x.csv"
assert_same_bytes "$WORKDIR/j1/x_by_month.csv" "$WORKDIR/j2/x_by_month.csv"

x="$WORKDIR/j1/x.csv"; m="$WORKDIR/j1/x_by_month.csv"
assert_eq "x.csv header" "area_id,area_name,total,burglary,area_km2,per_km2" "$(head -n 1 "$x")"
assert_eq "x.csv rows" "20" "$(($(wc -l <"$x") - 1))"
assert_eq "x.csv total" "6051" "$(awk -F, 'NR > 1 { s += $3 } END { print s }' "$x")"
assert_eq "x_by_month.csv header" "area_id,area_name,month,category,count" "$(head -n 1 "$m")"
assert_eq "x_by_month.csv rows" "720" "$(($(wc -l <"$m") - 1))"
assert_eq "x_by_month.csv total" "6051" "$(awk -F, 'NR > 1 { s += $NF } END { print s }' "$m")"

# Default threads (0 = all cores) and -j 2 on the GeoPackage give the same table.
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$WORKDIR/all.csv" -j 0
assert_same_bytes "$WORKDIR/j1/x.csv" "$WORKDIR/all.csv"
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$WORKDIR/g.gpkg" -j 2
want="$(awk -F, 'NR > 1 { print $1 "=" $3 }' "$x" | sort | tr '\n' ' ')"
got="$(ogr2ogr -f CSV /vsistdout/ "$WORKDIR/g.gpkg" ward_counts -select area_id,total | awk -F, 'NR > 1 { gsub(/"/, ""); print $1 "=" $2 }' | sort | tr '\n' ' ')"
assert_eq "GeoPackage totals equal CSV totals" "$want" "$got"

finish
