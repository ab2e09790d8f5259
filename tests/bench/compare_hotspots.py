#!/usr/bin/env python3
"""Cell-by-cell agreement for the `hotspots` benchmark entry (run.sh).

    compare_hotspots.py SAFEMAP.csv SPDEP.csv [--baseline SAFEMAP_SEED2.csv]
                        [--tol 1e-9] [--no-psim] [--diff-csv OUT.csv]

SAFEMAP.csv is `safemap hotspots --grid fishnet ... -o X.csv` (unit_id, row,
col, count, neighbours, gi_z, ..., [gi_p_sim]); SPDEP.csv is what
hotspots_spdep.R writes (unit_id, neighbours, z, [z_perm, p_sim, p_folded]).

Checks, joined on unit_id:
  - the same cells, and the same number of neighbours per cell (self not
    counted): the same weights;
  - the analytic Gi* z: max |safemap gi_z - spdep localG z| <= --tol;
  - with permutation p-values on both sides (and without --no-psim): their
    Pearson and Spearman correlation and the share of cells with the same
    decision at p <= 0.05. Different random draws, so not equal; with
    --baseline (the same safemap command with another --seed) the same
    figures between the two safemap runs, the Monte Carlo noise to read
    them against.

Prints one line for the table: "yes (...)" when the cells, neighbours and z
agree, else "no: ...". Cells that differ (neighbours, |dz| > tol, or the
0.05 decision) go to --diff-csv. Exit status 0 either way; 2 on bad input.
"""
import argparse
import csv
import math
import sys

import numpy as np


def read_cols(path, want, optional=()):
    with open(path, newline="") as f:
        r = csv.reader(f)
        hdr = next(r)
        missing = [c for c in want if c not in hdr]
        if missing:
            sys.exit(f"compare_hotspots: {path} has no column(s) {', '.join(missing)}")
        names = list(want) + [c for c in optional if c in hdr]
        idx = [hdr.index(c) for c in names]
        cols = [[] for _ in names]
        for row in r:
            for k, i in enumerate(idx):
                v = row[i]
                cols[k].append(float(v) if v != "" else math.nan)
    return {n: np.asarray(c, dtype=float) for n, c in zip(names, cols)}


def ranks(v):
    """Average ranks (ties share their mean rank), for Spearman's rho."""
    order = np.argsort(v, kind="mergesort")
    sv = v[order]
    r = np.empty(len(v), dtype=float)
    n = len(v)
    # boundaries of runs of equal values
    starts = np.flatnonzero(np.r_[True, sv[1:] != sv[:-1]])
    ends = np.r_[starts[1:], n]
    for s, e in zip(starts, ends):
        r[order[s:e]] = 0.5 * (s + e - 1) + 1
    return r


def psim_stats(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if len(a) < 3:
        return None
    pear = float(np.corrcoef(a, b)[0, 1])
    spear = float(np.corrcoef(ranks(a), ranks(b))[0, 1])
    same = float(np.mean((a <= 0.05) == (b <= 0.05)))
    return pear, spear, same, float(np.mean(a <= 0.05)), float(np.mean(b <= 0.05))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("safemap")
    ap.add_argument("spdep")
    ap.add_argument("--baseline", help="safemap's output with another --seed")
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--no-psim", action="store_true", help="do not compare permutation p-values")
    ap.add_argument("--diff-csv")
    a = ap.parse_args()

    sm = read_cols(a.safemap, ["unit_id", "row", "col", "count", "neighbours", "gi_z"], ["gi_p_sim"])
    sp = read_cols(a.spdep, ["unit_id", "neighbours", "z"], ["p_sim"])
    n = len(sm["unit_id"])
    if n != len(sp["unit_id"]) or not np.array_equal(sm["unit_id"], sp["unit_id"]):
        print(f"no: different cells (safemap {n:,}, spdep {len(sp['unit_id']):,})")
        return 0

    nb_diff = sm["neighbours"] != sp["neighbours"]
    dz = np.abs(sm["gi_z"] - sp["z"])
    nan_mismatch = np.isnan(sm["gi_z"]) != np.isnan(sp["z"])
    both = np.isfinite(dz)
    dzmax = float(dz[both].max()) if both.any() else math.nan
    z_bad = (both & (dz > a.tol)) | nan_mismatch

    perm = (not a.no_psim) and "gi_p_sim" in sm and "p_sim" in sp
    dec_diff = np.zeros(n, dtype=bool)
    ps = base = None
    if perm:
        ps = psim_stats(sm["gi_p_sim"], sp["p_sim"])
        dec_diff = (sm["gi_p_sim"] <= 0.05) != (sp["p_sim"] <= 0.05)
        if a.baseline:
            bl = read_cols(a.baseline, ["unit_id", "gi_p_sim"])
            if np.array_equal(bl["unit_id"], sm["unit_id"]):
                base = psim_stats(sm["gi_p_sim"], bl["gi_p_sim"])

    if a.diff_csv:
        rows = np.flatnonzero(nb_diff | z_bad | dec_diff)
        # largest |dz| first, then the decision differences
        key = np.where(np.isfinite(dz[rows]), dz[rows], np.inf)
        rows = rows[np.argsort(-key, kind="mergesort")]
        with open(a.diff_csv, "w", newline="") as f:
            w = csv.writer(f)
            hdr = ["unit_id", "row", "col", "count", "neighbours_safemap", "neighbours_spdep",
                   "gi_z_safemap", "z_spdep", "abs_dz"]
            if perm:
                hdr += ["gi_p_sim_safemap", "p_sim_spdep"]
            w.writerow(hdr)
            for i in rows:
                r = [int(sm["unit_id"][i]), int(sm["row"][i]), int(sm["col"][i]), repr(sm["count"][i]),
                     int(sm["neighbours"][i]), int(sp["neighbours"][i]),
                     repr(sm["gi_z"][i]), repr(sp["z"][i]), repr(dz[i])]
                if perm:
                    r += [repr(sm["gi_p_sim"][i]), repr(sp["p_sim"][i])]
                w.writerow(r)

    parts = []
    ok = True
    if nb_diff.any():
        ok = False
        parts.append(f"neighbours differ in {int(nb_diff.sum()):,} cells")
    else:
        parts.append("neighbours equal")
    zpart = f"z max |d| {dzmax:.1e} over {n:,} cells"
    if z_bad.any():
        ok = False
        zpart += f", {int(z_bad.sum()):,} beyond {a.tol:g}"
    parts.insert(0, zpart)
    if ps:
        p = (f"p_sim r {ps[0]:.3f} (Spearman {ps[1]:.3f}), same 0.05 decision {100 * ps[2]:.1f}%"
             f" (p <= 0.05: safemap {100 * ps[3]:.1f}%, spdep {100 * ps[4]:.1f}%)")
        if base:
            p += f"; safemap seed 1 vs 2: r {base[0]:.3f}, same {100 * base[2]:.1f}%"
        parts.append(p)
    print(("yes (" if ok else "no: ") + "; ".join(parts) + (")" if ok else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
