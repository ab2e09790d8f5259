#!/usr/bin/env bash
# safemap tiles: a KDE surface of the bundled data into a tile directory, MBTiles and GeoPackage tiles, read
# back with GDAL and SQLite (TMS rows, metadata, value tiles decoded to the surface's values); the same bytes
# for 1 and 2 threads; each bad input exits 1 with its message and leaves nothing.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
src="$WORKDIR/src"
mkdir -p "$out" "$src"
PY=/usr/bin/python3

assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 50 -o "$src/kde.tif" -q

# ---- a directory: tiles, value tiles, the manifest
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 11-14 -o "$out/map"
assert_stderr_contains "over zooms 11-14"
assert_stderr_contains "wrote $out/map (tile directory)"
n=$(find "$out/map/kde" -name '*.png' | wc -l)
nv=$(find "$out/map/kde_values" -name '*.png' | wc -l)
[ "$n" -gt 20 ] || fail "only $n colour tiles"
# value tiles at one zoom: the first whose pixels are at most half a cell (50 m cells, about 80 m in Web
# Mercator at London's latitude: zoom 12's 38 m pixels), beside each colour tile of that zoom
grep -q '"values_zoom": 12' "$out/map/safemap_map.json" || fail "the manifest's values_zoom is not 12"
assert_eq "value tiles beside the colour tiles of zoom 12" "$(find "$out/map/kde/12" -name '*.png' | wc -l)" "$nv"
[ ! -d "$out/map/kde_values/14" ] || fail "value tiles at zoom 14 (only zoom 12 has them)"
grep -q '"name": "kde", "kind": "raster"' "$out/map/safemap_map.json" || fail "the manifest lists no tile set kde"
grep -q '"value_encoding": "float32-rgba-be"' "$out/map/safemap_map.json" || fail "the manifest has no value encoding"
grep -q '"bandwidth_m": "250.000000"' "$out/map/safemap_map.json" || fail "the manifest lacks the surface's metadata"
t=$(find "$out/map/kde/14" -name '*.png' | head -1)
gdalinfo "$t" 2> /dev/null | grep -q "ColorInterp=Palette" || fail "$t is not a palette PNG"

# value tiles decode to the surface's values: every pixel of a zoom-12 value tile against the cell under its centre
"$PY" - "$src/kde.tif" "$out/map" << 'EOF' || fail "value tiles do not decode to the surface's values"
import glob, math, sys
import numpy as np
from osgeo import gdal, osr
src, d = sys.argv[1], sys.argv[2]
ds = gdal.Open(src)
a = ds.GetRasterBand(1).ReadAsArray().astype(np.float32)
nd = ds.GetRasterBand(1).GetNoDataValue()
gt = ds.GetGeoTransform()
m = osr.SpatialReference(); m.ImportFromEPSG(3857)
b = osr.SpatialReference(); b.ImportFromWkt(ds.GetProjection())
for s in (m, b): s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(m, b)
O = math.pi * 6378137
checked = 0
for f in sorted(glob.glob(d + "/kde_values/12/*/*.png")):
    z, x, y = (int(p) for p in f[:-4].split("/")[-3:])
    v = gdal.Open(f).ReadAsArray().astype(np.uint32)  # 4 x 256 x 256
    bits = (v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]
    vals = bits.view(np.float32)  # the big-endian bytes R..A, reassembled as the float's bits
    side = 2 * O / 2 ** z
    for j in range(2, 256, 4):
        for i in range(3, 256, 5):
            mx, my = -O + x * side + (i + 0.5) * side / 256, O - y * side - (j + 0.5) * side / 256
            px, py, _ = ct.TransformPoint(mx, my)
            fi, fj = (px - gt[0]) / gt[1], (py - gt[3]) / gt[5]
            if not (0 <= fi < a.shape[1] and 0 <= fj < a.shape[0]): continue
            if min(fi % 1, 1 - fi % 1, fj % 1, 1 - fj % 1) < 0.2: continue  # near a cell's edge
            want = a[int(fj), int(fi)]
            got = vals[j, i]
            if want == nd: assert math.isnan(got), (f, i, j, got)
            else: assert got == want, (f, i, j, got, want)
            checked += 1
assert checked > 500, checked
EOF

