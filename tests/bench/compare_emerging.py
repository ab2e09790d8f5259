#!/usr/bin/env python3
"""Bin-by-bin and location-by-location agreement for the `emerging`
benchmark entry (run.sh).

    compare_emerging.py SAFEMAP_STEP.csv R.csv [--cube SAFEMAP_K1.csv]
                        [--steps 36] [--tol 1e-9] [--diff-csv OUT.csv]

SAFEMAP_STEP.csv is `safemap emerging --grid fishnet --global-window step
-o X.csv` (unit_id, neighbours, trend_z, ...; its bins in X_bins.csv:
location, step, count, gi_z, ...): Gi* of each month alone, and the
Mann-Kendall trend of each location's Gi* z series. R.csv is what
emerging_spdep.R writes (unit_id, neighbours, mk_s, mk_z, ...; bins in
R_bins.csv: location, step, z), spdep `localG` per month and a base R
Mann-Kendall. --cube is the timed safemap run's X.csv (the cube R read): it
must have the same locations.

Checks, joined on unit_id and (location, step):
  - the same locations and steps (--steps: how many there must be), and
    the same number of neighbours per location (self not counted);
  - Gi* z per bin: max |safemap gi_z - R localG z| <= --tol;
  - Mann-Kendall z per location: max |safemap trend_z - R mk_z| <= --tol,
    and the same from this script's own Mann-Kendall (numpy, docs/methods.md
    §1.5: tie and continuity corrections, non-finite values dropped) on
    safemap's z series, against safemap's trend_z and against R; and how
    many locations have a different S (a tie seen on one side only would
    change S by 1).

Prints one line for the table: "yes (...)" when all agree, else "no: ...".
Bins and locations that differ go to --diff-csv (kind, location, step,
safemap, r, abs_d; largest first). Exit status 0 either way; 2 on bad input.
"""
import argparse
import csv
import math
import sys

import numpy as np


def floats(strs):
    """str list -> float array; "", "NA" and other non-numbers -> nan."""
    a = np.array(strs, dtype=object)
    try:
        return a.astype(float)
    except ValueError:
        out = np.empty(len(strs))
        for k, v in enumerate(strs):
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = math.nan
        return out


def read_cols(path, want, text=()):
    """Columns of a CSV (quoted or not) as float arrays; `text` ones as str arrays."""
    try:
        f = open(path, newline="")
    except OSError as e:
        print(f"compare_emerging: {e}", file=sys.stderr)
        sys.exit(2)
    with f:
        r = csv.reader(f)
        hdr = next(r)
        missing = [c for c in want if c not in hdr]
        if missing:
            print(f"compare_emerging: {path} has no column(s) {', '.join(missing)}", file=sys.stderr)
            sys.exit(2)
        idx = [hdr.index(c) for c in want]
        cols = [[] for _ in want]
        app = [c.append for c in cols]
        for row in r:
            for ap, i in zip(app, idx):
                ap(row[i])
    return {name: (np.array(c) if name in text else floats(c)) for name, c in zip(want, cols)}


def bins_path(p):
    return p[:-4] + "_bins.csv" if p.lower().endswith(".csv") else p + "_bins.csv"


def cube(bins, loc_ids, zcol):
    """(location x step) matrix of zcol, the step labels in order; None if
    a bin is missing or a location is unknown."""
    steps, cols = np.unique(bins["step"], return_inverse=True)
    order = np.argsort(loc_ids, kind="mergesort")
    pos = np.searchsorted(loc_ids, bins["location"], sorter=order)
    pos = np.clip(pos, 0, len(loc_ids) - 1)
    rows = order[pos]
    steps = [str(s) for s in steps]
    if not np.array_equal(loc_ids[rows], bins["location"]):
        return None, steps
    z = np.full((len(loc_ids), len(steps)), np.nan)
    seen = np.zeros(z.shape, dtype=bool)
    z[rows, cols] = bins[zcol]
    seen[rows, cols] = True
    return (z if seen.all() and len(rows) == z.size else None), steps


def mann_kendall(z):
    """Mann-Kendall per row of z, as safemap and docs/methods.md §1.5; returns S, Z."""
    n, nt = z.shape
    fin = np.isfinite(z)
    S = np.zeros(n)
    cnt = np.ones((n, nt))
    with np.errstate(invalid="ignore"):
        for i in range(nt - 1):
            for j in range(i + 1, nt):
                both = fin[:, i] & fin[:, j]
                d = z[:, j] - z[:, i]
                S += np.where(both, np.sign(d), 0.0)
                eq = both & (d == 0)
                cnt[:, i] += eq
                cnt[:, j] += eq
    m = fin.sum(axis=1).astype(float)
    ties = np.where(fin, (cnt - 1) * (2 * cnt + 5), 0.0).sum(axis=1)
    var = (m * (m - 1) * (2 * m + 5) - ties) / 18.0
    S[m < 3] = 0
    Z = np.zeros(n)
    ok = (m >= 3) & (var > 0)
    Z[ok & (S > 0)] = (S[ok & (S > 0)] - 1) / np.sqrt(var[ok & (S > 0)])
    Z[ok & (S < 0)] = (S[ok & (S < 0)] + 1) / np.sqrt(var[ok & (S < 0)])
    return S, Z


