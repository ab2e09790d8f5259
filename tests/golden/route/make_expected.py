#!/usr/bin/python3
"""The route golden fixture and its expected routes, from networkx (not safemap, not SpatiaLite).

Writes, into the folder given (default: this script's folder):
  segments.csv  the audit_segments fixture: a 4 x 4 grid of 100 m blocks (5 x 5 junctions) in
                EPSG:27700 near London (530000,181500 to 530400,181900), its inner junctions
                moved by up to 8 m (a fixed seed) so that no two routes cost the same, each
                street split into 5 segments (<= 25 m); the inner ring and the middle cross are
                dark and crime-heavy. Every other segment is drawn backwards (node_from at its
                far end): walking is undirected. s_perception is empty (NULL, counts as 0) on
                a third of the segments; `lux` is a column the route must ignore.
  expected.csv  per case and route: the node sequence, length and safety cost of networkx's
                Dijkstra (nx.dijkstra_path) on the same graph with the same cost formula and
                the default penalties; each route is checked to be unique (every other path
                costs at least 1e-6 more).

Run with /usr/bin/python3 (Debian's python3-networkx): tests/golden/route/make_expected.py [DIR]
"""
import csv
import math
import os
import random
import sys

import networkx as nx

X0, Y0, STEP, N, PARTS = 530000.0, 181500.0, 100.0, 5, 5
PEN = dict(dark=2.0, dark_flag=1.0, maintenance=0.5, crime=1.0, perception=0.5)
# case: (name, from E,N, to E,N); endpoints are junctions (corners or edge midpoints, not moved)
CASES = [
    ("across", (X0, Y0 + 200), (X0 + 400, Y0 + 200)),    # the shortest goes through the dark middle
    ("diagonal", (X0, Y0), (X0 + 400, Y0 + 400)),
    ("up", (X0 + 200, Y0), (X0 + 200, Y0 + 400)),
]


def cost(s):
    perc = 0.0 if s["s_perception"] == "" else float(s["s_perception"])
    return s["length_m"] * (1 + PEN["dark"] * s["s_darkness"] + PEN["dark_flag"] * s["below_target"]
                            + PEN["maintenance"] * s["s_maintenance"] + PEN["crime"] * s["s_crime"]
                            + PEN["perception"] * perc)


def build():
    rng = random.Random(20240611)
    pos = {}
    for r in range(N):
        for c in range(N):
            dx = dy = 0.0
            if 0 < r < N - 1 and 0 < c < N - 1:
                dx, dy = rng.uniform(-8, 8), rng.uniform(-8, 8)
            pos[(r, c)] = (X0 + c * STEP + dx, Y0 + r * STEP + dy)
    jid = {rc: 1000 + rc[0] * N + rc[1] for rc in pos}
    streets = []
    for r in range(N):
        for c in range(N):
            if c + 1 < N:
                streets.append(((r, c), (r, c + 1), "Row %d Street" % r))
            if r + 1 < N:
                streets.append(((r, c), (r + 1, c), "Column %d Road" % c))
    segs, next_node = [], 5000
    for k, (a, b, name) in enumerate(streets):
        (ax, ay), (bx, by) = pos[a], pos[b]
        ma = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)  # the street's middle in grid units (row, col)
        dark = 1 <= ma[0] <= 3 and 1 <= ma[1] <= 3
        nodes = [jid[a]]
        for i in range(1, PARTS):
            nodes.append(next_node)
            next_node += 1
        nodes.append(jid[b])
        pts = [(ax + (bx - ax) * i / PARTS, ay + (by - ay) * i / PARTS) for i in range(PARTS + 1)]
        for i in range(PARTS):
            j = len(segs)
            (p, q), (u, v) = (pts[i], pts[i + 1]), (nodes[i], nodes[i + 1])
            if j % 2:  # drawn backwards
                (p, q), (u, v) = (q, p), (v, u)
            s = dict(wkt="LINESTRING (%r %r, %r %r)" % (p[0], p[1], q[0], q[1]), node_from=u, node_to=v,
                     length_m=math.hypot(q[0] - p[0], q[1] - p[1]), below_target=1 if dark else 0,
                     s_darkness=0.75 if dark else 0.0, s_maintenance=0.3 if dark else 0.1 + 0.01 * (k % 5),
                     s_perception="" if j % 3 == 0 else ("0.6" if dark else "0.2"),
                     s_crime=0.9 if dark else 0.05 + 0.01 * (k % 7), vawg_per_100m=4.0 if dark else 0.25,
                     street_name=name, lux=12.5)
            segs.append(s)
    return segs


def write_segments(path, segs):
    cols = ["wkt", "node_from", "node_to", "length_m", "below_target", "s_darkness", "s_maintenance",
            "s_perception", "s_crime", "vawg_per_100m", "street_name", "lux"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for s in segs:
            w.writerow([repr(s[c]) if isinstance(s[c], float) else s[c] for c in cols])


def unique_margin(G, path, weight):
    """The least extra cost of a path avoiding one edge of `path` (inf when none)."""
    best = nx.path_weight(G, path, weight)
    margin = math.inf
    for u, v in zip(path, path[1:]):
        H = G.copy()
        H.remove_edge(u, v)
        try:
            margin = min(margin, nx.dijkstra_path_length(H, path[0], path[-1], weight=weight) - best)
        except nx.NetworkXNoPath:
            pass
    return margin


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    segs = build()
    write_segments(os.path.join(out, "segments.csv"), segs)
    G = nx.Graph()
    for s in segs:
        G.add_edge(s["node_from"], s["node_to"], length=s["length_m"], safety=cost(s))
    node_at = {}
    for s in segs:
        coords = s["wkt"][len("LINESTRING ("):-1].split(", ")
        for node, xy in zip((s["node_from"], s["node_to"]), coords):
            node_at[tuple(float(t) for t in xy.split())] = node
    with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "route", "from_e", "from_n", "to_e", "to_n", "length_m", "cost", "segments", "nodes"])
        for name, a, b in CASES:
            na, nb = node_at[a], node_at[b]
            for route, weight in (("shortest", "length"), ("safest", "safety")):
                path = nx.dijkstra_path(G, na, nb, weight=weight)
                m = unique_margin(G, path, weight)
                if not m > 1e-6:
                    sys.exit("case %s, %s route: another path costs the same (margin %g)" % (name, route, m))
                w.writerow([name, route, repr(a[0]), repr(a[1]), repr(b[0]), repr(b[1]),
                            repr(nx.path_weight(G, path, "length")), repr(nx.path_weight(G, path, "safety")),
                            len(path) - 1, " ".join(str(n) for n in path)])


if __name__ == "__main__":
    main()
