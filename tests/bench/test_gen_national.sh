#!/usr/bin/env bash
# tests/bench/gen_national.c, the national-shape input of the benchmarks (tests/bench/README.md,
# "National-shape input"): built with the C compiler CMake found, then on 200,000 rows over the default
# 120 months: the same bytes twice, the prefix property of the stdout stream, the folders and files of
# police.uk's archive holding exactly the rows of the stream, every point inside the land outline (checked
# by its own point-in-polygon in numpy, the outline valid for OGR), London's share, rows per month, the
# snap locations, Anti-social behaviour without Crime ID; `safemap info` reads the folder with no row
# skipped; --bng against PROJ; bad options.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

PY=/usr/bin/python3
GEN="$WORKDIR/gen_national"
san=()
case "${SANITIZE:-OFF}" in
  ON | on | 1 | TRUE | true) san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined) ;;
esac
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror "${san[@]}" \
  -o "$GEN" "$SRCDIR/tests/bench/gen_national.c" -lm

N=200000
cd "$WORKDIR"

# ---- determinism: two runs, same bytes
assert_exit 0 "$GEN" -n 200k -o d1
assert_stderr_empty
assert_exit 0 "$GEN" -n "$N" -o d2
if ! diff -r d1 d2 >/dev/null; then fail "two runs with the same options differ"; fi
rm -rf d2

# ---- the stdout stream: one header, N rows; the first k rows are the k-row run
assert_exit 0 "$GEN" -n 200k -o -
mv "$OUT_FILE" s.csv
assert_eq "lines of the stream" "$((N + 1))" "$(wc -l <s.csv)"
assert_eq "header" "$POLICE_HEADER" "$(head -n 1 s.csv)"
assert_eq "header lines in the stream" 1 "$(grep -c '^Crime ID,' s.csv)"
for k in 1 65 150000; do
  "$GEN" -n "$k" -o - >p.csv
  if ! head -n $((k + 1)) s.csv | cmp -s - p.csv; then
    fail "the $k-row stream is not the first $k rows of the $N-row one"
  fi
done
rm -f p.csv

# ---- the folders hold exactly the stream's rows, grouped by month and force
n_dirs="$(find d1 -mindepth 1 -maxdepth 1 -type d | wc -l)"
assert_eq "month folders" 120 "$n_dirs"
for m in 2015-01 2019-07 2024-12; do [ -d "d1/$m" ] || fail "no folder d1/$m"; done
bad_names="$(find d1 -type f ! -regex '.*/\([0-9][0-9][0-9][0-9]-[0-9][0-9]\)/\1-[a-z-]*-street\.csv' | head -n 3)"
[ -z "$bad_names" ] || fail "files not named DIR/YYYY-MM/YYYY-MM-<force>-street.csv: $bad_names"
n_forces="$(find d1 -type f -name '*.csv' | sed 's|.*/[0-9]*-[0-9]*-\(.*\)-street\.csv|\1|' | sort -u | wc -l)"
assert_eq "forces with files" 43 "$n_forces"
bad_headers="$(find d1 -type f -name '*.csv' -exec head -n 1 {} + | grep -v '^==>' | grep -v '^$' | sort -u)"
assert_eq "the header of every file" "$POLICE_HEADER" "$bad_headers"
if ! cmp -s <(find d1 -type f -name '*.csv' -exec tail -q -n +2 {} + | LC_ALL=C sort) \
  <(tail -n +2 s.csv | LC_ALL=C sort); then
  fail "the rows of the folders are not the rows of the stream"
fi

# ---- safemap reads every row of the folder
assert_exit 0 "$SAFEMAP" info d1
assert_stdout_contains "Rows read: 200,000    points kept: 200,000"
assert_stdout_contains "Rows skipped: none"
assert_stdout_contains "Time: 2015-01 .. 2024-12"

# ---- the numbers: inside the outline, London, months, locations, ASB, one force per file
"$GEN" --outline >outline.wkt
"$GEN" -n 20k --locations 3000 -o - >few.csv
if ! "$PY" - d1 outline.wkt few.csv <<'EOF'; then fail "the checks of the rows above failed"; fi
import csv, glob, os, re, sys
import numpy as np

d, wkt, few = sys.argv[1:4]
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        ok = False

text = open(wkt).read()
try:
    from osgeo import ogr
    g = ogr.CreateGeometryFromWkt(text)
    check(g is not None and g.IsValid() and g.GetGeometryCount() == 3, "the outline is not a valid 3-part polygon")
except ImportError:
    pass
rings = [np.array([[float(v) for v in p.split()] for p in r.split(",")]) for r in re.findall(r"\(\(([^()]*)\)\)", text)]

def inside(lon, lat):
    c = np.zeros(len(lon), dtype=bool)
    for r in rings:
        for (x1, y1), (x2, y2) in zip(r[:-1], r[1:]):
            cross = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                xi = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            c ^= cross & (lon < xi)
    return c

