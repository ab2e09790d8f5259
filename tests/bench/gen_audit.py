#!/usr/bin/python3
"""Synthetic inputs for the `audit` bench entry (tests/bench/run.sh), in EPSG:27700.

    gen_audit.py --crimes N --seed S --out DIR/PREFIX

writes, deterministic from the seed (numpy's PCG64):

  PREFIX_streets.gpkg   layer `streets`: LineString, EPSG:27700, columns `id` (the
                        generator's segment id, 1..n, as text: see the README on
                        integer ids), `highway` ("residential"),
                        `name`. A jittered grid of streets at 100 m spacing over a
                        square of side 27 km x sqrt(N / 1M) (27 x 27 km at N = 1M),
                        about 10% of its edges left out (dead ends, blocks); every
                        edge between two junctions is written already cut into
                        ceil(L / 24.9) equal two-point lines of at most ~24.9 m,
                        consecutive pieces sharing their end vertex exactly. safemap
                        nodes lines only at shared vertices and cuts at --segment
                        25 m, so each line is one safemap segment and both tools see
                        the same segments (about 600,000 at N = 1M).
  PREFIX_lamps.csv      `Unit ID,Easting,Northing,Lumens,Mounting Height`: 0.5 N lamps
                        along the streets (edges drawn by length x a per-km-block
                        density in 0.1..1, so some districts are dark), 85% within
                        1.5 m of the street line, 15% 3 to 8 m off it; lumens in
                        {2000, 4000, 6000, 9000, 12000}, heights in {5, 6, 8, 10, 12} m.
  PREFIX_crimes.csv     `Crime ID,Month,X,Y,Crime type`: N crimes, all "Violence and
                        sexual offences", 60% within 15 m of a street, 40% around
                        200 Gaussian hot spots (sigma 100..400 m), inside the square.
  PREFIX_defects.csv    `Easting,Northing,Category,Reported,Fixed`: 0.05 N defects
                        within 10 m of a street; about half with a Fixed date (the
                        rest are open); 10% "Street light not working" (an open one
                        within 15 m of a lamp puts it out).
  PREFIX_meta.json      the counts (segments, edges, lamps, crimes, defects, open
                        defects), the box and the seed.

Coordinates are written to the millimetre (CSV) or as the doubles computed (GPKG).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from osgeo import ogr, osr

ogr.UseExceptions()

SPACING = 100.0
JITTER = 10.0  # each junction moved by up to this in x and y
DROP = 0.10  # share of edges left out
PIECE = 24.9  # longest piece (safemap cuts at 25 m)
X0, Y0 = 517000.0, 168000.0  # south-west corner of the box (inner London, BNG)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crimes", type=int, required=True, help="number of crimes (1000000: the London size)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="DIR/PREFIX of the files written")
    a = ap.parse_args()
    if a.crimes < 1000:
        sys.exit("gen_audit.py: --crimes must be at least 1000")
    rng = np.random.default_rng(a.seed)
    scale = a.crimes / 1e6
    side = 27000.0 * math.sqrt(scale)
    nn = int(round(side / SPACING)) + 1  # junctions per row
    side = (nn - 1) * SPACING

    # ---- junctions: a jittered grid
    gx, gy = np.meshgrid(np.arange(nn) * SPACING + X0, np.arange(nn) * SPACING + Y0, indexing="xy")
    jx = np.round(gx + rng.uniform(-JITTER, JITTER, gx.shape), 3)
    jy = np.round(gy + rng.uniform(-JITTER, JITTER, gy.shape), 3)
    # ---- edges: (row, col) -> (row, col + 1) and (row, col) -> (row + 1, col)
    r, c = np.meshgrid(np.arange(nn), np.arange(nn - 1), indexing="ij")
    h_a = np.stack([r.ravel(), c.ravel()], 1)
    h_b = np.stack([r.ravel(), c.ravel() + 1], 1)
    v_a = np.stack([c.ravel(), r.ravel()], 1)
    v_b = np.stack([c.ravel() + 1, r.ravel()], 1)
    ea = np.concatenate([h_a, v_a])
    eb = np.concatenate([h_b, v_b])
    keep = rng.random(len(ea)) >= DROP
    ea, eb = ea[keep], eb[keep]
    ax, ay = jx[ea[:, 0], ea[:, 1]], jy[ea[:, 0], ea[:, 1]]
    bx, by = jx[eb[:, 0], eb[:, 1]], jy[eb[:, 0], eb[:, 1]]
    elen = np.hypot(bx - ax, by - ay)
    npieces = np.ceil(elen / PIECE).astype(np.int64)
    ne = len(ea)
    nseg = int(npieces.sum())

    # ---- streets GeoPackage: each piece a two-point line
    gpkg = a.out + "_streets.gpkg"
    tmp = gpkg + ".tmp.gpkg"
    if os.path.exists(tmp):
        os.remove(tmp)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(27700)
    lyr = ds.CreateLayer("streets", srs, ogr.wkbLineString, ["GEOMETRY_NAME=geom", "FID=fid"])
    lyr.CreateField(ogr.FieldDefn("id", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    sid = 0
    for e in range(ne):
        n = int(npieces[e])
        xa, ya, xb, yb = float(ax[e]), float(ay[e]), float(bx[e]), float(by[e])
        # the vertices along the edge, computed once so that consecutive pieces share them exactly
        xs = [xa] + [xa + (xb - xa) * k / n for k in range(1, n)] + [xb]
        ys = [ya] + [ya + (yb - ya) * k / n for k in range(1, n)] + [yb]
        horiz = ea[e, 0] == eb[e, 0]
        name = ("Row %d Street" % ea[e, 0]) if horiz else ("Column %d Road" % ea[e, 1])
        for k in range(n):
            sid += 1
            f = ogr.Feature(defn)
            f.SetField(0, str(sid))
            f.SetField(1, "residential")
            f.SetField(2, name)
            g = ogr.Geometry(ogr.wkbLineString)
            g.AddPoint_2D(xs[k], ys[k])
            g.AddPoint_2D(xs[k + 1], ys[k + 1])
            f.SetGeometryDirectly(g)
            lyr.CreateFeature(f)
    ds.CommitTransaction()
    ds = None
    os.replace(tmp, gpkg)

    # a point on the streets: an edge drawn with probability prop. to `w`, a position along it, an offset
    def street_points(n, w, off_lo, off_hi, off_share):
        e = rng.choice(ne, size=n, p=w / w.sum())
        t = rng.random(n)
        dx, dy = bx[e] - ax[e], by[e] - ay[e]
        L = np.hypot(dx, dy)
        px, py = ax[e] + t * dx, ay[e] + t * dy
        side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        near = rng.uniform(0, off_lo, n)
        far = rng.uniform(off_hi[0], off_hi[1], n)
        off = side * np.where(rng.random(n) < off_share, far, near)
        return px - dy / L * off, py + dx / L * off

    # ---- lamps
    nl = a.crimes // 2
    nb = max(1, int(math.ceil(side / 1000.0)))
    block = rng.uniform(0.1, 1.0, (nb, nb))
    mx, my = (ax + bx) / 2 - X0, (ay + by) / 2 - Y0
    bi = np.clip((mx // 1000).astype(int), 0, nb - 1)
    bj = np.clip((my // 1000).astype(int), 0, nb - 1)
    lx, ly = street_points(nl, elen * block[bj, bi], 1.5, (3.0, 8.0), 0.15)
    lumens = rng.choice([2000, 4000, 6000, 9000, 12000], nl)
    height = rng.choice([5, 6, 8, 10, 12], nl)
    with open(a.out + "_lamps.csv.tmp", "w") as f:
        f.write("Unit ID,Easting,Northing,Lumens,Mounting Height\n")
        for i in range(nl):
            f.write("L%07d,%.3f,%.3f,%d,%d\n" % (i + 1, lx[i], ly[i], lumens[i], height[i]))
    os.replace(a.out + "_lamps.csv.tmp", a.out + "_lamps.csv")

    # ---- crimes
    nc = a.crimes
    ns = int(nc * 0.6)
    cx1, cy1 = street_points(ns, elen, 15.0, (0.0, 0.0), 0.0)
    nh = nc - ns
    hx = rng.uniform(X0, X0 + side, 200)
    hy = rng.uniform(Y0, Y0 + side, 200)
    hs = rng.uniform(100, 400, 200)
    k = rng.integers(0, 200, nh)
    cx2 = np.clip(hx[k] + rng.normal(0, 1, nh) * hs[k], X0, X0 + side)
    cy2 = np.clip(hy[k] + rng.normal(0, 1, nh) * hs[k], Y0, Y0 + side)
    cx, cy = np.concatenate([cx1, cx2]), np.concatenate([cy1, cy2])
    perm = rng.permutation(nc)
    cx, cy = cx[perm], cy[perm]
    month = rng.integers(1, 13, nc)
    with open(a.out + "_crimes.csv.tmp", "w") as f:
        f.write("Crime ID,Month,X,Y,Crime type\n")
        for i in range(nc):
            f.write("C%08d,2024-%02d,%.3f,%.3f,Violence and sexual offences\n" % (i + 1, month[i], cx[i], cy[i]))
    os.replace(a.out + "_crimes.csv.tmp", a.out + "_crimes.csv")

    # ---- defects
    nd = max(1, a.crimes // 20)
    dx_, dy_ = street_points(nd, elen, 10.0, (0.0, 0.0), 0.0)
    cats = ["Pothole", "Pavement defect", "Street light not working", "Fly-tipping", "Graffiti",
            "Overgrown vegetation"]
    cat = rng.choice(len(cats), nd, p=[0.25, 0.25, 0.10, 0.20, 0.10, 0.10])
    rep = np.datetime64("2023-01-01") + rng.integers(0, 700, nd).astype("timedelta64[D]")
    fixed = rng.random(nd) < 0.5
    fix = rep + rng.integers(1, 90, nd).astype("timedelta64[D]")
    with open(a.out + "_defects.csv.tmp", "w") as f:
        f.write("Easting,Northing,Category,Reported,Fixed\n")
        for i in range(nd):
            f.write("%.3f,%.3f,%s,%s,%s\n" % (dx_[i], dy_[i], cats[cat[i]], rep[i], fix[i] if fixed[i] else ""))
    os.replace(a.out + "_defects.csv.tmp", a.out + "_defects.csv")

    meta = {"seed": a.seed, "box": [X0, Y0, X0 + side, Y0 + side], "junctions": nn * nn, "edges": ne,
            "segments": nseg, "street_km": float(elen.sum()) / 1000, "lamps": nl, "crimes": nc,
            "defects": nd, "defects_open": int((~fixed).sum()),
            "defects_open_light": int(((~fixed) & (cat == 2)).sum())}
    with open(a.out + "_meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