# ---- MBTiles: TMS rows, the metadata, value tiles in tile_values, readable by GDAL
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 11-14 --ramp magma --classes jenks -o "$out/kde.mbtiles"
assert_stderr_contains "(MBTiles)"
for k in name format bounds center minzoom maxzoom type version description attribution safemap_style value_encoding; do
  v=$(sqlite3 "$out/kde.mbtiles" "SELECT value FROM metadata WHERE name = '$k'")
  [ -n "$v" ] || fail "MBTiles metadata '$k' missing"
done
assert_eq "MBTiles type" overlay "$(sqlite3 "$out/kde.mbtiles" "SELECT value FROM metadata WHERE name = 'type'")"
assert_eq "tile count" "$n" "$(sqlite3 "$out/kde.mbtiles" "SELECT count(*) FROM tiles")"
assert_eq "value tile count" "$nv" "$(sqlite3 "$out/kde.mbtiles" "SELECT count(*) FROM tile_values")"
assert_eq "MBTiles values_zoom" 12 "$(sqlite3 "$out/kde.mbtiles" "SELECT value FROM metadata WHERE name = 'values_zoom'")"
# every row is the directory's y flipped: row = 2^z - 1 - y
bad=$(sqlite3 "$out/kde.mbtiles" "SELECT zoom_level || '/' || tile_column || '/' || ((1 << zoom_level) - 1 - tile_row) FROM tiles" |
  while read -r zxy; do [ -f "$out/map/kde/$zxy.png" ] || echo "$zxy"; done | head -3)
[ -z "$bad" ] || fail "MBTiles rows that are not TMS rows of the directory's tiles: $bad"
gdalinfo "$out/kde.mbtiles" 2> /dev/null | grep -q "Band 4.*ColorInterp=Alpha" || fail "GDAL does not read kde.mbtiles as RGBA"

# ---- GeoPackage tiles: a raster to GDAL, in EPSG:3857, with the style in its metadata
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 11-14 -o "$out/kde_tiles.gpkg"
info=$(gdalinfo "GPKG:$out/kde_tiles.gpkg:kde" 2> /dev/null) || fail "GDAL cannot open the GeoPackage tiles"
echo "$info" | grep -q 'ID\["EPSG",3857\]' || fail "GeoPackage tiles not in EPSG:3857"
echo "$info" | grep -q 'safemap_style=' || fail "GeoPackage tiles lack the style"
echo "$info" | grep -q "Band 4.*ColorInterp=Alpha" || fail "GeoPackage tiles are not RGBA"
gdalinfo "GPKG:$out/kde_tiles.gpkg:kde_values" 2> /dev/null | grep -q "value_encoding=float32-rgba-be" ||
  fail "GeoPackage value tiles lack their encoding"

# ---- same bytes for 1 and 2 threads (the GeoPackage's one date from SOURCE_DATE_EPOCH)
export SOURCE_DATE_EPOCH=1700000000
for j in 1 2; do
  assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 10-15 --resampling bilinear -j $j -o "$out/j$j" -q
  assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 10-15 -j $j -o "$out/j$j.mbtiles" -q
  assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 10-15 -j $j -o "$out/j$j.gpkg" -q
done
unset SOURCE_DATE_EPOCH
diff -r "$out/j1" "$out/j2" > /dev/null || fail "tile directories differ between 1 and 2 threads"
assert_same_bytes "$out/j1.mbtiles" "$out/j2.mbtiles"
assert_same_bytes "$out/j1.gpkg" "$out/j2.gpkg"
clean_dir "$out"

