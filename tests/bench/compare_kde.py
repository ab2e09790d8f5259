#!/usr/bin/python3
"""Agreement checks and counts for the `kde` benchmark entry (run.sh).

  compare_kde.py qgis SAFEMAP.tif QGIS.tif [--model MODEL.tif] [--max-shift 2]
                 [--diff-csv F]
      safemap --convention qgis-raw vs QGIS Heatmap (Raw). Prints one line
      for the table's `agree` column: the relative difference over the cells
      where both are > 0 (median, max, and max over cells >= 1% of
      the peak) at the whole-row vertical shift of QGIS's surface
      that minimises the RMS difference (searched over +-max-shift rows),
      the cells that are nodata in exactly one of the two and, with
      --model, the same comparison against MODEL.tif: safemap's surface of
      the points moved the way QGIS 3.22 moves them (see `qgis-model`).

  compare_kde.py qgis-model IN.csv OUT.csv --radius R --cell C
      Writes OUT.csv (X,Y) with every point of IN.csv moved vertically the
      way QGIS 3.22's heatmap moves it: QGIS evaluates the kernel on rows
      counted up from the south edge of its bounds (the points' extent grown
      by R) and writes them to rows counted down from the north edge, so a
      point at y lands at y + (frac((ymax - y)/C) - frac((y - ymin)/C)) * C,
      less than one cell away. Prints the bounds as xmin,ymin,xmax,ymax (for
      safemap --extent) and the range of the shift in cells.

  compare_kde.py spatstat SAFEMAP.tif SPATSTAT.f64 [--model MODEL.tif]
                 [--diff-csv F]
      safemap --convention spatstat vs spatstat density.ppp (FFT), written
      by kde_spatstat.R as north-up float64 on the same grid. Prints the
      relative difference (median, 99th percentile, max, and max over the
      cells >= 1% of the peak) over the cells where both are > 0 and, with
      --model, the same against MODEL.tif: safemap's surface of the points
      moved to their pixel centres (see `spatstat-model`).

  compare_kde.py spatstat-model IN.csv OUT.csv --box xmin,ymin,xmax,ymax
                 --nx NX --ny NY
      Writes OUT.csv (X,Y) with every point of IN.csv moved to the centre of
      its pixel, as spatstat's FFT density does before convolving
      (nearest.raster.point: R's round(), halves to even, clamped to the
      grid).

  "> 0" means above 1e-9 x the larger peak of the two surfaces: spatstat's
  FFT leaves round-off (~1e-20) in cells no kernel reaches.

  compare_kde.py evals IN.csv GRID.tif --radius R
      Counts the kernel evaluations safemap makes on GRID.tif's grid: for
      every distinct location of IN.csv, the cell centres within R (clipped
      to the grid), as safemap's row-strip loop visits them. Prints
      "EVALS LOCATIONS".

Reads GeoTIFFs with GDAL's Python bindings and the CSV with numpy; the
differing cells (the 1000 largest absolute differences) go to --diff-csv.
"""
import argparse
import math
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def read_tif(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    a = band.ReadAsArray().astype(np.float64)
    nd = band.GetNoDataValue()
    if nd is not None:
        a[a == nd] = np.nan
    gt = ds.GetGeoTransform()
    del band, ds
    return a, gt


def read_xy(csv):
    with open(csv, "r", encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    try:
        cols = (header.index("X"), header.index("Y"))
    except ValueError:
        sys.exit(f"compare_kde.py: {csv} has no X and Y columns")
    xy = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=cols, dtype=np.float64, ndmin=2)
    return xy[:, 0], xy[:, 1]


def pct(v):
    v *= 100
    return f"{v:.2g}%" if v < 0.1 else f"{v:.2f}%" if v < 10 else f"{v:.0f}%"


# Values below FLOOR x the peak count as 0: FFT round-off (spatstat's
# surface is nowhere exactly 0) and Float32 crumbs.
FLOOR = 1e-9


def rel_stats(a, b):
    """Relative difference |a-b|/max(a,b) over the cells where both are > 0
    (above FLOOR x the peak); also its largest value over the cells at least
    1% of the peak, and the number of cells > 0 in only one of a, b."""
    peak = max(float(np.nanmax(a)), float(np.nanmax(b)), 0.0)
    fa, fb = a > FLOOR * peak, b > FLOOR * peak
    m = fa & fb
    if not m.any():
        return None
    rel = np.abs(a[m] - b[m]) / np.maximum(a[m], b[m])
    big = m & (np.maximum(a, b) >= 0.01 * peak)
    relb = np.abs(a[big] - b[big]) / np.maximum(a[big], b[big]) if big.any() else np.zeros(1)
    return {"n": int(m.sum()), "med": float(np.median(rel)), "max": float(rel.max()),
            "p99": float(np.percentile(rel, 99)), "max_1pc": float(relb.max()),
            "one_only": int((fa != fb).sum())}


def shifted(a, b, dy):
    """Overlapping parts of a[j] and b[j + dy] (dy > 0: b's rows further south)."""
    h = a.shape[0]
    if dy >= 0:
        return a[: h - dy], b[dy:]
    return a[-dy:], b[: h + dy]


def write_diff(path, a, b, gt, names, dy=0):
    if not path:
        return
    a2, b2 = shifted(np.nan_to_num(a), np.nan_to_num(b), dy)
    d = np.abs(a2 - b2)
    k = min(1000, d.size)
    idx = np.argpartition(d.ravel(), d.size - k)[d.size - k:]
    idx = idx[np.argsort(-d.ravel()[idx])]
    j0 = max(0, -dy)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"row,col,x,y,{names[0]},{names[1]},abs_diff,rel_diff\n")
        for i in idx:
            r, c = divmod(int(i), a2.shape[1])
            va, vb = a2[r, c], b2[r, c]
            row = r + j0
            x = gt[0] + (c + 0.5) * gt[1]
            y = gt[3] + (row + 0.5) * gt[5]
            den = max(va, vb)
            rel = abs(va - vb) / den if den > 0 else 0.0
            f.write(f"{row},{c},{x:.3f},{y:.3f},{va:.9g},{vb:.9g},{abs(va - vb):.9g},{rel:.6g}\n")


