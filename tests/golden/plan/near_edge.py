#!/usr/bin/python3
"""Per ward, how many police.uk points lie within 50 m of the ward's boundary (where a snap point may fall
on the other side of a ward edge from the address it stands for).

usage: near_edge.py WARDS.gpkg POINTS_DIR_OR_CSV... > near_edge.csv   (2024 ward codes in WD24CD)
Reads police.uk street-level CSVs (Longitude, Latitude, Month), keeps --from/--to months given as the
environment's FROM and TO (YYYY-MM), locates each point in the wards (GDAL's ogr) and measures its distance
to the ward's boundary in British National Grid metres."""
import csv
import glob
import os
import sys

from osgeo import ogr, osr

FROM, TO = os.environ.get("FROM", "0000-00"), os.environ.get("TO", "9999-99")
ds = ogr.Open(sys.argv[1])
lyr = ds.GetLayer(0)
wards = [(f.GetField("WD24CD"), f.GetGeometryRef().Clone()) for f in lyr]
bounds = [(c, g, g.GetBoundary()) for c, g in wards]
src = osr.SpatialReference(); src.ImportFromEPSG(4326); src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
dst = osr.SpatialReference(); dst.ImportFromEPSG(27700); dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(src, dst)
files = []
for a in sys.argv[2:]:
    files += sorted(glob.glob(os.path.join(a, "*.csv"))) if os.path.isdir(a) else [a]
count = {c: [0, 0] for c, _ in wards}
for fn in files:
    with open(fn, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if not (FROM <= row["Month"] <= TO) or not row["Longitude"]:
                continue
            x, y, _ = ct.TransformPoint(float(row["Longitude"]), float(row["Latitude"]))
            p = ogr.Geometry(ogr.wkbPoint); p.AddPoint_2D(x, y)
            for c, g, b in bounds:
                if g.Contains(p):
                    count[c][1] += 1
                    count[c][0] += p.Distance(b) <= 50
                    break
print("ward_code,near_edge,points")
for c, (n, t) in sorted(count.items()):
    print(f"{c},{n},{t}")
