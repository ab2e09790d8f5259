#!/usr/bin/env bash
# Independent per-ward counts of police.uk points, computed with GDAL/PROJ and
# SpatiaLite SQL only (no safemap code): the expected values of
# tests/golden/test_count_spatialite.sh.
#
# Usage:
#   spatialite_ward_totals.sh POINTS_DIR WARDS.gpkg OUT.csv [SCRATCH_DIR]
#                             [--type LIST] [--from YYYY-MM] [--to YYYY-MM]
#
#   POINTS_DIR  a directory of police.uk street-level CSVs (WGS84 lon/lat)
#   WARDS.gpkg  ward polygons, layer 'wards', fields WD24CD/WD24NM, EPSG:27700
#   OUT.csv     written: area_id,area_name,within,intersects,near_edge
#                 within     points strictly inside the ward (ST_Within)
#                 intersects points inside or on the boundary (ST_Intersects)
#                 near_edge  points less than 1 cm from the ward's boundary
#   --type/--from/--to  the same filters as `safemap count` (police.uk
#               'Crime type' in LIST; Month between FROM and TO, inclusive)
#
# Also prints key=value lines on stdout: rows (points read), kept (after the
# filters), in_any_ward (intersecting at least one ward), in_two_wards
# (intersecting two or more), near_edge (kept points within 1 cm of any ward
# boundary).
#
# Method:
#  1. ogr2ogr reads every CSV of POINTS_DIR (Longitude/Latitude as EPSG:4326)
#     and transforms it with PROJ to EPSG:27700 (-t_srs), the CRS of the
#     wards and safemap's analysis CRS, into one GeoPackage layer 'points'.
#  2. the wards are copied into the same GeoPackage;
#  3. SpatiaLite (GEOS) predicates count the points per ward, through
#     `ogrinfo -dialect SQLite`.
#
# How points on a ward boundary are handled: ST_Within counts a point on the
# boundary in no ward, ST_Intersects counts it in every ward whose boundary
# it touches, and safemap counts it in exactly one. So for each ward
#     within <= safemap total <= intersects
# and where no point lies on (or within 1 cm of, to allow for rounding in the
# coordinate transformation) a boundary, within = intersects and the
# comparison is exact. For the bundled Camden data there are no such points
# (near_edge = 0 for every ward), so the expected totals are exact.
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,40p' "$0" >&2
  exit 1
fi
points_dir="$1" wards="$2" out="$3"
shift 3
scratch=""
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then scratch="$1"; shift; fi
types="" from="" to=""
while [ $# -gt 0 ]; do
  case "$1" in
    --type) types="$2"; shift 2 ;;
    --from) from="$2"; shift 2 ;;
    --to) to="$2"; shift 2 ;;
    *) echo "spatialite_ward_totals.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
if [ -z "$scratch" ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$scratch"
db="$scratch/spatialite_ward_totals.gpkg"
rm -f "$db"

# 1. points, transformed by PROJ to British National Grid
ogr2ogr -f GPKG "$db" "$points_dir" -nln points -append -nlt POINT \
  -oo X_POSSIBLE_NAMES=Longitude -oo Y_POSSIBLE_NAMES=Latitude \
  -oo KEEP_GEOM_COLUMNS=YES -oo AUTODETECT_TYPE=NO \
  -s_srs EPSG:4326 -t_srs EPSG:27700
# 2. wards, unchanged
ogr2ogr -f GPKG -update "$db" "$wards" wards -nln wards

# The filters, as SQL on the police.uk columns.
where="1"
if [ -n "$types" ]; then
  list="$(printf '%s' "$types" | sed "s/'/''/g; s/,/','/g")"
  where="$where AND p.\"Crime type\" IN ('$list')"
fi
[ -z "$from" ] || where="$where AND p.Month >= '$from'"
[ -z "$to" ] || where="$where AND p.Month <= '$to'"

sql() { ogrinfo -ro -q "$db" -dialect SQLite -sql "$1"; }
value() { sed -n "s/^  $1 ([A-Za-z0-9]*) = //p"; }

# SpatiaLite must be there (GDAL built with it), or every predicate is NULL.
if [ "$(sql "SELECT ST_Within(MakePoint(1, 1), BuildMbr(0, 0, 2, 2)) AS ok" | value ok)" != "1" ]; then
  echo "spatialite_ward_totals.sh: GDAL's SQLite dialect has no SpatiaLite functions (ST_Within)" >&2
  exit 1
fi

summary="$(sql "
  SELECT (SELECT count(*) FROM points) AS rows_read,
         count(*) AS kept,
         coalesce(sum(k >= 1), 0) AS in_any_ward,
         coalesce(sum(k >= 2), 0) AS in_two_wards,
         coalesce(sum(e), 0) AS near_edge
  FROM (SELECT (SELECT count(*) FROM wards w WHERE ST_Intersects(p.geom, w.geom)) AS k,
               EXISTS (SELECT 1 FROM wards w
                       WHERE ST_Distance(p.geom, ST_Boundary(w.geom)) < 0.01) AS e
        FROM points p WHERE $where)")"
for k in rows_read kept in_any_ward in_two_wards near_edge; do
  echo "$k=$(printf '%s\n' "$summary" | value "$k")"
done

ogr2ogr -f CSV "$out" "$db" -lco STRING_QUOTING=IF_NEEDED -overwrite -dialect SQLite -sql "
  SELECT w.WD24CD AS area_id, w.WD24NM AS area_name,
    (SELECT count(*) FROM points p WHERE $where AND ST_Within(p.geom, w.geom)) AS within,
    (SELECT count(*) FROM points p WHERE $where AND ST_Intersects(p.geom, w.geom)) AS intersects,
    (SELECT count(*) FROM points p WHERE $where
       AND ST_Distance(p.geom, ST_Boundary(w.geom)) < 0.01) AS near_edge
  FROM wards w ORDER BY w.WD24CD"
