#!/usr/bin/python3
"""Cuts the safety-audit sample of data/ from the public source copies (data/README.md).

Usage: /usr/bin/python3 data/tools/extract_audit_sample.py SOURCE_DIR

SOURCE_DIR holds the copies named in data/README.md: streets/osm_central_london_osmplotr.gpkg,
lighting/camden_street_lighting.csv, police/city_of_london_2023/*.csv,
maintenance/fixmystreet_lsoa_shef_b_london/*.csv, maintenance/CODES_SHEF_B.csv and
wards/london_lsoa_2011_gen20.gpkg. The area is Camden's two southern wards, Holborn & Covent Garden and
Bloomsbury (data/wards/camden_wards_2024.gpkg). Lines of the CSVs are kept byte-identical; the synthetic
walk audits, pins and defects are made here with a fixed seed and say so in their file names.
"""
import csv, glob, os, random, sys
from osgeo import ogr, osr

src = sys.argv[1]
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # data/
ogr.UseExceptions()

bng = osr.SpatialReference(); bng.ImportFromEPSG(27700)
wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
for s in (bng, wgs):
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_bng = osr.CoordinateTransformation(wgs, bng)

wards = ogr.Open(os.path.join(here, "wards/camden_wards_2024.gpkg"))
area = None
for f in wards.GetLayer(0):
    if f.GetField("WD24NM") in ("Holborn & Covent Garden", "Bloomsbury"):
        g = f.GetGeometryRef().Clone()
        area = g if area is None else area.Union(g)
near = area.Buffer(300)

# Streets: both layers of the osmplotr extract; lines that touch the two wards, geometry unchanged
# (EPSG:4326); the layer they came from kept as 'highway' ('primary' for highways_primary, empty else).
os.makedirs(os.path.join(here, "streets"), exist_ok=True)
out_path = os.path.join(here, "streets/holborn_bloomsbury_osm.gpkg")
if os.path.exists(out_path):
    os.remove(out_path)
ds = ogr.GetDriverByName("GPKG").CreateDataSource(out_path)
lo = ds.CreateLayer("highways", wgs, ogr.wkbLineString)
lo.CreateField(ogr.FieldDefn("osm_id", ogr.OFTString))
lo.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
osm = ogr.Open(os.path.join(src, "streets/osm_central_london_osmplotr.gpkg"))
kept = 0
for lname, hw in (("highways", None), ("highways_primary", "primary")):
    for f in osm.GetLayerByName(lname):
        g = f.GetGeometryRef().Clone()
        gb = g.Clone(); gb.Transform(to_bng)
        if not gb.Intersects(area):
            continue
        o = ogr.Feature(lo.GetLayerDefn())
        o.SetField("osm_id", f.GetField("osm_id"))
        if hw:
            o.SetField("highway", hw)
        o.SetGeometry(g)
        lo.CreateFeature(o)
        kept += 1
ds = None
print("streets:", kept)

def inside(x, y, geom):
    p = ogr.Geometry(ogr.wkbPoint); p.AddPoint_2D(x, y)
    return geom.Contains(p)

# Lamps: the Camden inventory's rows inside the two wards (by Easting/Northing), lines unchanged.
os.makedirs(os.path.join(here, "lighting"), exist_ok=True)
with open(os.path.join(src, "lighting/camden_street_lighting.csv"), newline="") as fi:
    lines = fi.read().split("\n")
hdr = next(csv.reader([lines[0]]))
ie, inn = hdr.index("Easting"), hdr.index("Northing")
out = [lines[0]]
for line in lines[1:]:
    if not line:
        continue
    row = next(csv.reader([line]))
    if inside(float(row[ie]), float(row[inn]), area):
        out.append(line)
with open(os.path.join(here, "lighting/camden_lamps_holborn_bloomsbury.csv"), "w", newline="") as fo:
    fo.write("\n".join(out) + "\n")
print("lamps:", len(out) - 1)

# Crimes: City of London 2023, every row within 300 m of the two wards, lines unchanged.
cdir = os.path.join(here, "police/city_of_london_2023_holborn")
os.makedirs(cdir, exist_ok=True)
n = 0
for path in sorted(glob.glob(os.path.join(src, "police/city_of_london_2023/*.csv"))):
    with open(path, newline="") as fi:
        lines = fi.read().split("\n")
    hdr = next(csv.reader([lines[0]]))
    ilon, ilat = hdr.index("Longitude"), hdr.index("Latitude")
    keep = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        row = next(csv.reader([line]))
        if not row[ilon]:
            continue
        x, y, _ = to_bng.TransformPoint(float(row[ilon]), float(row[ilat]))
        if inside(x, y, near):
            keep.append(line)
    n += len(keep) - 1
    with open(os.path.join(cdir, os.path.basename(path)), "w", newline="") as fo:
        fo.write("\n".join(keep) + "\n")
print("crimes:", n)

