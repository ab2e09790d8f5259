#!/usr/bin/env bash
# The same points through every OGR format the issue names (GeoJSON,
# Shapefile, FlatGeobuf, GeoPackage in lon/lat and in British National Grid)
# give exactly the per-ward counts the police.uk CSVs give.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

command -v ogr2ogr > /dev/null || { echo "ogr2ogr (gdal-bin) is needed"; exit 1; }
csv="$WORKDIR/all.csv"
# one CSV with every month (header once), then each format from it
first=1
for f in "$POINTS"/*.csv; do
  if [ $first -eq 1 ]; then cat "$f"; first=0; else tail -n +2 "$f"; fi
done > "$csv"
conv() { # OUT DRIVER [extra ogr2ogr args]
  local out="$1" drv="$2"; shift 2
  ogr2ogr -f "$drv" "$out" "$csv" -oo X_POSSIBLE_NAMES=Longitude -oo Y_POSSIBLE_NAMES=Latitude \
    -oo KEEP_GEOM_COLUMNS=NO -s_srs EPSG:4326 -nln points "$@" 2> "$WORKDIR/ogr2ogr.log" ||
    { cat "$WORKDIR/ogr2ogr.log"; fail "ogr2ogr -f $drv failed"; }
}
conv "$WORKDIR/p.geojson" GeoJSON -t_srs EPSG:4326
conv "$WORKDIR/p.shp" "ESRI Shapefile" -t_srs EPSG:4326
conv "$WORKDIR/p.fgb" FlatGeobuf -t_srs EPSG:4326
conv "$WORKDIR/p4326.gpkg" GPKG -t_srs EPSG:4326
conv "$WORKDIR/p27700.gpkg" GPKG -t_srs EPSG:27700

assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$WORKDIR/ref.csv" -q
cut -d, -f1-3 "$WORKDIR/ref.csv" > "$WORKDIR/ref.totals"
for src in p.geojson p.shp p.fgb p4326.gpkg p27700.gpkg; do
  out="$WORKDIR/${src%.*}_${src##*.}.csv"
  assert_exit 0 "$SAFEMAP" count "$WORKDIR/$src" --wards "$WARDS" -o "$out" -q
  if [ -f "$out" ]; then
    cut -d, -f1-3 "$out" > "$out.totals"
    if ! cmp -s "$WORKDIR/ref.totals" "$out.totals"; then
      fail "$src: per-ward totals differ from the CSVs'"
      diff "$WORKDIR/ref.totals" "$out.totals" | head -10
    fi
  fi
  # categories and months come through too
  assert_exit 0 "$SAFEMAP" info "$WORKDIR/$src"
  assert_stdout_contains "Burglary"
  assert_stdout_contains "Time: 2022-03 .. 2025-02"
done
finish
