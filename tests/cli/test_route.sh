#!/usr/bin/env bash
# safemap route on the golden grid (tests/golden/route/segments.csv, made into an audit GeoPackage with
# ogr2ogr), and each of its bad inputs: a message naming what is wrong, exit 1, nothing written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

seg="$SRCDIR/tests/golden/route/segments.csv"
in="$WORKDIR/in"
out="$WORKDIR/out"
mkdir -p "$in" "$out"
# audit GPKG [ogr2ogr options...]: the fixture as an audit_segments layer in EPSG:27700
audit() {
  local f="$1"; shift
  ogr2ogr -f GPKG "$f" "$seg" -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES \
    -nlt LINESTRING -a_srs EPSG:27700 -nln audit_segments "$@"
}
audit "$in/audit.gpkg"
A="$in/audit.gpkg"

# the help's worked example
assert_exit 0 "$SAFEMAP" route --help
assert_stdout_contains "safemap route out/holborn_audit.gpkg --from 530000,181500 --to 530800,181300 -o out/holborn_route.gpkg"
assert_stdout_contains "Usage: safemap route AUDIT.gpkg --from E,N|LON,LAT --to E,N|LON,LAT"
assert_exit 0 "$SAFEMAP" help route
assert_stdout_contains "--penalties LIST"

# across the grid: the shortest crosses the dark middle, the safest goes round it
assert_exit 0 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 -o "$out/r.gpkg"
assert_stderr_contains "safemap route: shortest 402 m (dark 198 m, VAWG exposure 8.4, defects 87.0); safest 803 m (+401 m; dark 0 m, VAWG exposure 2.0, defects 91.4)"
assert_stderr_contains "start snapped 0 m to node 1010, end 0 m to node 1014"
assert_stderr_contains "safemap route: wrote $out/r.gpkg"
assert_eq "routes" "2" "$(sql_value "$out/r.gpkg" "SELECT COUNT(*) FROM routes")"
assert_eq "route segments" "60" "$(sql_value "$out/r.gpkg" "SELECT COUNT(*) FROM route_segments")"
assert_eq "safest extra" "400.7" "$(sql_value "$out/r.gpkg" "SELECT printf('%.1f', extra_m) FROM routes WHERE route = 'safest'")"
assert_eq "safest line" "LINESTRING" "$(sql_value "$out/r.gpkg" "SELECT ST_GeometryType(geom) FROM routes WHERE route = 'safest'")"
assert_eq "line length" "802.58" "$(sql_value "$out/r.gpkg" "SELECT printf('%.2f', ST_Length(geom)) FROM routes WHERE route = 'safest'")"
ogrinfo -ro -so "$out/r.gpkg" routes > "$WORKDIR/meta.txt" 2>&1
grep -q "method=SpatiaLite VirtualRouting" "$WORKDIR/meta.txt" || fail "routes has no method metadata"
grep -q "penalties=dark=2,dark_flag=1,maintenance=0.5,crime=1,perception=0.5" "$WORKDIR/meta.txt" || fail "no penalties metadata"

# CSV: the routes, and their segments beside them; degrees; penalties; the hour
assert_exit 0 "$SAFEMAP" route "$A" --from -0.13,51.52 --to 530400,181900 --snap 2000 -o "$out/r.csv" -q
assert_stderr_empty
assert_file "$out/r.csv"
assert_file "$out/r_route_segments.csv"
head -1 "$out/r.csv" | grep -q "^route,length_m,dark_m,crime_exposure,defect_exposure,cost,segments,extra_m,from_node,to_node" ||
  fail "routes CSV header"
assert_exit 0 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 --penalties dark=0,dark_flag=0,maintenance=0,crime=0,perception=0 \
  --hour 21:30 -o "$out/p.csv"
assert_stderr_contains "safest 402 m (+0 m; dark 198 m"
clean_dir "$out"

# bad --from text, missing --from, bad penalties, bad hour: usage errors before the audit is read
assert_exit 1 "$SAFEMAP" route "$A" --from 530000 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "--from '530000' is not E,N or LON,LAT"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,north -o "$out/x.gpkg"
assert_error_line route "--to '530400,north' is not E,N or LON,LAT"
assert_exit 1 "$SAFEMAP" route "$A" --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "--from is required"
assert_exit 1 "$SAFEMAP" route --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "no audit file given"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 --penalties darkness=3 -o "$out/x.gpkg"
assert_error_line route "--penalties: unknown name 'darkness' (the names: dark, dark_flag, maintenance, crime, perception)"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 --penalties crime=-1 -o "$out/x.gpkg"
assert_error_line route "--penalties: crime=-1 is negative"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 --hour 25:00 -o "$out/x.gpkg"
assert_error_line route "--hour '25:00' is not a time of day HH:MM"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 --snap 0 -o "$out/x.gpkg"
assert_error_line route "--snap needs metres > 0"
# the output may not be the audit
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530400,181700 -o "$A" --overwrite
assert_error_line route "is one of the inputs"
assert_dir_empty "$out"