def cmd_qgis(args):
    s, gts = read_tif(args.safemap)
    q, gtq = read_tif(args.qgis)
    if s.shape != q.shape or any(abs(u - v) > 1e-6 for u, v in zip(gts, gtq)):
        print(f"no: grids differ (safemap {s.shape[1]}x{s.shape[0]} at {gts[0]:.2f},{gts[3]:.2f}; "
              f"QGIS {q.shape[1]}x{q.shape[0]} at {gtq[0]:.2f},{gtq[3]:.2f})")
        return 0
    s0, q0 = np.nan_to_num(s), np.nan_to_num(q)
    best = None
    for dy in range(-args.max_shift, args.max_shift + 1):
        a, b = shifted(s0, q0, dy)
        rms = math.sqrt(float(np.mean((a - b) ** 2)))
        if best is None or rms < best[1]:
            best = (dy, rms)
    dy = best[0]
    st = rel_stats(*shifted(s0, q0, dy))
    write_diff(args.diff_csv, s, q, gts, ("safemap", "qgis"), dy)
    if st is None:
        print("no: no cell is > 0 in both")
        return 0
    txt = (f"best shift {dy:+d} rows: rel diff med {pct(st['med'])} max {pct(st['max'])}, "
           f"{pct(st['max_1pc'])} where >=1% of peak; {st['one_only']} cells >0 in one only")
    ok = abs(dy) <= 1 and st["med"] <= 0.02
    if args.model:
        m, gtm = read_tif(args.model)
        if m.shape == q.shape and all(abs(u - v) < 1e-6 for u, v in zip(gtm, gtq)):
            sm = rel_stats(np.nan_to_num(m), q0)
            txt += f". QGIS's row rounding applied: max {sm['max']:.1e}, {sm['one_only']} in one only"
            ok = ok or (sm["max"] <= 1e-3 and sm["one_only"] == 0)
        else:
            txt += "; model grid differs"
    print(("yes (" if ok else "no: ") + txt + (")" if ok else ""))
    return 0


def cmd_qgis_model(args):
    x, y = read_xy(args.csv)
    R, C = args.radius, args.cell
    xmin, ymin, xmax, ymax = x.min() - R, y.min() - R, x.max() + R, y.max() + R
    a = (y - ymin) / C
    b = (ymax - y) / C
    shift = (b - np.floor(b)) - (a - np.floor(a))
    y2 = y + shift * C
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("X,Y\n")
        np.savetxt(f, np.column_stack([x, y2]), fmt="%.6f", delimiter=",")
    print(f"{xmin!r},{ymin!r},{xmax!r},{ymax!r} {shift.min():.3f} {shift.max():.3f}")
    return 0


