#!/usr/bin/python3
"""Compare per-ward point counts of `safemap count` and QGIS
native:countpointsinpolygon (used by tests/bench/run.sh, entry `count`).

usage: compare_counts.py SAFEMAP.gpkg QGIS.gpkg [--id-field WD24CD]
                         [--count-field NUMPOINTS] [--diff-csv PATH]

Both files are GeoPackages, read as plain SQLite (no GDAL needed):
  - safemap: layer `ward_counts`, fields `area_id`, `total`;
  - QGIS: the one feature table that has the count field (NUMPOINTS),
    joined on the ward code field (WD24CD).

Prints one line on stdout, for the "agree" column of the table:
  yes (684 wards, 826414 points)
  no: 3/684 wards differ, max|d|=1, sum(safemap-qgis)=+3, ...
and, with --diff-csv, writes every differing ward as
ward_code,safemap,qgis,diff. Exit status: 0 when both files could be read
(whatever the agreement), 2 when not.

Note on edges: QGIS 3.22's countpointsinpolygon uses GEOS prepared
contains(), so a point exactly on a ward boundary is counted in no ward.
A tool that assigns each boundary point to exactly one ward will then count
more, by the number of such points. Differences are reported, not hidden.
"""

import argparse
import csv
import sqlite3
import sys


def qident(name):
    return '"' + name.replace('"', '""') + '"'


def columns(con, table):
    return [r[1] for r in con.execute("PRAGMA table_info(%s)" % qident(table))]


def feature_tables(con):
    return [r[0] for r in con.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type IN ('features','attributes')")]


def read_counts(path, table, id_field, count_field):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = feature_tables(con)
        if table is None:
            cands = [t for t in tables if count_field in columns(con, t)]
            if len(cands) != 1:
                raise SystemExit("compare_counts: %s: expected one layer with field %s, found %s"
                                 % (path, count_field, cands or "none"))
            table = cands[0]
        elif table not in tables:
            raise SystemExit("compare_counts: %s: no layer %s (layers: %s)"
                             % (path, table, ", ".join(tables) or "none"))
        cols = columns(con, table)
        for f in (id_field, count_field):
            if f not in cols:
                raise SystemExit("compare_counts: %s: layer %s has no field %s (fields: %s)"
                                 % (path, table, f, ", ".join(cols)))
        out = {}
        dup = 0
        for key, val in con.execute("SELECT %s, %s FROM %s" % (qident(id_field), qident(count_field),
                                                              qident(table))):
            if key in out:
                dup += 1
            v = 0 if val is None else val
            out[key] = out.get(key, 0) + (int(v) if float(v).is_integer() else v)
        return out, dup
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("safemap_gpkg")
    ap.add_argument("qgis_gpkg")
    ap.add_argument("--safemap-layer", default="ward_counts")
    ap.add_argument("--id-field", default="WD24CD", help="ward code field in the QGIS output")
    ap.add_argument("--count-field", default="NUMPOINTS", help="count field in the QGIS output")
    ap.add_argument("--diff-csv", help="write differing wards here")
    a = ap.parse_args()

    try:
        sm, sm_dup = read_counts(a.safemap_gpkg, a.safemap_layer, "area_id", "total")
        qg, qg_dup = read_counts(a.qgis_gpkg, None, a.id_field, a.count_field)
    except (sqlite3.Error, OSError) as e:
        print("error: %s" % e)
        return 2
    except SystemExit as e:
        print(str(e), file=sys.stderr)
        print("error: cannot read outputs")
        return 2

    keys = sorted(set(sm) | set(qg))
    only_sm = [k for k in keys if k not in qg]
    only_qg = [k for k in keys if k not in sm]
    diffs = []
    for k in keys:
        if k in sm and k in qg and sm[k] != qg[k]:
            diffs.append((k, sm[k], qg[k], sm[k] - qg[k]))

    tot_sm, tot_qg = sum(sm.values()), sum(qg.values())
    if a.diff_csv:
        with open(a.diff_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ward_code", "safemap", "qgis", "diff"])
            for k in only_sm:
                w.writerow([k, sm[k], "", ""])
            for k in only_qg:
                w.writerow([k, "", qg[k], ""])
            w.writerows(diffs)

    if not diffs and not only_sm and not only_qg and not sm_dup and not qg_dup:
        print("yes (%d wards, %d points)" % (len(keys), tot_sm))
        return 0
    parts = []
    if diffs:
        parts.append("%d/%d wards differ, max|d|=%d" % (len(diffs), len(keys),
                                                         max(abs(d[3]) for d in diffs)))
    if only_sm:
        parts.append("%d wards only in safemap" % len(only_sm))
    if only_qg:
        parts.append("%d wards only in qgis" % len(only_qg))
    if sm_dup or qg_dup:
        parts.append("duplicate ward ids: safemap %d, qgis %d" % (sm_dup, qg_dup))
    parts.append("sum(safemap-qgis)=%+d" % (tot_sm - tot_qg))
    print("no: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
