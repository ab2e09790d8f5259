#!/usr/bin/python3
"""The numbers of `safemap plan` on the bundled Camden data, computed independently of safemap: the police.uk
CSVs read with the csv module, the points put into EPSG:27700 and into the 2024 wards with GDAL's Python
bindings (osgeo.ogr / osr: its own point-in-polygon, not safemap's), the rest with plain Python and numpy.

Writes expected_wards.csv, expected_months.csv, expected_streets.csv and expected_repeats.csv into the
directory given (default: beside this script). Usage:
    /usr/bin/python3 tests/golden/plan/plan_expected.py [OUTDIR]
Needs the Debian packages python3-gdal and python3-numpy.
"""
import csv
import glob
import os
import sys

import numpy as np
from osgeo import ogr, osr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
POINTS = os.path.join(ROOT, "data", "police", "camden_burglary")
WARDS = os.path.join(ROOT, "data", "wards", "camden_wards_2024.gpkg")
HOUSEHOLDS = os.path.join(ROOT, "data", "synthetic", "camden_households_synthetic.csv")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_index(text):
    y, m = text.split("-")[:2]
    return int(y) * 12 + int(m) - 1


def month_text(k):
    return "%04d-%02d" % (k // 12, k % 12 + 1)


def read_points():
    rows = []
    for path in sorted(glob.glob(os.path.join(POINTS, "*.csv"))):
        with open(path, newline="", encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                if not r["Longitude"].strip() or not r["Latitude"].strip():
                    continue
                rows.append((float(r["Longitude"]), float(r["Latitude"]), month_index(r["Month"]), r["Location"]))
    return rows


def read_wards():
    ds = ogr.Open(WARDS)
    layer = ds.GetLayer(0)
    bng = osr.SpatialReference()
    bng.ImportFromEPSG(27700)
    bng.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src = layer.GetSpatialRef()
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_bng = osr.CoordinateTransformation(src, bng)
    wards = []
    for feat in layer:
        g = feat.GetGeometryRef().Clone()
        g.Transform(to_bng)
        wards.append((feat.GetField("WD24CD"), feat.GetField("WD24NM"), g))
    return wards, bng


def mann_kendall(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    s = 0.0
    for i in range(n - 1):
        s += np.sign(x[i + 1:] - x[i]).sum()
    return s, s / (n * (n - 1) / 2)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    pts = read_points()
    wards, bng = read_wards()
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(wgs, bng)
    nw = len(wards)
    m0 = min(p[2] for p in pts)
    T = max(p[2] for p in pts) - m0 + 1
    ward_of = []
    for lon, lat, _, _ in pts:
        x, y, _ = tr.TransformPoint(lon, lat)
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D(x, y)
        w = -1
        for k, (_, _, g) in enumerate(wards):
            if g.Contains(pt):
                w = k
                break
        ward_of.append(w)
    cnt = np.zeros((nw, T), dtype=np.int64)
    for (lon, lat, m, _), w in zip(pts, ward_of):
        if w >= 0:
            cnt[w, m - m0] += 1
    total = cnt.sum(axis=1)
    last12 = cnt[:, T - 12:].sum(axis=1)
    prev12 = cnt[:, T - 24:T - 12].sum(axis=1)
    btotal = int(total.sum())
    hh = {}
    with open(HOUSEHOLDS, newline="") as f:
        for r in csv.DictReader(f):
            hh[r["ward_code"]] = float(r["households"])
    hh_all = sum(hh[c] for c, _, _ in wards)
    brate = 1000.0 * int(last12.sum()) / hh_all
    rank = [1 + sum(1 for j in range(nw) if total[j] > total[i]) for i in range(nw)]

    with open(os.path.join(out, "expected_wards.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ward_code", "ward_name", "total", "last12", "prev12", "change", "change_pct", "rank", "share",
                    "rate_per_1000", "borough_rate_per_1000", "peak_months", "mk_s", "mk_tau"])
        for i, (code, name, _) in enumerate(wards):
            cal_sum = np.zeros(12)
            cal_n = np.zeros(12)
            for m in range(T):
                c = (m0 + m) % 12
                cal_sum[c] += cnt[i, m]
                cal_n[c] += 1
            means = [(-(cal_sum[c] / cal_n[c]), c) for c in range(12) if cal_n[c] > 0 and cal_sum[c] > 0]
            peak = ", ".join(MONTHS[c] for _, c in sorted(means)[:3])
            s, tau = mann_kendall(cnt[i])
            change = int(last12[i] - prev12[i])
            w.writerow([code, name, int(total[i]), int(last12[i]), int(prev12[i]), change,
                        repr(100.0 * change / prev12[i]) if prev12[i] else "", rank[i],
                        repr(total[i] / btotal), repr(1000.0 * last12[i] / hh[code]), repr(brate), peak,
                        repr(float(s)), repr(float(tau))])

    with open(os.path.join(out, "expected_months.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ward_code", "month", "count", "rolling12"])
        for i, (code, _, _) in enumerate(wards):
            for m in range(T):
                w.writerow([code, month_text(m0 + m), int(cnt[i, m]),
                            int(cnt[i, m - 11:m + 1].sum()) if m >= 11 else ""])

    with open(os.path.join(out, "expected_streets.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ward_code", "rank", "location", "count", "last12"])
        for i, (code, _, _) in enumerate(wards):
            tally = {}
            for (lon, lat, m, loc), k in zip(pts, ward_of):
                street = loc[len("On or near"):].lstrip(" ") if loc.startswith("On or near") else loc
                if k != i or not street:  # police.uk's "On or near " alone names no street
                    continue
                a = tally.setdefault(loc, [0, 0])
                a[0] += 1
                a[1] += m - m0 >= T - 12
            top = sorted(tally.items(), key=lambda kv: (-kv[1][0], kv[0].encode("utf-8")))[:10]
            for r, (loc, (c, c12)) in enumerate(top, 1):
                w.writerow([code, r, loc, c, c12])

    with open(os.path.join(out, "expected_repeats.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ward_code", "rank", "location", "lon", "lat", "count", "months"])
        for i, (code, _, _) in enumerate(wards):
            places = {}
            for (lon, lat, m, loc), k in zip(pts, ward_of):
                if k == i and m - m0 >= T - 12:
                    places.setdefault((lon, lat), [loc, []])[1].append(m)
            reps = [(len(ms), lon, lat, loc, sorted(ms)) for (lon, lat), (loc, ms) in places.items() if len(ms) >= 2]
            reps.sort(key=lambda r: (-r[0], r[1], r[2]))
            for r, (c, lon, lat, loc, ms) in enumerate(reps, 1):
                parts = []
                for mm in sorted(set(ms)):
                    k = ms.count(mm)
                    parts.append(month_text(mm) + (" (%d)" % k if k > 1 else ""))
                w.writerow([code, r, loc, repr(lon), repr(lat), c, ", ".join(parts)])
    print("points %d, in wards %d, months %d" % (len(pts), sum(1 for k in ward_of if k >= 0), T))


if __name__ == "__main__":
    main()