# Maintenance: FixMyStreet counts for the LSOAs (2011) that overlap the two wards, lines unchanged,
# and those LSOAs' polygons.
lsoa = ogr.Open(os.path.join(src, "wards/london_lsoa_2011_gen20.gpkg"))
ll = lsoa.GetLayer(0)
codes = set()
mdir = os.path.join(here, "maintenance/fixmystreet_holborn")
os.makedirs(mdir, exist_ok=True)
pl = os.path.join(here, "maintenance/lsoa_2011_holborn.gpkg")
if os.path.exists(pl):
    os.remove(pl)
ds = ogr.GetDriverByName("GPKG").CreateDataSource(pl)
defn = ll.GetLayerDefn()
lo = ds.CreateLayer("lsoa", ll.GetSpatialRef(), ogr.wkbMultiPolygon)
for i in range(defn.GetFieldCount()):
    lo.CreateField(defn.GetFieldDefn(i))
for f in ll:
    if area.Intersects(f.GetGeometryRef()) and area.Intersection(f.GetGeometryRef()).Area() > 1:
        codes.add(f.GetField(0))
        lo.CreateFeature(f)
ds = None
rows = 0
for path in sorted(glob.glob(os.path.join(src, "maintenance/fixmystreet_lsoa_shef_b_london/*.csv"))):
    with open(path, newline="") as fi:
        lines = fi.read().split("\n")
    keep = [lines[0]] + [l for l in lines[1:] if l and l.split(",")[0] in codes]
    rows += len(keep) - 1
    with open(os.path.join(mdir, os.path.basename(path)), "w", newline="") as fo:
        fo.write("\n".join(keep) + "\n")
with open(os.path.join(src, "maintenance/CODES_SHEF_B.csv"), newline="") as fi:
    open(os.path.join(here, "maintenance/CODES_SHEF_B.csv"), "w", newline="").write(fi.read())
print("lsoas:", len(codes), "maintenance rows:", rows)

# Synthetic inputs (no public walk audits, pins or defect points exist for this area): points placed at
# random on the extracted streets with a fixed seed. Labelled synthetic in their names and in data/README.md.
rnd = random.Random(20231)
segs = []
ds = ogr.Open(out_path)
for f in ds.GetLayer(0):
    g = f.GetGeometryRef().Clone(); g.Transform(to_bng)
    pts = g.GetPoints()
    for a, b in zip(pts, pts[1:]):
        segs.append((a, b))
def street_point(jitter):
    a, b = rnd.choice(segs)
    t = rnd.random()
    return (round(a[0] + t * (b[0] - a[0]) + rnd.uniform(-jitter, jitter), 1),
            round(a[1] + t * (b[1] - a[1]) + rnd.uniform(-jitter, jitter), 1))
sdir = os.path.join(here, "synthetic")
os.makedirs(sdir, exist_ok=True)
params = ["lighting", "openness", "visibility", "people", "security", "walk_path", "public_transport",
          "gender_usage", "feeling"]
with open(os.path.join(sdir, "walk_audits_synthetic.csv"), "w", newline="") as fo:
    w = csv.writer(fo, lineterminator="\n")
    w.writerow(["audit_id", "Easting", "Northing", "date"] + params)
    for i in range(120):
        x, y = street_point(3)
        w.writerow([f"A{i+1:03d}", x, y, f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"] +
                   [rnd.choice([0, 1, 1, 2, 2, 2, 3, 3]) for _ in params])
factors = ["street_lighting", "abandoned_buildings", "poorly_designed_spaces", "vandalism", "followed",
           "verbal_abuse"]
with open(os.path.join(sdir, "unsafe_pins_synthetic.csv"), "w", newline="") as fo:
    w = csv.writer(fo, lineterminator="\n")
    w.writerow(["pin_id", "Easting", "Northing"] + factors)
    for i in range(200):
        x, y = street_point(5)
        w.writerow([f"P{i+1:03d}", x, y] + [1 if rnd.random() < p else 0 for p in (0.4, 0.1, 0.2, 0.15, 0.25, 0.3)])
cats = ["Pavement/Footpath defect", "Street light not working", "Pothole", "Fly-tipping", "Graffiti",
        "Overgrown vegetation"]
with open(os.path.join(sdir, "defects_synthetic.csv"), "w", newline="") as fo:
    w = csv.writer(fo, lineterminator="\n")
    w.writerow(["defect_id", "Easting", "Northing", "category", "reported", "fixed"])
    for i in range(150):
        x, y = street_point(4)
        rep = f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        fixed = ""
        if rnd.random() < 0.6:
            m = int(rep[5:7]) + rnd.randint(0, 3)
            fixed = f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}-{rnd.randint(1, 28):02d}"
            if fixed < rep:
                fixed = rep
        w.writerow([f"D{i+1:03d}", x, y, rnd.choice(cats), rep, fixed])
print("synthetic: 120 audits, 200 pins, 150 defects")
