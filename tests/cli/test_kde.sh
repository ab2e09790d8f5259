#!/usr/bin/env bash
# safemap kde on the bundled data: a GeoTIFF in EPSG:27700 whose expected
# counts sum to the points, byte-identical for 1 and 2 threads; and each bad
# input of the kde issue exits 1 with its message and leaves no output.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"

# happy path: expected counts (Float64) sum to the 6,416 points
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 300 --cell 20 --units count --float64 -o "$out/count.tif"
assert_stderr_contains "6,416 points at 1,597 locations"
assert_stderr_contains "expected points in the cell"
info=$(gdalinfo -stats "$out/count.tif" 2> /dev/null)
echo "$info" | grep -q 'ID\["EPSG",27700\]' || fail "count.tif is not in EPSG:27700"
mean=$(echo "$info" | sed -n 's/ *STATISTICS_MEAN=//p' | head -1)
size=$(echo "$info" | sed -n 's/^Size is \([0-9]*\), \([0-9]*\)/\1 \2/p')
sum=$(awk -v m="$mean" -v s="$size" 'BEGIN { split(s, a, " "); printf "%.6f", m * a[1] * a[2] }')
awk -v s="$sum" 'BEGIN { exit !(s > 6416 * (1 - 1e-6) && s < 6416 * (1 + 1e-6)) }' ||
  fail "expected counts sum to $sum, not 6416"
echo "$info" | grep -q 'convention=default' || fail "metadata lacks the convention"
echo "$info" | grep -q 'bandwidth_m=300' || fail "metadata lacks the bandwidth"

# same bytes for 1 and 2 threads
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth auto -j 1 -o "$out/j1.tif" -q
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth auto -j 2 -o "$out/j2.tif" -q
assert_same_bytes "$out/j1.tif" "$out/j2.tif"
assert_same_bytes "$out/j1.qml" "$out/j2.qml"
clean_dir "$out"

# the QGIS style beside the GeoTIFF: listed, well-formed, refused and replaced with it
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 25 -o "$out/s.tif"
assert_stderr_contains "wrote $out/s.tif and its QGIS style $out/s.qml"
/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$out/s.qml" ||
  fail "s.qml is not well-formed XML"
grep -q 'singlebandpseudocolor' "$out/s.qml" || fail "s.qml has no pseudocolour renderer"
rm "$out/s.tif"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 25 -o "$out/s.tif"
assert_stderr_contains "s.qml' (the style beside"
[ ! -e "$out/s.tif" ] || fail "s.tif written though its style was refused"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 25 -o "$out/s.tif" --overwrite -q
[ -e "$out/s.tif" ] && [ -e "$out/s.qml" ] || fail "s.tif and s.qml not both written with --overwrite"
clean_dir "$out"

# a GeoPackage run: the surface as a gridded coverage and the hot-spot areas
assert_exit 0 "$SAFEMAP" kde "$POINTS" --wards "$WARDS" --bandwidth 250 --cell 25 --hotspot-areas 50,90 -o "$out/run.gpkg"
assert_stderr_contains "50% of the density lies in"
gdalinfo "$out/run.gpkg" 2> /dev/null | grep -q "Type=Float32" || fail "run.gpkg has no Float32 raster"
n=$(ogrinfo -q "$out/run.gpkg" -sql "SELECT COUNT(*) AS n FROM kde_hotspot_areas" 2> /dev/null | sed -n 's/ *n (Integer) = //p')
[ "$n" = 2 ] || fail "kde_hotspot_areas has '$n' features, want 2"
clean_dir "$out"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --hotspot-areas 50 -o "$out/a.tif"
assert_error_line kde "GeoPackage"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --hotspot-areas 150 -o "$out/a.gpkg"
assert_error_line kde "--hotspot-areas"

# bad input: each exits 1, says why, writes nothing
head -2 "$POLICE_SAMPLE" > "$WORKDIR/one_only.csv"
assert_exit 1 "$SAFEMAP" kde "$WORKDIR/one_only.csv" -o "$out/a.tif"
assert_error_line kde "at least two points"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 0 -o "$out/a.tif"
assert_error_line kde "bandwidth must be a distance > 0"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 10 --cell 50 -o "$out/a.tif"
assert_error_line kde "less than a cell"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 500 --cell 0.05 -o "$out/a.tif"
assert_error_line kde "grid ("
assert_stderr_contains "GB of doubles"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 500 --extent 400000,100000,401000,101000 -o "$out/a.tif"
assert_error_line kde "outside the extent"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --kernel gaussian --convention arcgis -o "$out/a.tif"
assert_error_line kde "quartic"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --kernel cosine -o "$out/a.tif"
assert_error_line kde "unknown --kernel 'cosine'"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --type Robbery -o "$out/a.tif"
assert_error_line kde "no points"
assert_exit 1 "$SAFEMAP" kde "$POINTS" -o "$out/a.csv"
assert_error_line kde ".tif or .gpkg"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --edge uniform --convention arcgis -o "$out/a.tif"
assert_error_line kde "no edge correction"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --edge sideways -o "$out/a.tif"
assert_error_line kde "unknown --edge 'sideways'"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --edge uniform --wards "$WARDS" -o "$out/a.tif"
assert_error_line kde "study-area mask"
assert_dir_empty "$out"

