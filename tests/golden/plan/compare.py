#!/usr/bin/python3
"""Compares `safemap plan -o OUT.csv` (OUT.csv, OUT_months.csv, OUT_streets.csv, OUT_repeats.csv) with the
expected_*.csv of plan_expected.py: counts, names, ranks and lists exactly, ratios to 1e-12 relative.
Usage: compare.py EXPECTED_DIR OUT.csv   (Python's standard library only)."""
import csv
import os
import sys

RATIOS = {"change_pct", "share", "rate_per_1000", "borough_rate_per_1000", "mk_s", "mk_tau", "lon", "lat"}


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    gold, out = sys.argv[1], sys.argv[2]
    stem = out[:-4]
    pairs = [("expected_wards.csv", out, ("ward_code",)),
             ("expected_months.csv", stem + "_months.csv", ("ward_code", "month")),
             ("expected_streets.csv", stem + "_streets.csv", ("ward_code", "rank")),
             ("expected_repeats.csv", stem + "_repeats.csv", ("ward_code", "rank"))]
    bad = 0
    for exp_name, got_path, key in pairs:
        exp = rows(os.path.join(gold, exp_name))
        got = {tuple(r[k] for k in key): r for r in rows(got_path)}
        if len(got) != len(exp):
            print("%s: %d rows, expected %d" % (got_path, len(got), len(exp)))
            bad += 1
        worst = 0.0
        for e in exp:
            k = tuple(e[c] for c in key)
            g = got.get(k)
            if g is None:
                print("%s: no row %s" % (got_path, k))
                bad += 1
                continue
            for c, v in e.items():
                if c not in g:
                    print("%s: no column %s" % (got_path, c))
                    bad += 1
                elif c in RATIOS and v != "" and g[c] != "":
                    a, b = float(g[c]), float(v)
                    d = abs(a - b) / max(1.0, abs(b))
                    worst = max(worst, d)
                    if d > 1e-12:
                        print("%s %s %s: %s, expected %s" % (got_path, k, c, g[c], v))
                        bad += 1
                elif g[c] != v:
                    print("%s %s %s: '%s', expected '%s'" % (got_path, k, c, g[c], v))
                    bad += 1
        print("%s: %d rows compared, worst ratio difference %.3g" % (os.path.basename(got_path), len(exp), worst))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
