#!/usr/bin/env bash
# Golden test for points on ward boundaries, where SpatiaLite's ST_Within
# (no ward) and ST_Intersects (every ward touched) disagree and safemap must
# put a point in exactly one ward ('count --help': "A point on an edge shared
# by two areas is counted once, in exactly one of them").
#
# Each point gets its own category, so ward_counts_by_month tells in how many
# wards safemap counted it. Two sets of points, in EPSG:27700 (--x/--y), so no
# coordinate transformation is involved and the points lie exactly on the
# edges:
#  1. every vertex of the real Camden wards shared by two or more wards
#     (exploded from the polygons with ogr2ogr + SpatiaLite, printed with 17
#     significant digits so they round-trip exactly);
#  2. a synthetic layer: four 1 km squares meeting at one corner, one of them
#     cut along its diagonal into two triangles, with points on the shared
#     straight and diagonal edges, on the four-way corner, on outer edges and
#     inside.
# For every point: counted in at most one ward; exactly one when it is inside
# the union of the wards (not on its outer boundary); and the ward it is
# counted in is one SpatiaLite finds with ST_Intersects. (Per-ward bounds
# within <= total <= intersects do not hold here: the generalised ward
# polygons overlap by slivers, so a vertex of one ward can lie strictly inside
# its neighbour, and safemap gives points in an overlap to the first ward in
# source order.)
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

# check_layer NAME WARDS.gpkg POINTS.csv INNER-IDS-FILE
#   POINTS.csv: id,x,y,month ; INNER-IDS-FILE: ids that must be counted exactly once
check_layer() {
  local name="$1" wards="$2" pts="$3" inner="$4"
  local out="$WORKDIR/$name.safemap.csv" by="$WORKDIR/$name.safemap_by_month.csv"
  # each point its own category
  awk -F, 'NR == 1 { print $0 ",cat"; next } { print $0 "," $1 }' "$pts" >"$WORKDIR/$name.points.csv"
  assert_exit 0 "$SAFEMAP" count "$WORKDIR/$name.points.csv" --x x --y y --crs EPSG:27700 \
    --time month --category cat --wards "$wards" -o "$out"
  local n; n=$(($(wc -l <"$pts") - 1))
  assert_stderr_contains "$(thousands "$n") rows read, $(thousands "$n") points kept"

  # wards counting each point (count column is the last)
  awk -F, 'NR > 1 { c[$(NF-1)] += $NF } END { for (k in c) print k "," c[k] }' "$by" | sort >"$WORKDIR/$name.per_point"
  local twice; twice="$(awk -F, '$2 > 1 { printf "%s counted in %s wards\n", $1, $2 }' "$WORKDIR/$name.per_point")"
  [ -z "$twice" ] || fail "[$name] points counted in more than one ward:
$twice"
  local missing; missing="$(join -t, -a 1 <(sort "$inner") "$WORKDIR/$name.per_point" | awk -F, '$2 != 1 { print $1 }' | tr '\n' ' ')"
  [ -z "$missing" ] || fail "[$name] points inside the wards' union not counted exactly once: $missing"
  echo "[$name] $n points, $(wc -l <"$inner") inside the union of the wards; $(awk -F, '$2 == 1' "$WORKDIR/$name.per_point" | wc -l) counted once"

  # every (point, ward) safemap counted must be a pair SpatiaLite finds with
  # ST_Intersects (the point is in the ward or on its boundary)
  local db="$WORKDIR/$name.sl.gpkg"
  rm -f "$db"
  ogr2ogr -f GPKG "$db" "$pts" -nln pts -oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y -a_srs EPSG:27700 -nlt POINT
  ogr2ogr -f GPKG -update "$db" "$wards" -nln w
  ogr2ogr -f CSV "$WORKDIR/$name.pairs.csv" "$db" -dialect SQLite -sql "
    SELECT p.id AS id, w.WD24CD AS area_id FROM pts p, w WHERE ST_Intersects(p.geom, w.geom)"
  sed 's/"//g' "$WORKDIR/$name.pairs.csv" | awk 'NR > 1' | sort >"$WORKDIR/$name.pairs"
  awk -F, 'NR > 1 && $NF > 0 { print $(NF-1) "," $1 }' "$by" | sort >"$WORKDIR/$name.assigned"
  local wrong; wrong="$(comm -23 "$WORKDIR/$name.assigned" "$WORKDIR/$name.pairs" | tr '\n' ' ')"
  [ -z "$wrong" ] || fail "[$name] points counted in a ward they do not touch (point,ward): $wrong"
}

