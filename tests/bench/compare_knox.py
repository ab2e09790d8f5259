#!/usr/bin/env python3
"""Agreement check for the `nearrepeat` bench entry.

    compare_knox.py SAFEMAP.csv R.csv [--diff-csv PATH]

SAFEMAP.csv is `safemap nearrepeat -o` (one row per cell, spatial-major);
R.csv is knox_R.R's output (row, col, observed, sim_mean, knox_ratio, p) in
the same order. Observed counts must be equal in every cell; the
permutation columns (sim_mean, knox_ratio, p) can only agree statistically
(different random draws, possibly different numbers of permutations): the
Pearson correlation of the Knox ratios, their largest absolute difference,
and the share of cells with the same decision at p <= 0.05 are reported.
Prints one line ("yes (...)" / "no: ...") and exits 0.
"""
import csv
import math
import sys


def num(s):
    return float(s) if s not in ("", "NA") else math.nan


def main(argv):
    diff_csv = None
    if "--diff-csv" in argv:
        k = argv.index("--diff-csv")
        diff_csv = argv[k + 1]
        del argv[k:k + 2]
    sm = list(csv.DictReader(open(argv[1], newline="")))
    r = list(csv.DictReader(open(argv[2], newline="")))
    if len(sm) != len(r):
        print(f"no: {len(sm)} safemap cells, {len(r)} R cells")
        return 0
    bad = []
    for k, (a, b) in enumerate(zip(sm, r)):
        if num(a["observed"]) != num(b["observed"]):
            bad.append((k, a["space_band"], a["time_band"], a["observed"], b["observed"]))
    if diff_csv:
        with open(diff_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["cell", "space_band", "time_band", "safemap_observed", "R_observed"])
            w.writerows(bad)
    ra = [(num(a["knox_ratio"]), num(b["knox_ratio"])) for a, b in zip(sm, r)]
    ra = [(u, v) for u, v in ra if not (math.isnan(u) or math.isnan(v))]
    mu = sum(u for u, _ in ra) / len(ra)
    mv = sum(v for _, v in ra) / len(ra)
    cov = sum((u - mu) * (v - mv) for u, v in ra)
    su = math.sqrt(sum((u - mu) ** 2 for u, _ in ra))
    sv = math.sqrt(sum((v - mv) ** 2 for _, v in ra))
    corr = cov / (su * sv) if su > 0 and sv > 0 else math.nan
    maxd = max(abs(u - v) for u, v in ra)
    same = sum((num(a["p"]) <= 0.05) == (num(b["p"]) <= 0.05) for a, b in zip(sm, r))
    sig_sm = sum(num(a["p"]) <= 0.05 for a in sm)
    sig_r = sum(num(b["p"]) <= 0.05 for b in r)
    pairs = sum(num(a["observed"]) for a in sm)
    stat = (f"Knox ratio r {corr:.4f}, max |d| {maxd:.3g}; same p <= 0.05 decision in {same}/{len(sm)} cells "
            f"({sig_sm} safemap, {sig_r} R significant)")
    if bad:
        k, sb, tb, x, y = bad[0]
        print(f"no: observed differs in {len(bad)} of {len(sm)} cells (first: {sb} / {tb}: safemap {x}, R {y}); {stat}")
    else:
        print(f"yes (observed equal in all {len(sm)} cells, {pairs:.0f} pairs; {stat})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