# ---- a GeoPackage raster table as input; a table that is not there; a vector layer
assert_exit 0 "$SAFEMAP" kde "$POINTS" --wards "$WARDS" --bandwidth 250 --cell 50 --hotspot-areas 50 -o "$src/run.gpkg" -q
assert_exit 0 "$SAFEMAP" tiles "$src/run.gpkg" --layer kde --zoom 12 -o "$out/g"
[ -d "$out/g/kde/12" ] || fail "no tiles from the GeoPackage's raster table"
clean_dir "$out"
assert_exit 1 "$SAFEMAP" tiles "$src/run.gpkg" --layer nope -o "$out/g"
assert_error_line tiles "has no raster table 'nope'"
assert_stderr_contains "kde_hotspot_areas"
assert_dir_empty "$out"
# a vector layer makes vector tiles (and the page); ogrinfo reads them with the layer's fields
assert_exit 0 "$SAFEMAP" tiles "$src/run.gpkg" --layer kde_hotspot_areas -o "$out/g"
assert_stderr_contains "open $out/g/index.html"
grep -q '"name": "kde_hotspot_areas", "kind": "vector"' "$out/g/safemap_map.json" || fail "no vector tile set kde_hotspot_areas"
t=$(find "$out/g/kde_hotspot_areas" -name '*.pbf' -print -quit)
[ -n "$t" ] || fail "no vector tile from the layer"
ogrinfo -ro -so "$t" 2> /dev/null | grep -q "kde_hotspot_areas" || fail "ogrinfo does not read the layer in $t"
assert_file "$out/g/index.html"
clean_dir "$out"
# a base map and a title for the page; a base map that is not a tile address is refused before any tile
assert_exit 0 "$SAFEMAP" tiles "$src/run.gpkg" --layer kde --zoom 12 -o "$out/g" --basemap 'https://tile.example.org/{z}/{x}/{y}.png' \
  --title 'Camden burglary' -q
