#!/usr/bin/python3
"""Per-segment agreement for the `audit` bench entry (tests/bench/run.sh).

    compare_audit.py SAFEMAP.gpkg POSTGIS.csv [--segments N] [--diff-csv OUT.csv]

SAFEMAP.gpkg: `safemap audit`'s output, layer audit_segments (read as SQLite):
source_id (the generator's `id`), length_m, lux_avg, lux_min, defects_open.
POSTGIS.csv: audit_postgis.sql's result exported by run.sh: id, length,
n_samples, lux_avg, lux_min, defects_open.

Joined on source_id = id. Prints one line: "yes (...)" when every segment is
in both, the lengths agree to 1e-9 m, lux_avg and lux_min to a relative
1e-9 (|a - b| / max(|a|, |b|); both 0 counts as equal) and defects_open
exactly; otherwise "no: ..." with the size of every difference. --segments N:
the generator's segment count, which both must have. The segments that
differ most (any column) go to --diff-csv.
"""
import argparse
import csv
import sqlite3
import sys


def rel(a, b):
    m = max(abs(a), abs(b))
    return 0.0 if m == 0 else abs(a - b) / m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("safemap")
    ap.add_argument("postgis")
    ap.add_argument("--segments", type=int)
    ap.add_argument("--diff-csv")
    a = ap.parse_args()

    db = sqlite3.connect(a.safemap)
    sm = {}
    dup = 0
    for sid, length, la, lm, do in db.execute(
            "SELECT source_id, length_m, lux_avg, lux_min, defects_open FROM audit_segments"):
        if sid in sm:
            dup += 1
        sm[sid] = (length, la, lm, do)
    pg = {}
    with open(a.postgis, newline="") as f:
        for r in csv.DictReader(f):
            pg[r["id"]] = (float(r["length"]), float(r["lux_avg"]), float(r["lux_min"]), int(r["defects_open"]),
                           int(r["n_samples"]))

    only_sm = len(set(sm) - set(pg))
    only_pg = len(set(pg) - set(sm))
    worst = {"length": (0.0, None), "lux_avg": (0.0, None), "lux_min": (0.0, None)}
    n_def = 0
    max_def = 0
    n_lux_1e12 = 0
    rows = []
    for k in sm.keys() & pg.keys():
        s, p = sm[k], pg[k]
        dl = abs(s[0] - p[0])
        ra, rm = rel(s[1], p[1]), rel(s[2], p[2])
        dd = s[3] - p[3]
        for name, v in (("length", dl), ("lux_avg", ra), ("lux_min", rm)):
            if v > worst[name][0]:
                worst[name] = (v, k)
        if max(ra, rm) > 1e-12:
            n_lux_1e12 += 1
        if dd:
            n_def += 1
            max_def = max(max_def, abs(dd))
        if dd or max(ra, rm) > 1e-9 or dl > 1e-9:
            rows.append((k, s, p, ra, rm, dd))

    ok = (not only_sm and not only_pg and not dup and worst["length"][0] <= 1e-9 and worst["lux_avg"][0] <= 1e-9
          and worst["lux_min"][0] <= 1e-9 and n_def == 0 and (a.segments is None or a.segments == len(sm) == len(pg)))
    parts = ["%d segments (safemap %d, PostGIS %d%s)" % (len(sm.keys() & pg.keys()), len(sm), len(pg),
                                                        "" if a.segments is None else ", generator %d" % a.segments)]
    if only_sm or only_pg or dup:
        parts.append("%d only in safemap, %d only in PostGIS, %d duplicate source_id" % (only_sm, only_pg, dup))
    parts.append("lux_avg max rel diff %.2g (id %s), lux_min %.2g (id %s), %d segments above 1e-12"
                 % (worst["lux_avg"][0], worst["lux_avg"][1], worst["lux_min"][0], worst["lux_min"][1], n_lux_1e12))
    parts.append("length max diff %.2g m" % worst["length"][0])
    parts.append("defects_open %s" % ("identical" if n_def == 0 else "differ in %d segments (max %d)" % (n_def, max_def)))
    print(("yes (" if ok else "no: ") + "; ".join(parts) + (")" if ok else ""))

    if a.diff_csv:
        rows.sort(key=lambda r: (-abs(r[5]), -max(r[3], r[4])))
        with open(a.diff_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "sm_length", "pg_length", "sm_lux_avg", "pg_lux_avg", "sm_lux_min", "pg_lux_min",
                        "rel_avg", "rel_min", "sm_defects_open", "pg_defects_open", "pg_n_samples"])
            for k, s, p, ra, rm, dd in rows[:1000]:
                w.writerow([k, repr(s[0]), repr(p[0]), repr(s[1]), repr(p[1]), repr(s[2]), repr(p[2]), "%.3g" % ra,
                            "%.3g" % rm, s[3], p[3], p[4]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