def maxdiff(a, b):
    """max |a - b| over the entries finite in both, and the entries where only one is finite."""
    d = np.abs(a - b)
    both = np.isfinite(a) & np.isfinite(b)
    one = np.isfinite(a) != np.isfinite(b)
    return (float(d[both].max()) if both.any() else math.nan), d, one


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("safemap_step")
    ap.add_argument("r")
    ap.add_argument("--cube", help="the timed safemap run's locations CSV (the cube R read)")
    ap.add_argument("--steps", type=int, help="the number of steps there must be")
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--diff-csv")
    a = ap.parse_args()

    sm = read_cols(a.safemap_step, ["unit_id", "neighbours", "trend_z"])
    rr = read_cols(a.r, ["unit_id", "neighbours", "mk_s", "mk_z"])
    n = len(sm["unit_id"])
    if n != len(rr["unit_id"]) or not np.array_equal(sm["unit_id"], rr["unit_id"]):
        print(f"no: different locations (safemap {n:,}, R {len(rr['unit_id']):,})")
        return 0
    if a.cube:
        k1 = read_cols(a.cube, ["unit_id"])
        if not np.array_equal(k1["unit_id"], sm["unit_id"]):
            print(f"no: the step run has other locations ({n:,}) than the timed run ({len(k1['unit_id']):,})")
            return 0

    smb = read_cols(bins_path(a.safemap_step), ["location", "step", "gi_z"], text=("step",))
    rb = read_cols(bins_path(a.r), ["location", "step", "z"], text=("step",))
    zs, steps_s = cube(smb, sm["unit_id"], "gi_z")
    zr, steps_r = cube(rb, rr["unit_id"], "z")
    if zs is None or zr is None:
        print("no: incomplete cube (" + ("safemap" if zs is None else "R") + " lacks bins)")
        return 0
    if steps_s != steps_r:
        print(f"no: different steps (safemap {len(steps_s)}, {steps_s[0]}..{steps_s[-1]}; "
              f"R {len(steps_r)}, {steps_r[0]}..{steps_r[-1]})")
        return 0
    nt = len(steps_s)

    nb_diff = sm["neighbours"] != rr["neighbours"]
    dz_max, dz, dz_one = maxdiff(zs, zr)
    z_bad = (np.isfinite(dz) & (dz > a.tol)) | dz_one

    mk_max, dmk, mk_one = maxdiff(sm["trend_z"], rr["mk_z"])
    mk_bad = (np.isfinite(dmk) & (dmk > a.tol)) | mk_one
    pS, pZ = mann_kendall(zs)  # this script's Mann-Kendall on safemap's z series
    py_sm, _, py_sm_one = maxdiff(pZ, sm["trend_z"])
    py_r, _, py_r_one = maxdiff(pZ, rr["mk_z"])
    s_diff = pS != rr["mk_s"]

    if a.diff_csv:
        rows = []
        for li, ti in zip(*np.nonzero(z_bad)):
            rows.append(("gi_z", int(sm["unit_id"][li]), steps_s[ti], zs[li, ti], zr[li, ti], dz[li, ti]))
        for li in np.flatnonzero(mk_bad | s_diff):
            rows.append(("mk_z", int(sm["unit_id"][li]), "", sm["trend_z"][li], rr["mk_z"][li], dmk[li]))
        for li in np.flatnonzero(nb_diff):
            rows.append(("neighbours", int(sm["unit_id"][li]), "", sm["neighbours"][li], rr["neighbours"][li],
                         abs(sm["neighbours"][li] - rr["neighbours"][li])))
        rows.sort(key=lambda t: -(t[5] if math.isfinite(t[5]) else math.inf))
        with open(a.diff_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["kind", "location", "step", "safemap", "r", "abs_d"])
            for t in rows:
                w.writerow([t[0], t[1], t[2], repr(float(t[3])), repr(float(t[4])), repr(float(t[5]))])

    ok = True
    parts = [f"{nt} steps"]
    if a.steps is not None and nt != a.steps:
        ok = False
        parts[0] += f", not {a.steps}"
    zpart = f"Gi* z per month max |d| {dz_max:.1e} over {zs.size:,} bins"
    if z_bad.any():
        ok = False
        zpart += f", {int(z_bad.sum()):,} beyond {a.tol:g}"
    parts.append(zpart)
    if nb_diff.any():
        ok = False
        parts.append(f"neighbours differ at {int(nb_diff.sum()):,} locations")
    else:
        parts.append("neighbours equal")
    mpart = f"Mann-Kendall z max |d| {mk_max:.1e} over {n:,} locations"
    if mk_bad.any():
        ok = False
        mpart += f", {int(mk_bad.sum()):,} beyond {a.tol:g}"
    if s_diff.any():
        ok = False
        mpart += f", S differs at {int(s_diff.sum()):,}"
    mpart += f" (numpy's on safemap's z: vs safemap {py_sm:.1e}, vs R {py_r:.1e})"
    if py_sm > a.tol or py_r > a.tol or py_sm_one.any() or py_r_one.any():
        ok = False
    parts.append(mpart)
    print(("yes (" if ok else "no: ") + "; ".join(parts) + (")" if ok else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
