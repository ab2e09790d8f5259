#!/usr/bin/env bash
# Impossible or misleading point data is refused or reported, never analysed into a table of zeros:
# police.uk Longitude/Latitude swapped in the header, points and wards that do not overlap, every row
# skipped (the message says why), a column named twice, CR-only line ends, police.uk rows repeated in
# two files.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
jan="$(ls "$POINTS"/2024-01-*.csv)"

# 1. police.uk header with Longitude and Latitude swapped: an error naming file:row, the values and the fix.
f="$WORKDIR/2024-01-swapped-header.csv"
sed '1s/Longitude,Latitude/Latitude,Longitude/' "$jan" >"$f"
assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "2024-01-swapped-header.csv:2: Longitude 51.564511, Latitude -0.142534: outside the UK"
assert_stderr_contains "are Longitude and Latitude swapped?"
assert_stderr_contains "--lon Latitude --lat Longitude"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" info "$f"
assert_error_line info "outside the UK"
# the fix the message gives
assert_exit 0 "$SAFEMAP" count "$f" --lon Latitude --lat Longitude --wards "$WARDS" -o "$out/fixed.gpkg"
n="$(sql_value "$out/fixed.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "ward totals read with --lon Latitude --lat Longitude" "206" "$n"
rm -f "$out/fixed.gpkg"

# A generic lon/lat file that looks swapped: a warning; and with the wards, no overlap: an error.
g="$WORKDIR/generic.csv"
awk -F, 'BEGIN{OFS=","} NR==1{print "id,Month,lon,lat";next} {print NR,$2,$6,$5}' "$f" >"$g"
assert_exit 0 "$SAFEMAP" info "$g"
assert_stderr_contains "generic.csv: every row's lon"
assert_stderr_contains "are the columns swapped?"

# 2. Points and wards that do not overlap (the swapped generic file; Manchester points and Camden wards).
assert_exit 1 "$SAFEMAP" count "$g" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "the points and the areas (--wards) do not overlap"
assert_stderr_contains "EPSG:32739"
assert_stderr_contains "chosen from the points' centre"
assert_dir_empty "$out"
m="$WORKDIR/manchester.csv"
{ echo "$POLICE_HEADER"; for i in 1 2 3; do
  echo "m$i,2024-01,Greater Manchester Police,Greater Manchester Police,-2.24$i,53.48$i,On or near X,E1,M 1,Burglary,,"
done; } >"$m"
for cmd in count kde hotspots emerging; do
  assert_exit 1 "$SAFEMAP" "$cmd" "$m" --wards "$WARDS" -o "$out/out.gpkg"
  assert_error_line "$cmd" "do not overlap"
  assert_stderr_contains "manchester.csv"
  assert_dir_empty "$out"
done

# 5. Every row skipped: the message says why, with an example row, whatever the command.
e="$WORKDIR/nocoords.csv"
awk -F, 'BEGIN{OFS=","} NR==1{print;next} {$5="";$6=""; print}' "$jan" >"$e"
for cmd in count kde hotspots emerging scan; do
  assert_exit 1 "$SAFEMAP" "$cmd" "$e" --wards "$WARDS" -o "$out/out.gpkg"
  assert_error_line "$cmd" "210 rows read, every one skipped or filtered out (${e})"
  assert_error_line "$cmd" "210 skipped for no coordinates (e.g. ${e}:2: fields 'Longitude' and 'Latitude' are empty)"
  assert_dir_empty "$out"
done
assert_exit 1 "$SAFEMAP" count "$jan" --from 2030-01 --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "210 left out by the time range filter"
assert_error_line count "check --from/--to"

# 3. A column named twice: a warning naming both columns and the one used; an error under --strict.
d="$WORKDIR/dupmonth.csv"
awk 'NR==1{print $0",Month";next}{print $0",2023-05"}' "$jan" >"$d"
assert_exit 0 "$SAFEMAP" info "$d"
assert_stderr_contains "dupmonth.csv: the header names column 'Month' twice (columns 2 and 13); column 2 is used"
assert_stdout_contains "2024-01 .. 2024-01"
assert_exit 1 "$SAFEMAP" info "$d" --strict
assert_error_line info "'Month' twice (columns 2 and 13)"

# 4. CR-only line ends: read as lines.
c="$WORKDIR/cr.csv"
tr '\n' '\r' <"$jan" >"$c"
assert_exit 0 "$SAFEMAP" info "$c"
assert_stdout_matches "Rows read: 210 +points kept: 210"
assert_exit 0 "$SAFEMAP" count "$c" --wards "$WARDS" -o "$out/cr.csv.gpkg"
assert_eq "ward totals of the CR-only file" "206" "$(sql_value "$out/cr.csv.gpkg" "SELECT sum(total) FROM ward_counts")"
rm -f "$out/cr.csv.gpkg"

# 6. The same month downloaded twice under two names: counted once, with one warning.
mkdir -p "$WORKDIR/twice"
cp "$jan" "$WORKDIR/twice/a.csv"; cp "$jan" "$WORKDIR/twice/b.csv"
assert_exit 0 "$SAFEMAP" count "$WORKDIR/twice" --wards "$WARDS" -o "$out/twice.gpkg"
assert_stderr_contains "210 police.uk rows repeat rows of another file (same Crime ID, month and position), e.g. Crime ID ef09aa80af037bc2dab7ef4e77d5029490707d0906c185d3b7175943d43be2b7 in $WORKDIR/twice/b.csv:2 and $WORKDIR/twice/a.csv:2"
assert_eq "ward totals of a month read twice" "206" "$(sql_value "$out/twice.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_exit 0 "$SAFEMAP" info "$WORKDIR/twice"
assert_stdout_contains "Rows left out by the duplicate filter: 210"
# empty Crime IDs are never repeats
awk -F, 'BEGIN{OFS=","} NR==1{print;next}{$1="";print}' "$jan" >"$WORKDIR/twice/a.csv"
cp "$WORKDIR/twice/a.csv" "$WORKDIR/twice/b.csv"
assert_exit 0 "$SAFEMAP" info "$WORKDIR/twice"
assert_stdout_matches "Rows read: 420 +points kept: 420"
assert_stderr_not_contains "repeat"

finish
