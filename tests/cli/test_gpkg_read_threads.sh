#!/usr/bin/env bash
# A GeoPackage of 200,000+ points is read from its table's pages, on as many
# threads as asked (lib/io_ogr.c, read_pages). Where the pages cannot be read
# as GDAL would (here a time column of dates, which GDAL converts), GDAL reads
# it: as one stream on one or two threads, in FID ranges on three or more
# (PAR_MIN_THREADS). Either way the same points in the same order, so the
# counts are byte-identical for -j 1, 2 and 3, and between the two ways.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

command -v ogr2ogr >/dev/null || { echo "ogr2ogr missing: skipped"; exit 77; }
csv="$WORKDIR/pts.csv"
# 210,000 points over Camden's wards (some outside), months 2023-01..12, two categories
awk 'BEGIN { srand(7); print "x,y,Month,Crime type,Day";
  for (i = 0; i < 210000; i++)
    printf "%.2f,%.2f,2023-%02d,%s,2023-%02d-15\n", 524500 + rand() * 7000, 181500 + rand() * 7000, 1 + i % 12,
      (i % 3 ? "Burglary" : "Robbery"), 1 + i % 12 }' >"$csv"
ogr2ogr -q -f GPKG "$WORKDIR/pts.gpkg" "$csv" -nln pts -oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y \
  -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES -a_srs EPSG:27700 || fail "ogr2ogr could not make the GeoPackage"

for j in 1 2 3; do
  assert_exit 0 "$SAFEMAP" count "$WORKDIR/pts.gpkg" --wards "$WARDS" -o "$WORKDIR/c$j.csv" -j "$j" -vv
  assert_stderr_contains "pages of table 'pts' read on $j threads"
  assert_stderr_contains "210,000 rows read, 210,000 points kept"
  # the points outside, gathered on the threads in runs of 65,536: the same figures
  assert_stderr_contains "121,076 points lie outside every area, up to 2.9 km from the nearest (half within 797 m)"
  # the dates: GDAL reads the table
  assert_exit 0 "$SAFEMAP" count "$WORKDIR/pts.gpkg" --wards "$WARDS" --time Day -o "$WORKDIR/d$j.csv" -j "$j" -vv
  assert_stderr_contains "read through GDAL, not from its pages: a column of dates"
  if [ "$j" -ge 3 ]; then
    assert_stderr_contains "reading FIDs 1..210000 on $j threads"
  else
    assert_stderr_not_contains "reading FIDs"
  fi
  assert_stderr_contains "210,000 rows read, 210,000 points kept"
done
for j in 2 3; do
  for f in c d; do
    assert_same_bytes "$WORKDIR/${f}1.csv" "$WORKDIR/$f$j.csv"
    assert_same_bytes "$WORKDIR/${f}1_by_month.csv" "$WORKDIR/$f${j}_by_month.csv"
  done
done
# days of the same months: the same counts as the months read from the pages
assert_same_bytes "$WORKDIR/c1.csv" "$WORKDIR/d1.csv"

# a category of dates names no category: refused, nothing written
assert_exit 1 "$SAFEMAP" count "$WORKDIR/pts.gpkg" --wards "$WARDS" --category Day -o "$WORKDIR/day.csv"
assert_error_line count "pts.gpkg: --category column 'Day' holds neither text nor whole numbers"
assert_no_file "$WORKDIR/day.csv"

# a damaged leaf: the pages leave the table to GDAL, whose error stops the run (GDAL's stream answered it
# with the same empty batch for ever); nothing written
if command -v sqlite3 >/dev/null; then
  cp "$WORKDIR/pts.gpkg" "$WORKDIR/bad.gpkg"
  leaf=$(sqlite3 "$WORKDIR/pts.gpkg" "SELECT pageno FROM dbstat WHERE name = 'pts' AND pagetype = 'leaf' LIMIT 1 OFFSET 10")
  ps=$(sqlite3 "$WORKDIR/pts.gpkg" "PRAGMA page_size")
  printf '\002' | dd of="$WORKDIR/bad.gpkg" bs=1 seek=$(((leaf - 1) * ps)) conv=notrunc 2>/dev/null
  assert_exit 1 timeout 120 "$SAFEMAP" count "$WORKDIR/bad.gpkg" --wards "$WARDS" -o "$WORKDIR/bad.csv" -vv
  assert_stderr_contains "table 'pts' read through GDAL, not from its pages: a damaged B-tree page"
  assert_error_line count "bad.gpkg: read error after"
  assert_error_line count "database disk image is malformed"
  assert_no_file "$WORKDIR/bad.csv"
  assert_no_file "$WORKDIR/bad_by_month.csv"
fi
finish
