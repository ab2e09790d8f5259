#!/usr/bin/env bash
# A GeoPackage of points (or lines) passed as --wards: exit 1, the message
# names the file and says areas must be polygons; nothing is written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"

# One point (and one closed line) per Camden ward, same fields as the real layer.
ogr2ogr -f GPKG "$WORKDIR/ward_points.gpkg" "$WARDS" -nln wards -dialect SQLite \
  -sql "SELECT WD24CD, WD24NM, ST_PointOnSurface(geom) AS geom FROM wards"
ogr2ogr -f GPKG "$WORKDIR/ward_lines.gpkg" "$WARDS" -nln wards -dialect SQLite \
  -sql "SELECT WD24CD, WD24NM, ST_Boundary(geom) AS geom FROM wards"

assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/ward_points.gpkg" -o "$out/out.gpkg"
assert_error_line count "ward_points.gpkg"
assert_stderr_contains_i "polygon"
assert_stderr_contains_i "point"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/ward_lines.gpkg" -o "$out/out.csv"
assert_error_line count "ward_lines.gpkg"
assert_stderr_contains_i "polygon"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$POINTS" --wards "$WORKDIR/ward_points.gpkg"
assert_error_line info "ward_points.gpkg"
assert_stderr_contains_i "polygon"

finish
