#!/usr/bin/python3
"""Checks the "what next" and the remaining "where" of `safemap plan` against what Python recomputes from the
written outputs of the single commands and the ward polygons, with GDAL's Python bindings (osgeo.ogr for the
point-in-polygon, the intersections and the areas; osgeo.gdal for the surface):

- promap_cells per ward = the cells of `safemap forecast --at NEXT -o F.gpkg` (layer promap_top) whose centre
  (the middle of the cell's bounding box) is in the ward (ogr Contains): exactly;
- promap_share per ward = the risk of those cells over the sum of the surface `safemap forecast --at NEXT -o
  F.tif` (its valid cells): to 1e-6 relative (the GeoTIFF holds 32-bit floats);
- kde_area_50_m2, kde_area_75_m2, kde_area_90_m2 per ward = the area of the intersection of each level of
  `safemap kde --wards W --hotspot-areas 50,75,90 -o K.gpkg` with the ward (ogr Intersection + GetArea): to 1e-6
  relative (of the ward's area when the part is 0);
- emerging_category per ward = the category of `safemap emerging --wards W -o E.csv`: exactly;
- the back-test means (plan_wards' metadata "backtest") = the means of hit_rate and pai per method of `safemap
  forecast --backtest --warmup N -o B.csv` over its rows: to 1e-12 relative.

Usage: check_next.py WARDS PLAN.gpkg F.gpkg F.tif K.gpkg E.csv B.csv
Needs the Debian package python3-gdal."""
import csv
import re
import sqlite3
import sys

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()


def wards_bng(path):
    ds = ogr.Open(path)
    layer = ds.GetLayer(0)
    bng = osr.SpatialReference()
    bng.ImportFromEPSG(27700)
    bng.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src = layer.GetSpatialRef()
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(src, bng)
    out = {}
    for f in layer:
        g = f.GetGeometryRef().Clone()
        g.Transform(tr)
        out[f.GetField("WD24CD")] = g
    del layer, ds
    return out


def plan_rows(path):
    ds = ogr.Open(path)
    layer = ds.GetLayerByName("plan_wards")
    rows = {}
    for f in layer:
        rows[f.GetField("ward_code")] = {k: f.GetField(k) for k in
                                         ("promap_cells", "promap_share", "kde_area_50_m2", "kde_area_75_m2",
                                          "kde_area_90_m2", "emerging_category")}
    del layer, ds
    return rows


def rel(a, b, scale):
    return abs(a - b) / max(abs(b), scale)


def main():
    wards_path, plan_path, f_gpkg, f_tif, k_gpkg, e_csv, b_csv = sys.argv[1:8]
    wards = wards_bng(wards_path)
    plan = plan_rows(plan_path)
    bad = 0
    worst = {"promap_share": 0.0, "kde": 0.0, "backtest": 0.0}

    # ProMap's top cells placed in the wards by their centres
    raster = gdal.Open(f_tif)  # the dataset is kept open while its band is read
    band = raster.GetRasterBand(1)
    arr = band.ReadAsArray().astype(float)
    nodata = band.GetNoDataValue()
    total = float(arr[(arr != nodata) & (arr > 0)].sum())
    cells = {c: 0 for c in wards}
    risk = {c: 0.0 for c in wards}
    f_ds = ogr.Open(f_gpkg)  # kept open while its layer is read
    top = f_ds.GetLayerByName("promap_top")
    for f in top:
        x0, x1, y0, y1 = f.GetGeometryRef().GetEnvelope()
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D((x0 + x1) / 2, (y0 + y1) / 2)
        for code, g in wards.items():
            if g.Contains(pt):
                cells[code] += 1
                risk[code] += f.GetField("risk")
                break
    for code in wards:
        p = plan[code]
        if p["promap_cells"] != cells[code]:
            print("%s promap_cells: %s, expected %d" % (code, p["promap_cells"], cells[code]))
            bad += 1
        d = rel(p["promap_share"], risk[code] / total, 1e-300 if risk[code] else 1.0)
        worst["promap_share"] = max(worst["promap_share"], d)
        if d > 1e-6:
            print("%s promap_share: %r, expected %r" % (code, p["promap_share"], risk[code] / total))
            bad += 1

    # the KDE's hot-spot areas intersected with the wards
    levels = {}
    k_ds = ogr.Open(k_gpkg)
    for f in k_ds.GetLayerByName("kde_hotspot_areas"):
        levels[int(round(f.GetField("percent")))] = f.GetGeometryRef().Clone()
    for code, g in wards.items():
        for lv in (50, 75, 90):
            want = levels[lv].Intersection(g).GetArea() if lv in levels else 0.0
            got = plan[code]["kde_area_%d_m2" % lv]
            d = rel(got, want, g.GetArea() if want == 0 else 0.0)
            worst["kde"] = max(worst["kde"], d)
            if d > 1e-6:
                print("%s kde_area_%d_m2: %r, expected %r" % (code, lv, got, want))
                bad += 1

    # the emerging hot spot category of every ward
    with open(e_csv, newline="", encoding="utf-8") as fh:
        cat = {r["area_id"]: r["category"] for r in csv.DictReader(fh)}
    for code in wards:
        if plan[code]["emerging_category"] != cat.get(code):
            print("%s emerging_category: %r, expected %r" % (code, plan[code]["emerging_category"], cat.get(code)))
            bad += 1

    # the back-test's means
    sums = {}
    with open(b_csv, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["hit_rate"] == "":
                continue
            s = sums.setdefault(r["method"], [0.0, 0.0, 0])
            s[0] += float(r["hit_rate"])
            s[1] += float(r["pai"])
            s[2] += 1
    con = sqlite3.connect(plan_path)
    meta = con.execute("SELECT value FROM safemap_metadata WHERE layer = 'plan_wards' AND key = 'backtest'").fetchone()
    con.close()
    nums = [float(v) for v in re.findall(r"(?:promap|kde|last_month) ([-0-9.e+]+)", meta[0])]
    steps = int(re.search(r"means over (\d+) months", meta[0]).group(1))
    for k, m in enumerate(("promap", "kde", "last_month")):
        s = sums[m]
        if s[2] != steps:
            print("backtest %s: %d months scored, expected %d" % (m, steps, s[2]))
            bad += 1
        for got, want in ((nums[k], s[0] / s[2]), (nums[3 + k], s[1] / s[2])):
            d = rel(got, want, 1e-300)
            worst["backtest"] = max(worst["backtest"], d)
            if d > 1e-12:
                print("backtest %s: %r, expected %r" % (m, got, want))
                bad += 1
    print("what next: %d wards; promap_cells and emerging_category equal; worst relative difference: promap_share "
          "%.3g, kde areas %.3g, back-test means %.3g" % (len(wards), worst["promap_share"], worst["kde"],
                                                          worst["backtest"]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