# ---- 1. shared vertices of the real Camden wards
v="$WORKDIR/vertices.gpkg"
ogr2ogr -f GPKG "$v" "$WARDS" -nln vertices -explodecollections -nlt POINT -dialect SQLite \
  -sql "SELECT WD24CD, ST_DissolvePoints(geom) AS geom FROM wards"
ogr2ogr -f GPKG -update "$v" "$WARDS" wards -nln wards
# GeoJSON with 17 significant figures: the coordinates round-trip exactly
# (SQLite's printf and GDAL's CSV/WKT output keep only 15-16 digits, which
# moves a vertex off the edge by ~1e-10 m).
ogr2ogr -f GeoJSON "$WORKDIR/vertices.geojson" "$v" -lco SIGNIFICANT_FIGURES=17 -dialect SQLite -sql "
  SELECT g AS geom,
    (SELECT count(*) FROM wards w WHERE ST_Intersects(g, w.geom)) AS k,
    ST_Within(g, (SELECT ST_Union(geom) FROM wards)) AS inner
  FROM (SELECT DISTINCT geom AS g FROM vertices)"
# -> x,y,k,inner ; keep vertices shared by two or more wards; number them
sed -nE 's/.*"k": ([0-9]+), "inner": ([0-9]+).*"coordinates": \[ ([-0-9.e+]+), ([-0-9.e+]+) \].*/\3,\4,\1,\2/p' \
  "$WORKDIR/vertices.geojson" | awk -F, '$3 >= 2' | sort -t, -k1,1g -k2,2g |
  awk -F, 'BEGIN { print "id,x,y,month,k,inner" } { printf "v%03d,%s,%s,2024-01,%s,%s\n", NR, $1, $2, $3, $4 }' >"$WORKDIR/vertices.csv"
awk -F, 'NR > 1 && $6 == 1 { print $1 }' "$WORKDIR/vertices.csv" >"$WORKDIR/vertices.inner"
cut -d, -f1-4 "$WORKDIR/vertices.csv" >"$WORKDIR/vertices.pts.csv"
[ "$(($(wc -l <"$WORKDIR/vertices.pts.csv") - 1))" -ge 10 ] || fail "expected at least 10 shared vertices in the Camden wards"
[ -s "$WORKDIR/vertices.inner" ] || fail "expected shared vertices inside Camden"
check_layer camden_vertices "$WARDS" "$WORKDIR/vertices.pts.csv" "$WORKDIR/vertices.inner"

# ---- 2. synthetic wards with exact shared edges
#   S1 (528000..529000, 184000..185000)   S2 (529000..530000, 184000..185000)
#   S3 (528000..529000, 185000..186000)   S4 split along its diagonal into
#   T1 (529000 185000, 530000 185000, 530000 186000) and T2 (529000 185000, 530000 186000, 529000 186000)
cat >"$WORKDIR/grid.csv" <<'CSV'
WKT,WD24CD,WD24NM
"POLYGON((528000 184000,529000 184000,529000 185000,528000 185000,528000 184000))",X01,S1
"POLYGON((529000 184000,530000 184000,530000 185000,529000 185000,529000 184000))",X02,S2
"POLYGON((528000 185000,529000 185000,529000 186000,528000 186000,528000 185000))",X03,S3
"POLYGON((529000 185000,530000 185000,530000 186000,529000 185000))",X04,T1
"POLYGON((529000 185000,530000 186000,529000 186000,529000 185000))",X05,T2
CSV
ogr2ogr -f GPKG "$WORKDIR/grid.gpkg" "$WORKDIR/grid.csv" -nln wards -a_srs EPSG:27700 -nlt POLYGON
cat >"$WORKDIR/grid.pts.csv" <<'CSV'
id,x,y,month
g01,528500,184500,2024-01
g02,529000,184500,2024-01
g03,529000,184000,2024-01
g04,529000,185000,2024-01
g05,528500,185000,2024-01
g06,529500,185000,2024-01
g07,529000,185500,2024-01
g08,529500,185500,2024-01
g09,529250,185250,2024-01
g10,529750,185750,2024-01
g11,530000,186000,2024-01
g12,528000,184500,2024-01
g13,530000,184500,2024-01
g14,528500,186000,2024-01
g15,528000,184000,2024-01
g16,529001,185000,2024-01
g17,529000,185001,2024-01
CSV
# inside the union of the five wards (not on its outer boundary):
printf '%s\n' g01 g02 g04 g05 g06 g07 g08 g09 g10 g16 g17 >"$WORKDIR/grid.inner"
check_layer grid "$WORKDIR/grid.gpkg" "$WORKDIR/grid.pts.csv" "$WORKDIR/grid.inner"

finish
