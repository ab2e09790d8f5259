#!/usr/bin/env bash
# A ward layer with a bow-tie (self-intersecting) polygon in British National
# Grid coordinates inside Camden, next to a valid square ward.
#  default:  exit 0, a warning on stderr naming the ward (id and name); the
#            ward is repaired (GEOS MakeValid) and counted: both of its
#            triangles are kept (2 km2 in all) and it holds points.
#  --strict: exit 1, the message names the ward; nothing is written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
cat >"$WORKDIR/bowtie.csv" <<'CSV'
WKT,WD24CD,WD24NM
"POLYGON((526000 184000,528000 186000,528000 184000,526000 186000,526000 184000))",X99000001,Bowtie Ward
"POLYGON((528000 184000,530000 184000,530000 186000,528000 186000,528000 184000))",X99000002,Square Ward
CSV
ogr2ogr -f GPKG "$WORKDIR/bowtie.gpkg" "$WORKDIR/bowtie.csv" -nln wards -a_srs EPSG:27700 -nlt POLYGON

assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/bowtie.gpkg" -o "$out/out.gpkg"
assert_stderr_contains_i "warning"
assert_stderr_matches "warning.*X99000001"
assert_stderr_matches "warning.*Bowtie Ward"
assert_stderr_not_contains "X99000002"     # the valid ward is not named
assert_file "$out/out.gpkg"
assert_no_temp_files "$out"
a="$(sql_value "$out/out.gpkg" "SELECT printf('%.6f', area_km2) FROM ward_counts WHERE area_id = 'X99000001'")"
assert_eq "area of the repaired bow-tie (two 1 km2 triangles)" "2.000000" "$a"
n="$(sql_value "$out/out.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'ward_counts' AND key = 'areas_repaired'")"
assert_eq "metadata areas_repaired" "1" "$n"

n="$(sql_value "$out/out.gpkg" "SELECT total FROM ward_counts WHERE area_id = 'X99000001'")"
[ "${n:-0}" -gt 0 ] || fail "the repaired bow-tie ward counts no points (total '$n')"

# --strict: the invalid polygon is an error naming the ward
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/bowtie.gpkg" -o "$out/strict.gpkg" --strict
assert_error_line count "X99000001"
assert_stderr_contains "Bowtie Ward"
assert_no_file "$out/strict.gpkg"
assert_no_temp_files "$out"

finish
