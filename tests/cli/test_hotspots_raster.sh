#!/usr/bin/env bash
# safemap hotspots on a fishnet written as a GeoTIFF (a band per field): the bands equal the GeoPackage's fields cell
# by cell (exactly: both hold the doubles), nodata outside the study area, the same bytes for 1 and 2 threads; the refusals.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
common=(--wards "$WARDS" --grid fishnet --cell 100 --band 250 --permutations 99 --seed 1)
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" "${common[@]}" -j 1 -o "$out/a.tif"
assert_stderr_contains "wrote $out/a.tif and its QGIS style $out/a.qml"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" "${common[@]}" -j 2 -o "$out/b.tif" -q
assert_same_bytes "$out/a.tif" "$out/b.tif"
assert_same_bytes "$out/a.qml" "$out/b.qml"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" "${common[@]}" -o "$out/a.gpkg" -q
# every band against the layer's field of the same name, cell by cell (the layer's row counts from the south)
/usr/bin/python3 - "$out/a.tif" "$out/a.gpkg" << 'PY' || fail "the GeoTIFF's bands differ from the GeoPackage"
import sys
from osgeo import gdal, ogr
ds = gdal.Open(sys.argv[1])
names = [ds.GetRasterBand(k + 1).GetDescription() for k in range(ds.RasterCount)]
want = "count neighbours gi_z gi_p gi_bin gi_bin_fdr lisa_i lisa_z lisa_p lisa_class gi_p_sim lisa_p_sim".split()
assert names == want, names
assert ds.GetMetadataItem("bands") == ",".join(want)
assert "binary distance band 250 m" in ds.GetMetadataItem("weights")
assert ds.GetMetadataItem("global_moran").startswith("I ")
h = ds.RasterYSize
arr = {n: ds.GetRasterBand(k + 1).ReadAsArray() for k, n in enumerate(names)}
nodata = ds.GetRasterBand(1).GetNoDataValue()
assert nodata == -9999
for k in range(ds.RasterCount):
    assert ds.GetRasterBand(k + 1).GetNoDataValue() == nodata
codes = {"": 0, "HH": 1, "LL": 2, "LH": 3, "HL": 4}
seen = set()
src = ogr.Open(sys.argv[2])  # kept: the layer lives as long as its source
layer = src.GetLayer("hotspots")
rows = 0
for f in layer:
    rows += 1
    j, i = h - 1 - f.GetField("row"), f.GetField("col")
    seen.add((j, i))
    for n in names:
        v = arr[n][j, i]
        if n == "lisa_class":
            assert v == codes[f.GetField(n) or ""], (n, f.GetField(n), v)
        elif not f.IsFieldSetAndNotNull(n):
            assert v == nodata, (n, v)
        else:
            assert f.GetField(n) == v, (n, repr(f.GetField(n)), repr(v))
outside = [(j, i) for j in range(h) for i in range(ds.RasterXSize) if (j, i) not in seen]
assert len(outside) > 0
for j, i in outside:
    assert all(arr[n][j, i] == nodata for n in names), (j, i)
qml = open(sys.argv[1][:-4] + ".qml").read()
assert 'type="paletted" band="6"' in qml and "Hot spot, 99% confidence" in qml
print("bands equal the GeoPackage in %d cells, %d cells nodata" % (rows, len(outside)))
PY
# without permutations: ten bands
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 -o "$out/c.tif" -q
n=$(/usr/bin/python3 -c 'import sys; from osgeo import gdal; print(gdal.Open(sys.argv[1]).RasterCount)' "$out/c.tif")
[ "$n" = 10 ] || fail "bands without permutations: $n, want 10"

# refusals: wards and hexagons as rasters, tiles from a raster, a polygon layer over the memory limit
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/w.tif"
assert_error_line hotspots "a raster output is for --grid fishnet (square cells); write wards to .gpkg or .csv"
assert_no_file "$out/w.tif"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --grid hexagon --cell 200 --band 300 -o "$out/h.tif"
assert_error_line hotspots "write hexagons to .gpkg or .csv"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --tiles "$out/tiles" -o "$out/t.tif"
assert_stderr_contains "--tiles draws the cells' polygons"
assert_no_file "$out/t.tif"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 10 --band 25 --memory-limit 200M -o "$out/big.gpkg"
assert_error_line hotspots "the hot-spot analysis of"
assert_stderr_contains "the cells' polygons"
assert_stderr_contains "write a raster instead of polygons (-o OUT.tif: a band per field)"
assert_no_file "$out/big.gpkg"
# the same grid fits as a raster
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 10 --band 25 --memory-limit 200M -o "$out/big.tif" -q
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 10 --band 25 --memory-limit 50M -o "$out/big2.tif"
assert_error_line hotspots "use a larger --cell or a smaller --extent"
assert_no_file "$out/big2.tif"
finish