# endpoint off the network; endpoints not connected; both at one node
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181160 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "the start (530000,181160) is 340 m from the nearest street of the audit"
assert_stderr_contains "(limit --snap 100 m)"
printf 'wkt,node_from,node_to,length_m,below_target,s_darkness,s_maintenance,s_perception,s_crime,vawg_per_100m,street_name,lux\n"LINESTRING (530550 181700, 530570 181700)",90001,90002,20.0,0,0.0,0.1,,0.1,0.2,Island Lane,1\n' > "$in/island.csv"
cp "$A" "$in/island.gpkg"
ogr2ogr -append -f GPKG "$in/island.gpkg" "$in/island.csv" -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO \
  -oo AUTODETECT_TYPE=YES -nlt LINESTRING -a_srs EPSG:27700 -nln audit_segments
assert_exit 1 "$SAFEMAP" route "$in/island.gpkg" --from 530000,181700 --to 530560,181700 -o "$out/x.gpkg"
assert_error_line route "no path: the start and the end are on separate parts of the network"
assert_stderr_contains "(the start's part has 200 segments, the end's 1; the audit has 201)"
assert_exit 1 "$SAFEMAP" route "$A" --from 530000,181700 --to 530002,181701 -o "$out/x.gpkg"
assert_error_line route "the start and the end are both nearest to node 1010"

# the audit: another hour, no such file, no audit_segments layer, a column missing, not lines, no CRS,
# degrees, a NULL and a negative length
audit "$in/late.gpkg" -mo hour=22:00
assert_exit 1 "$SAFEMAP" route "$in/late.gpkg" --from 530000,181700 --to 530400,181700 --hour 18:00 -o "$out/x.gpkg"
assert_error_line route "is for the hour 22:00, not --hour 18:00"
assert_stderr_contains "rerun safemap audit --hour 18:00"
assert_exit 1 "$SAFEMAP" route "$in/nothere.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "cannot open the audit '$in/nothere.gpkg': no such file"
audit "$in/layer.gpkg" -nln streets
assert_exit 1 "$SAFEMAP" route "$in/layer.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "has no layer 'audit_segments' (the street segments safemap audit writes); its layers: streets"
audit "$in/column.gpkg" -select node_from,node_to,length_m,below_target,s_darkness,s_maintenance,s_perception,s_crime
assert_exit 1 "$SAFEMAP" route "$in/column.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "layer 'audit_segments' has no column vawg_per_100m (safemap audit writes it)"
printf 'wkt,node_from,node_to,length_m\n"POINT (530000 181700)",1,2,20\n' > "$in/points.csv"
ogr2ogr -f GPKG "$in/points.gpkg" "$in/points.csv" -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO \
  -nlt POINT -a_srs EPSG:27700 -nln audit_segments
assert_exit 1 "$SAFEMAP" route "$in/points.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "layer 'audit_segments' holds Point geometries; the street segments must be lines"
ogr2ogr -f GPKG "$in/nocrs.gpkg" "$seg" -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES \
  -nlt LINESTRING -nln audit_segments
assert_exit 1 "$SAFEMAP" route "$in/nocrs.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "layer 'audit_segments' has no CRS"
audit "$in/degrees.gpkg" -a_srs EPSG:4326
assert_exit 1 "$SAFEMAP" route "$in/degrees.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "is in a geographic CRS (degrees)"
cp "$A" "$in/null.gpkg"
ogrinfo -q "$in/null.gpkg" -sql "UPDATE audit_segments SET length_m = NULL WHERE node_from = 5012" > /dev/null
assert_exit 1 "$SAFEMAP" route "$in/null.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "length_m is NULL"
cp "$A" "$in/neg.gpkg"
ogrinfo -q "$in/neg.gpkg" -sql "UPDATE audit_segments SET length_m = -3 WHERE node_from = 5012" > /dev/null
assert_exit 1 "$SAFEMAP" route "$in/neg.gpkg" --from 530000,181700 --to 530400,181700 -o "$out/x.gpkg"
assert_error_line route "length_m is negative (-3)"
assert_dir_empty "$out"
finish
