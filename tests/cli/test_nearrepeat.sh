#!/usr/bin/env bash
# safemap nearrepeat on the bundled police.uk data (month resolution), and its bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 0,100,200,400 --time-bands 0,1,2,3 \
  --permutations 99 --seed 1 -j 1 -o "$out/nr1.csv"
assert_stderr_contains "6416 incidents, 20579320 pairs, 99 permutations of the dates"
assert_stderr_contains "at the same location and 0 to 1 months after an incident, the chance of another is"
[ "$(wc -l < "$out/nr1.csv")" = 21 ] || fail "want 5 x 4 rows and a header"
head -1 "$out/nr1.csv" | grep -q "^space_band,space_from,space_to,time_band,time_from,time_to,observed,sim_mean,sim_median,knox_ratio,p" || fail "CSV header"
# every pair in exactly one cell
s=$(awk -F, 'NR > 1 { s += $7 } END { printf "%.0f", s }' "$out/nr1.csv")
[ "$s" = 20579320 ] || fail "observed pairs sum to $s, want 20579320"
assert_exit 0 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 0,100,200,400 --time-bands 0,1,2,3 \
  --permutations 99 --seed 1 -j 2 -o "$out/nr2.csv" -q
assert_same_bytes "$out/nr1.csv" "$out/nr2.csv"
assert_exit 0 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 0,100,200 --time-bands 0,1,2 \
  --permutations 19 --distance euclidean --closed right -o "$out/nr.gpkg" -q
n=$(ogrinfo -q "$out/nr.gpkg" -sql "SELECT COUNT(*) AS n FROM near_repeat" 2> /dev/null | sed -n 's/^ *n (Integer) = //p')
[ "$n" = 12 ] || fail "near_repeat table has '$n' rows, want 12"
clean_dir "$out"

# bad input: day bands on month-only dates; no pair within the bands; fewer than 2 events; one place; one time
assert_exit 1 "$SAFEMAP" nearrepeat "$POINTS" --space-bands 0,100,200 --time-bands 0,7,14 -o "$out/x.csv"
assert_error_line nearrepeat "dates are months only (as police.uk publishes them): near repeats at day resolution need dated data"
printf 'x,y,date\n529000,183000,2024-01-01\n539000,183000,2024-01-05\n529000,193000,2024-02-01\n' > "$WORKDIR/far.csv"
assert_exit 1 "$SAFEMAP" nearrepeat "$WORKDIR/far.csv" --x x --y y --crs EPSG:27700 --time date --space-bands 0,100 --time-bands 0,7 -o "$out/x.csv"
assert_error_line nearrepeat "no pair of the 3 incidents is within 100 m: the spatial bands cover nothing"
printf 'x,y,date\n529000,183000,2024-01-01\n' > "$WORKDIR/one.csv"
assert_exit 1 "$SAFEMAP" nearrepeat "$WORKDIR/one.csv" --x x --y y --crs EPSG:27700 --time date --space-bands 0,100 --time-bands 0,7 -o "$out/x.csv"
assert_error_line nearrepeat "at least 2 events, not 1"
printf 'x,y,date\n529000,183000,2024-01-01\n529000,183000,2024-01-05\n' > "$WORKDIR/place.csv"
assert_exit 1 "$SAFEMAP" nearrepeat "$WORKDIR/place.csv" --x x --y y --crs EPSG:27700 --time date --space-bands 0,100 --time-bands 0,7 -o "$out/x.csv"
assert_error_line nearrepeat "all 2 events are at one place"
printf 'x,y,date\n529000,183000,2024-01-01\n529050,183000,2024-01-01\n' > "$WORKDIR/time.csv"
assert_exit 1 "$SAFEMAP" nearrepeat "$WORKDIR/time.csv" --x x --y y --crs EPSG:27700 --time date --space-bands 0,100 --time-bands 0,7 -o "$out/x.csv"
assert_error_line nearrepeat "all 2 events are at one time"
# bands
assert_exit 1 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 0,200,100 --time-bands 0,1 -o "$out/x.csv"
assert_error_line nearrepeat "the space breaks must increase: 100 after 200"
assert_exit 1 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 50,100 --time-bands 0,1 -o "$out/x.csv"
assert_error_line nearrepeat "the space breaks must start at 0, not 50"
assert_exit 1 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --space-bands 0,a --time-bands 0,1 -o "$out/x.csv"
assert_error_line nearrepeat "--space-bands '0,a' is not a list"
assert_exit 1 "$SAFEMAP" nearrepeat "$POINTS" --time-unit month --time-bands 0,1 -o "$out/x.csv"
assert_error_line nearrepeat "--space-bands is required"
assert_dir_empty "$out"
finish