def cmd_spatstat_model(args):
    x, y = read_xy(args.csv)
    xmin, ymin, xmax, ymax = (float(v) for v in args.box.split(","))
    dx, dy = (xmax - xmin) / args.nx, (ymax - ymin) / args.ny
    x0, y0 = xmin + dx / 2, ymin + dy / 2  # spatstat's xcol[1], yrow[1]
    xs = x0 + np.clip(np.round((x - x0) / dx), 0, args.nx - 1) * dx  # numpy rounds halves to even, as R
    ys = y0 + np.clip(np.round((y - y0) / dy), 0, args.ny - 1) * dy
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("X,Y\n")
        np.savetxt(f, np.column_stack([xs, ys]), fmt="%.6f", delimiter=",")
    d = np.hypot(xs - x, ys - y)
    print(f"{d.max():.3f} {d.mean():.3f}")
    return 0


def cmd_spatstat(args):
    s, gts = read_tif(args.safemap)
    h, w = s.shape
    r = np.fromfile(args.spatstat, dtype="<f8")
    if r.size != h * w:
        print(f"no: spatstat wrote {r.size} values, safemap's grid has {w}x{h}")
        return 0
    r = r.reshape(h, w)
    s0 = np.nan_to_num(s)
    st = rel_stats(s0, r)
    write_diff(args.diff_csv, s0, r, gts, ("safemap", "spatstat"))
    if st is None:
        print("no: no cell is > 0 in both")
        return 0
    ok = st["med"] <= 0.02 and st["max_1pc"] <= 0.10
    txt = (f"rel diff med {pct(st['med'])} p99 {pct(st['p99'])} max {pct(st['max'])}, "
           f"{pct(st['max_1pc'])} where >=1% of peak; {st['one_only']} cells >0 in one only")
    if args.model:
        m, gtm = read_tif(args.model)
        if m.shape == r.shape and all(abs(u - v) < 1e-6 for u, v in zip(gtm, gts)):
            sm = rel_stats(np.nan_to_num(m), r)
            txt += f". Points at pixel centres: max {sm['max']:.1e}, {sm['one_only']} in one only"
            ok = ok or (sm["max"] <= 1e-4 and sm["one_only"] == 0)
        else:
            txt += "; model grid differs"
    print(("yes (" if ok else "no: ") + txt + (")" if ok else ""))
    return 0


def cmd_evals(args):
    x, y = read_xy(args.csv)
    _, gt = read_tif(args.grid)
    ds = gdal.Open(args.grid)
    W, H = ds.RasterXSize, ds.RasterYSize
    del ds
    xmin, ymax, c, R = gt[0], gt[3], gt[1], args.radius
    p = np.unique(np.column_stack([x, y]), axis=0)
    px, py = p[:, 0], p[:, 1]
    j0 = np.ceil((ymax - (py + R)) / c - 0.5).astype(np.int64)
    j1 = np.floor((ymax - (py - R)) / c - 0.5).astype(np.int64)
    total = 0
    for k in range(int((j1 - j0).max()) + 1):
        j = j0 + k
        ok = (j <= j1) & (j >= 0) & (j < H)
        dy = ymax - (j + 0.5) * c - py
        dy2 = dy * dy
        ok &= dy2 <= R * R
        half = np.sqrt(np.maximum(R * R - dy2, 0.0))
        i0 = np.maximum(np.ceil((px - half - xmin) / c - 0.5), 0)
        i1 = np.minimum(np.floor((px + half - xmin) / c - 0.5), W - 1)
        n = np.where(ok & (i1 >= i0), i1 - i0 + 1, 0)
        total += int(n.sum())
    print(total, len(p))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("qgis")
    q.add_argument("safemap")
    q.add_argument("qgis")
    q.add_argument("--model")
    q.add_argument("--max-shift", type=int, default=2)
    q.add_argument("--diff-csv")
    qm = sub.add_parser("qgis-model")
    qm.add_argument("csv")
    qm.add_argument("out")
    qm.add_argument("--radius", type=float, required=True)
    qm.add_argument("--cell", type=float, required=True)
    s = sub.add_parser("spatstat")
    s.add_argument("safemap")
    s.add_argument("spatstat")
    s.add_argument("--model")
    s.add_argument("--diff-csv")
    sm = sub.add_parser("spatstat-model")
    sm.add_argument("csv")
    sm.add_argument("out")
    sm.add_argument("--box", required=True)
    sm.add_argument("--nx", type=int, required=True)
    sm.add_argument("--ny", type=int, required=True)
    e = sub.add_parser("evals")
    e.add_argument("csv")
    e.add_argument("grid")
    e.add_argument("--radius", type=float, required=True)
    args = ap.parse_args()
    return {"qgis": cmd_qgis, "qgis-model": cmd_qgis_model, "spatstat": cmd_spatstat,
            "spatstat-model": cmd_spatstat_model, "evals": cmd_evals}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