grep -q 'tile.example.org' "$out/g/safemap_map.js" "$out/g/index.html" "$out/g"/safemap_viewer/* 2> /dev/null || fail "the page has no base map"
grep -q 'Camden burglary' "$out/g/index.html" || fail "the page's title is not 'Camden burglary'"
clean_dir "$out"
assert_exit 1 "$SAFEMAP" tiles "$src/run.gpkg" --layer kde --zoom 12 -o "$out/g" --basemap 'https://tile.example.org/a.png'
assert_error_line tiles "is not a tile address"
assert_dir_empty "$out"
# a band of a vector layer, a table without geometry
assert_exit 1 "$SAFEMAP" tiles "$src/run.gpkg" --layer kde_hotspot_areas --band 1 -o "$out/g"
assert_error_line tiles "a band is chosen only in a raster"
assert_dir_empty "$out"
# a vector file of several layers and no --layer: the layers named
ogr2ogr -q -f GPKG "$src/two.gpkg" "$WARDS" -nln a && ogr2ogr -q -update "$src/two.gpkg" "$WARDS" -nln b
assert_exit 1 "$SAFEMAP" tiles "$src/two.gpkg" -o "$out/g"
assert_error_line tiles "holds several layers: choose a layer (a, b)"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" tiles "$src/run.gpkg" --layer safemap_metadata -o "$out/g"
assert_error_line tiles "a table without geometry"
assert_dir_empty "$out"

# ---- bad input
# an RGB image: refused unless --band names the band of values
gdal_translate -q -b 1 -b 1 -b 1 -co PHOTOMETRIC=RGB -ot Float32 "$src/kde.tif" "$src/rgb.tif"
assert_exit 1 "$SAFEMAP" tiles "$src/rgb.tif" -o "$out/rgb"
assert_error_line tiles "has 3 bands (an RGB image, already coloured)"
assert_stderr_contains "--band N"
assert_dir_empty "$out"
assert_exit 0 "$SAFEMAP" tiles "$src/rgb.tif" --band 2 --zoom 12 -o "$out/rgb" -q
assert_exit 1 "$SAFEMAP" tiles "$src/rgb.tif" --band 4 -o "$out/rgb4"
assert_error_line tiles "no band 4"
clean_dir "$out"
# no CRS: an ASCII grid without its .prj
gdal_translate -q -of AAIGrid "$src/kde.tif" "$src/nocrs.asc"
rm -f "$src/nocrs.prj"
assert_exit 1 "$SAFEMAP" tiles "$src/nocrs.asc" -o "$out/nocrs"
assert_error_line tiles "no CRS"
assert_dir_empty "$out"
# every cell nodata: no empty pyramid
"$PY" - "$src/kde.tif" "$src/nodata.tif" << 'EOF'
import sys
from osgeo import gdal
d = gdal.Translate(sys.argv[2], sys.argv[1], noData=-9999)
b = d.GetRasterBand(1)
b.Fill(-9999)
d = None
EOF
assert_exit 1 "$SAFEMAP" tiles "$src/nodata.tif" -o "$out/nd.mbtiles"
assert_error_line tiles "every cell is nodata"
assert_dir_empty "$out"
# too many tiles: refused before any is made
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --zoom 10-19 --max-tiles 5000 -o "$out/many"
assert_error_line tiles "more than the limit of 5000"
assert_stderr_contains "zooms 10-19"
assert_dir_empty "$out"
# an output that exists, without --overwrite: untouched
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 12 -o "$out/x.mbtiles" -q
before=$(md5sum < "$out/x.mbtiles")
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --zoom 13 -o "$out/x.mbtiles"
assert_error_line tiles "exists already"
assert_eq "the existing file" "$before" "$(md5sum < "$out/x.mbtiles")"
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 12 -o "$out/d" -q
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --zoom 12 -o "$out/d"
assert_error_line tiles "exists already"
assert_exit 0 "$SAFEMAP" tiles "$src/kde.tif" --zoom 13 -o "$out/d" --overwrite -q
[ -d "$out/d/kde/13" ] && [ ! -d "$out/d/kde/12" ] || fail "--overwrite did not replace the tile set"
assert_no_temp_files "$out"
clean_dir "$out"
# bad --zoom, --classes, --resampling, --max-tiles
for z in 12-x 15-12 30 -3 "" 1-2-3; do
  assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --zoom "$z" -o "$out/z"
  assert_stderr_contains "--zoom"
done
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --classes fixed:3,x -o "$out/z"
assert_stderr_contains "--classes"
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --classes fixed:30,20 -o "$out/z"
assert_error_line tiles "increasing"
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --ramp rainbow -o "$out/z"
assert_error_line tiles "rainbow"
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --resampling lanczos -o "$out/z"
assert_stderr_contains "--resampling"
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif" --max-tiles 0 -o "$out/z"
assert_exit 1 "$SAFEMAP" tiles "$src/kde.tif"
assert_error_line tiles "-o/--output is required"
assert_exit 1 "$SAFEMAP" tiles "$src/missing.tif" -o "$out/z"
assert_error_line tiles "missing.tif"
assert_dir_empty "$out"

# ---- kde --tiles DIR: the surface and its tiles in one run
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 50 -o "$out/k.tif" --tiles "$out/map"
assert_stderr_contains "map tiles in 1 tile set over zooms"
assert_file "$out/k.tif"
[ -d "$out/map/kde" ] && [ -d "$out/map/kde_values" ] || fail "kde --tiles wrote no tiles"
grep -q '"name": "kde", "kind": "raster"' "$out/map/safemap_map.json" || fail "kde --tiles: no manifest entry"

# ---- --tiles on hotspots, emerging and forecast: their layers (and ProMap's surface) into the same map
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/h.gpkg" --tiles "$out/map"
assert_stderr_contains "map tiles in 1 tile set"
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$out/e.gpkg" --tiles "$out/map" -q
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/f.gpkg" --tiles "$out/map"
assert_stderr_contains "map tiles in 2 tile sets"
for ts in '"kde", "kind": "raster"' '"hotspots", "kind": "vector"' '"emerging", "kind": "vector"' \
  '"promap", "kind": "raster"' '"promap_top", "kind": "vector"'; do
  grep -q "\"name\": $ts" "$out/map/safemap_map.json" || fail "the map lacks the tile set $ts"
done
grep -q '"neutral": true' "$out/map/safemap_map.json" || fail "no neutral class (not significant) in the styles"
# a second run into the same map replaces a tile set only with --overwrite, and writes nothing else first
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/h2.gpkg" --tiles "$out/map"
assert_error_line hotspots "hotspots"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/h2.gpkg" --tiles "$out/map" --overwrite -q
# refused before any output: --tiles into a file, forecast --tiles with a back-test
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/h3.gpkg" --tiles "$out/m.mbtiles"
assert_error_line hotspots "goes into a directory"
[ ! -e "$out/h3.gpkg" ] || fail "hotspots wrote its output before refusing --tiles"
touch "$out/afile"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$out/e3.gpkg" --tiles "$out/afile"
assert_error_line emerging "is not a directory"
[ ! -e "$out/e3.gpkg" ] || fail "emerging wrote its output before refusing --tiles"
assert_exit 1 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest -o "$out/b.csv" --tiles "$out/map"
assert_stderr_contains "--tiles maps a forecast"

finish
