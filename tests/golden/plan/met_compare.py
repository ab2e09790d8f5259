#!/usr/bin/python3
"""police.uk burglary counts per ward and month (as safemap counts them) beside the Metropolitan Police's own
ward-level recorded counts, for the months both cover.

usage: met_compare.py COUNTS_BY_MONTH.csv MET_WARD_LEVEL.csv [POINTS_NEAR_EDGE.csv]

COUNTS_BY_MONTH.csv: `safemap count POINTS --wards W --from A --to B -o c.csv` writes it as c_by_month.csv
(area_id, area_name, month, category, count). MET_WARD_LEVEL.csv: the Met's "MPS Ward Level Crime (most recent
24 months)" (London Datastore: MajorText, MinorText, WardName, WardCode, LookUp_BoroughName, then one column
per month, YYYYMM); its three burglary minor categories are summed. Only the wards of COUNTS_BY_MONTH and the
months both files hold are compared. POINTS_NEAR_EDGE.csv (optional): ward code, points within 50 m of the
ward's boundary, from near_edge.py. Prints the figures the README's comparison quotes. csv and numpy only."""
import csv
import sys

import numpy as np

BURGLARY = {"RES BURGLARY OF A HOME", "RES BURGLARY OF UNCONNECTED BUILDING", "BURGLARY BUSINESS AND COMMUNITY"}


def rank(a):
    order = np.argsort(a, kind="mergesort")
    r = np.empty(len(a))
    r[order] = np.arange(len(a))
    # average ranks of ties
    vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r)
    return (sums / counts)[inv]


def main():
    pu, names, months = {}, {}, set()
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            key = (row["area_id"], row["month"].replace("-", ""))
            pu[key] = pu.get(key, 0) + int(row["count"])
            names[row["area_id"]] = row["area_name"]
            months.add(key[1])
    met = {}
    with open(sys.argv[2], newline="", encoding="utf-8-sig") as f:
        rd = csv.reader(f)
        head = next(rd)
        mcols = [(i, h) for i, h in enumerate(head) if h.isdigit()]
        for row in rd:
            if row[1] not in BURGLARY or row[3] not in names:
                continue
            for i, m in mcols:
                met[(row[3], m)] = met.get((row[3], m), 0) + int(row[i] or 0)
    met_months = {m for _, m in met}
    both = sorted(months & met_months)
    wards = sorted(names)
    missing = [w for w in wards if not any((w, m) in met for m in both)]
    wards = [w for w in wards if w not in missing]
    a = np.array([[pu.get((w, m), 0) for m in both] for w in wards], dtype=float)
    b = np.array([[met.get((w, m), 0) for m in both] for w in wards], dtype=float)
    ta, tb = a.sum(1), b.sum(1)
    print(f"months compared: {len(both)} ({both[0][:4]}-{both[0][4:]} to {both[-1][:4]}-{both[-1][4:]})")
    print(f"wards compared: {len(wards)} (of {len(names)}; no Met row: {', '.join(missing) or 'none'})")
    print(f"total police.uk: {a.sum():.0f}, Met: {b.sum():.0f}, ratio {a.sum() / b.sum():.3f}")
    pr = lambda x, y: np.corrcoef(x, y)[0, 1]
    print(f"Pearson r, ward x month: {pr(a.ravel(), b.ravel()):.3f}; ward totals: {pr(ta, tb):.3f}")
    print(f"Spearman rho, ward x month: {pr(rank(a.ravel()), rank(b.ravel())):.3f}; ward totals: {pr(rank(ta), rank(tb)):.3f}")
    ratio = ta / np.where(tb > 0, tb, np.nan)
    print(f"ratio police.uk / Met per ward: mean {np.nanmean(ratio):.3f}, median {np.nanmedian(ratio):.3f}, "
          f"min {np.nanmin(ratio):.3f}, max {np.nanmax(ratio):.3f}")
    print(f"mean absolute difference per ward and month: {np.abs(a - b).mean():.2f} (mean Met count {b.mean():.2f})")
    print(f"wards where police.uk counts more: {int((ta > tb).sum())}, fewer: {int((ta < tb).sum())}, the same: {int((ta == tb).sum())}")
    near = {}
    if len(sys.argv) > 3:
        with open(sys.argv[3], newline="") as f:
            for row in csv.DictReader(f):
                near[row["ward_code"]] = (int(row["near_edge"]), int(row["points"]))
    diff = ta - tb
    order = np.argsort(-np.abs(diff), kind="mergesort")[:10]
    print("wards that differ most (police.uk - Met over the months):")
    print("  ward_code  ward_name                        police.uk   Met  diff  ratio  points within 50 m of the edge")
    for i in order:
        w = wards[i]
        ne = f"{near[w][0]} of {near[w][1]} ({100 * near[w][0] / max(near[w][1], 1):.0f}%)" if w in near else ""
        print(f"  {w}  {names[w][:30]:30s} {ta[i]:9.0f} {tb[i]:5.0f} {diff[i]:5.0f}  {ratio[i]:5.2f}  {ne}")
    if near:
        allp = sum(v[1] for v in near.values())
        alln = sum(v[0] for v in near.values())
        print(f"all wards: {alln} of {allp} police.uk points ({100 * alln / max(allp, 1):.0f}%) lie within 50 m of their ward's boundary")


if __name__ == "__main__":
    main()