# dual: a period against itself differs by 0 everywhere; against the year before it does not
assert_exit 0 "$SAFEMAP" kde "$POINTS" --from 2024-01 --to 2024-12 --compare-from 2024-01 --compare-to 2024-12 \
  --dual difference --bandwidth 300 -o "$out/same.tif"
assert_stderr_contains "values 0 .. 0 points per square kilometre"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --from 2024-01 --to 2024-12 --compare-from 2023-01 --compare-to 2023-12 \
  --dual log-ratio --normalise --epsilon 0.01 --bandwidth 300 -o "$out/lr.tif"
gdalinfo "$out/lr.tif" 2> /dev/null | grep -q "dual=log ratio" || fail "lr.tif lacks its dual metadata"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --compare-from 2023-01 -o "$out/x.tif"
assert_error_line kde "go with --dual"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --dual quotient -o "$out/x.tif"
assert_error_line kde "unknown --dual 'quotient'"
assert_no_file "$out/x.tif"
clean_dir "$out"

# edge-corrected spatstat surface on the golden points runs end to end
assert_exit 0 "$SAFEMAP" kde "$SRCDIR/tests/golden/kde/points.csv" --x x --y y --crs EPSG:27700 --convention spatstat \
  --kernel quartic --bandwidth 100 --edge diggle --extent 529000,182000,531000,183500 --cell 25 -o "$out/e.tif"
assert_stderr_contains "80 x 60 cells"
# a surface written in bands of rows: the same cells (gdal_translate to XYZ text, compared whole), the same style,
# the same metadata but the run's options; -v says the bands and the peak memory
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 -o "$out/whole.tif"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --band-rows 9 -o "$out/bands.tif" -v
assert_stderr_contains "is computed and written in bands of 9 rows"
assert_stderr_contains "peak memory"
gdal_translate -q -of XYZ "$out/whole.tif" "$out/whole.xyz" && gdal_translate -q -of XYZ "$out/bands.tif" "$out/bands.xyz" ||
  fail "gdal_translate could not read the surfaces"
cmp -s "$out/whole.xyz" "$out/bands.xyz" || fail "the surface in bands differs from the whole one"
cmp -s "$out/whole.qml" "$out/bands.qml" || fail "the style of the surface in bands differs"
gdalinfo "$out/bands.tif" 2> /dev/null | grep -q "units=points per square kilometre" || fail "bands.tif lacks its units"
# the file of a surface in bands has the same bytes for 1 and 2 threads (overviews and compression on every core)
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 5 --band-rows 100 -j 1 -o "$out/j1.tif"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 5 --band-rows 100 -j 2 -o "$out/j2.tif"
cmp -s "$out/j1.tif" "$out/j2.tif" || fail "a surface in bands differs between 1 and 2 threads"
# too small a memory limit for one band: refused, naming what one row needs; nothing written
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --memory-limit 1M -o "$out/small.tif"
assert_error_line kde "one band of 1 row of the"
assert_stderr_contains "more than the memory limit of 1 MiB"
assert_no_file "$out/small.tif"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --memory-limit 8X -o "$out/small.tif"
assert_error_line kde "--memory-limit needs a size: 8G, 512M (powers of 1024), 8e9 bytes, or 60%, not '8X'"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --band-rows 9 --hotspot-areas 50 -o "$out/small.gpkg"
assert_error_line kde "--band-rows cannot go with --hotspot-areas"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --band-rows 9 --tiles "$out/map" -o "$out/small.tif"
assert_error_line kde "--band-rows cannot go with --tiles"
assert_no_file "$out/small.gpkg"
assert_no_file "$out/small.tif"
# SAFEMAP_SIMD: a name that is not a code path, and a path this CPU lacks (avx512 where it has none): refused,
# nothing written; a path it runs gives the same file as the default
SAFEMAP_SIMD=sse9 assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 -o "$out/simd.tif"
assert_error_line kde "SAFEMAP_SIMD='sse9' is not a code path: base, avx2 or avx512"
assert_no_file "$out/simd.tif"
if ! grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  SAFEMAP_SIMD=avx512 assert_exit 1 "$SAFEMAP" kde "$POINTS" --bandwidth 250 -o "$out/simd.tif"
  assert_error_line kde "SAFEMAP_SIMD=avx512: this CPU (or this build) has no avx512 code path"
  assert_no_file "$out/simd.tif"
fi
SAFEMAP_SIMD=base assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 -o "$out/simd_base.tif" -q
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 -o "$out/simd_default.tif" -q
assert_exit 0 cmp "$out/simd_base.tif" "$out/simd_default.tif"
clean_dir "$out"
finish
