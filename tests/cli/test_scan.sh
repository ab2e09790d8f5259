#!/usr/bin/env bash
# safemap scan on the bundled police.uk data (wards by month), and its bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --max-window 6 --permutations 199 --seed 1 -j 1 -o "$out/s1.csv"
assert_stderr_contains "20 locations with an incident, 36 steps, 6051 incidents, 199 replications"
assert_stderr_contains "most likely cluster: 3 locations within 1378 m of Hampstead Town, 2024-10 to 2024-11: 74 observed"
head -1 "$out/s1.csv" | grep -q "^rank,centre,centre_x,centre_y,radius_m,locations,start,end,observed,expected,relative_risk,llr,p,p_gumbel$" || fail "CSV header"
# the clusters' locations: each cluster's observed and expected are the sums over its locations
head -1 "$out/s1_locations.csv" | grep -q "^rank,location,x,y,distance_m,observed,expected,relative_risk$" || fail "locations header"
awk -F, 'NR == FNR { if (FNR > 1) { o[$1] += $6; e[$1] += $7; n[$1]++ } next }
    FNR > 1 { d = e[$1] - $10; if (o[$1] != $9 || n[$1] != $6 || d * d > 1e-18) bad = 1 } END { exit bad }' \
    "$out/s1_locations.csv" "$out/s1.csv" || fail "cluster figures are not the sums over their locations"
grep -q "^1,E05013659,.*,0,26," "$out/s1_locations.csv" || fail "Hampstead Town first, at distance 0, 26 burglaries"
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --max-window 6 --permutations 199 --seed 1 -j 2 -o "$out/s2.csv" -q
assert_same_bytes "$out/s1.csv" "$out/s2.csv"
assert_same_bytes "$out/s1_locations.csv" "$out/s2_locations.csv"
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --prospective --max-window 3 --permutations 99 --seed 1 -o "$out/p.gpkg" -q
ogrinfo -q "$out/p.gpkg" 2> /dev/null | grep -q "scan_locations (Point)" || fail "no scan_locations layer"
n=$(ogrinfo -q "$out/p.gpkg" -sql "SELECT COUNT(*) AS n, MAX(\"end\") AS e FROM scan_clusters" 2> /dev/null | sed -n 's/^ *\(n\|e\) (.*) = //p' | tr '\n' ' ')
case "$n" in *"2025-02 ") ;; *) fail "prospective clusters should all end in 2025-02: '$n'" ;; esac
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --grid fishnet --cell 500 --bin quarter --permutations 99 --seed 2 -o "$out/c.gpkg" -q
# circles around every distinct incident position (inside the wards), prospective: the recurrence interval in
# steps and years; the same bytes on 1 and 2 threads
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --centres incidents --max-radius 500 --max-window 3 --prospective \
    --permutations 99 --seed 1 -j 1 -o "$out/i1.csv"
assert_stderr_contains "safemap scan: 1516 locations with an incident, 36 steps, 6051 incidents, 99 replications"
assert_stderr_contains "of an incident position at ("
assert_stderr_contains ", recurrence once in 100 months (8.33 years)"
head -1 "$out/i1.csv" | grep -q ",p,p_gumbel,recurrence,recurrence_years$" || fail "prospective CSV header"
awk -F, 'NR > 1 && ($8 != "2025-02" || $5 > 500 || ($16 - $15 / 12) ^ 2 > 1e-20) { bad = 1 } END { exit bad }' "$out/i1.csv" ||
    fail "incident-centred clusters should end in 2025-02, within 500 m, recurrence_years = recurrence / 12"
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --centres incidents --max-radius 500 --max-window 3 --prospective \
    --permutations 99 --seed 1 -j 2 -o "$out/i2.csv" -q
assert_same_bytes "$out/i1.csv" "$out/i2.csv"
# no space-time interaction at all (each of two places hit once in each of two months): no cluster, said so
printf 'x,y,date\n529000,183000,2024-01-01\n529000,183000,2024-02-05\n529500,183000,2024-01-03\n529500,183000,2024-02-07\n' > "$WORKDIR/even.csv"
assert_exit 0 "$SAFEMAP" scan "$WORKDIR/even.csv" --x x --y y --crs EPSG:27700 --time date --centres incidents -o "$out/e.csv"
assert_stderr_contains "safemap scan: no cluster: no cylinder holds more incidents than its locations' and steps' totals predict"
[ "$(wc -l < "$out/e.csv")" = 1 ] || fail "no cluster: the header only"
clean_dir "$out"

# bad input: a window longer than the study period, weekly steps on month-only dates, fewer than 2 events,
# every event at one place, every event in one step
assert_exit 1 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --max-window 40 -o "$out/x.gpkg"
assert_error_line scan "--max-window 40 steps is longer than the study period (36 steps of a month)"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --bin week -o "$out/x.gpkg"
assert_error_line scan "week steps need dates"
printf 'x,y,date\n529000,183000,2024-01-01\n' > "$WORKDIR/one.csv"
assert_exit 1 "$SAFEMAP" scan "$WORKDIR/one.csv" --x x --y y --crs EPSG:27700 --time date --grid fishnet --cell 100 -o "$out/x.gpkg"
assert_error_line scan "at least 2 locations, not 1"
printf 'x,y,date\n529000,183000,2024-01-01\n529010,183010,2024-03-05\n' > "$WORKDIR/place.csv"
assert_exit 1 "$SAFEMAP" scan "$WORKDIR/place.csv" --x x --y y --crs EPSG:27700 --time date --grid fishnet --cell 100 -o "$out/x.gpkg"
assert_error_line scan "at least 2 locations"
printf 'x,y,date\n529000,183000,2024-01-01\n529500,183000,2024-01-05\n' > "$WORKDIR/time.csv"
assert_exit 1 "$SAFEMAP" scan "$WORKDIR/time.csv" --x x --y y --crs EPSG:27700 --time date --grid fishnet --cell 100 -o "$out/x.gpkg"
assert_error_line scan "at least 2 time steps, not 1"
assert_exit 1 "$SAFEMAP" scan "$POINTS" -o "$out/x.gpkg"
assert_error_line scan "give --wards, --grid fishnet --cell M, or --centres incidents"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --centres incidents --grid fishnet --cell 100 -o "$out/x.gpkg"
assert_error_line scan "--centres incidents takes no --grid (each incident position is a location)"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --centres places -o "$out/x.gpkg"
assert_error_line scan "unknown --centres 'places' (units, incidents)"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --grid square --cell 100 -o "$out/x.gpkg"
assert_error_line scan "unknown --grid 'square' (wards, fishnet, hexagon)"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --max-share 2 -o "$out/x.gpkg"
assert_error_line scan "--max-share needs a share in (0, 1]"
assert_dir_empty "$out"
finish