rows = months = 0
per_month, per_force, coords = {}, {}, set()
names = {}
lon, lat = [], []
for f in sorted(glob.glob(d + "/*/*.csv")):
    base = os.path.basename(f)
    month, slug = base[:7], base[8:-len("-street.csv")]
    with open(f, newline="") as fh:
        r = csv.reader(fh)
        next(r)
        for row in r:
            rows += 1
            check(len(row) == 12, f"{f}: a row of {len(row)} fields")
            check(row[1] == month, f"{f}: month {row[1]}")
            names.setdefault(slug, set()).add((row[2], row[3]))
            per_month[month] = per_month.get(month, 0) + 1
            per_force[slug] = per_force.get(slug, 0) + 1
            coords.add((row[4], row[5]))
            if row[9] == "Anti-social behaviour":
                check(row[0] == "" and row[10] == "", f"{f}: ASB row with a Crime ID or outcome")
            else:
                check(re.fullmatch(r"[0-9a-f]{64}", row[0]) is not None and row[10] != "", f"{f}: Crime ID {row[0]!r}")
            check(re.fullmatch(r"[EW]01[0-9]{6}", row[7]) is not None, f"{f}: LSOA code {row[7]}")
            check((row[7][0] == "W") == (slug in ("dyfed-powys", "gwent", "north-wales", "south-wales")),
                  f"{f}: LSOA code {row[7]} in force {slug}")
for slug, s in names.items():
    check(len(s) == 1 and list(s)[0][0] == list(s)[0][1], f"{slug}: Reported by / Falls within {s}")
check(names["metropolitan"] == {("Metropolitan Police Service",) * 2}, "Metropolitan Police Service")
n = rows
check(n == 200000, f"{n} rows in the folders")
london = per_force.get("metropolitan", 0) / n
check(0.12 <= london <= 0.20, f"London's share {london:.3f}")
lo, hi = min(per_month.values()), max(per_month.values())
check(len(per_month) == 120 and lo >= 0.9 * n / 120 and hi <= 1.1 * n / 120, f"rows per month {lo}..{hi}")
check(len(coords) <= 750000, f"{len(coords)} distinct coordinates")
pts = np.array([[float(a), float(b)] for a, b in coords])
out = ~inside(pts[:, 0], pts[:, 1])
check(not out.any(), f"{int(out.sum())} locations outside the outline, e.g. {pts[out][:3].tolist()}")
with open(few, newline="") as fh:
    r = csv.reader(fh)
    next(r)
    fc = {(row[4], row[5]) for row in r}
check(len(fc) <= 3000, f"--locations 3000: {len(fc)} distinct coordinates")
print(f"rows {n}, London {london:.4f}, months {lo}..{hi}, distinct locations {len(coords)}")
sys.exit(0 if ok else 1)
EOF

# ---- --bng: X,Y columns, the other columns unchanged, positions as PROJ's (within 10 m)
"$GEN" -n 2000 --bng -o - >bng.csv
"$GEN" -n 2000 -o - >ll.csv
assert_eq "--bng header" "${POLICE_HEADER/Longitude,Latitude/X,Y}" "$(head -n 1 bng.csv)"
if ! "$PY" - ll.csv bng.csv <<'EOF'; then fail "--bng is not the lon/lat output projected to EPSG:27700"; fi
import csv, sys
a = list(csv.reader(open(sys.argv[1])))[1:]
b = list(csv.reader(open(sys.argv[2])))[1:]
assert len(a) == len(b) == 2000
assert all(p[:4] == q[:4] and p[6:] == q[6:] for p, q in zip(a, b))
try:
    from osgeo import osr
except ImportError:
    sys.exit(0)
s = osr.SpatialReference(); s.ImportFromEPSG(4326); s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
t = osr.SpatialReference(); t.ImportFromEPSG(27700)
ct = osr.CoordinateTransformation(s, t)
worst = max(((x - float(q[4])) ** 2 + (y - float(q[5])) ** 2) ** 0.5
            for p, q in zip(a, b) for x, y, _ in [ct.TransformPoint(float(p[4]), float(p[5]))])
print(f"--bng: at most {worst:.3f} m from PROJ")
sys.exit(0 if worst < 10 else 1)
EOF

# ---- bad options: a message, exit 1, nothing written
for args in "-n abc" "-n -5" "--months 0" "--months 1201" "--from 2015-13" "--from 2015-1" "--locations 0" \
  "--seed" "--colour red"; do
  # shellcheck disable=SC2086
  assert_exit 1 "$GEN" $args -o bad
  assert_stderr_contains "gen_national: "
  assert_no_file bad
done

# the 200k-row folder and stream are about 90 MB: kept only when a check failed
if [ "$FAILURES" -eq 0 ]; then rm -rf d1 s.csv; fi
finish
