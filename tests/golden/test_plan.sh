#!/usr/bin/env bash
# safemap plan on the bundled Camden data equals the independent computation of tests/golden/plan/plan_expected.py
# (the police.uk CSVs with the csv module, GDAL's Python point-in-polygon, numpy): monthly counts, the last 12
# months and the 12 before, changes, ranks, shares, rates per 1,000 households (the synthetic households table),
# peak months, Mann-Kendall S and tau, top streets and repeat locations; counts exactly, ratios to 1e-12. And
# the what next (ProMap's cells and shares, the KDE areas per ward, the emerging categories, the back-test's
# means) against the single commands' outputs, recomputed by tests/golden/plan/check_next.py.
# When python3-gdal and python3-numpy are installed the expected files are made again and must not have changed.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

gold="$SRCDIR/tests/golden/plan"
hh="$SRCDIR/data/synthetic/camden_households_synthetic.csv"
assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --households "$hh" -o "$WORKDIR/p.csv" -q
if ! out="$(/usr/bin/python3 "$gold/compare.py" "$gold" "$WORKDIR/p.csv" 2>&1)"; then
  fail "safemap plan differs from tests/golden/plan:
$out"
fi
note "$out"
if /usr/bin/python3 -c 'import numpy; from osgeo import ogr' 2> /dev/null; then
  /usr/bin/python3 "$gold/plan_expected.py" "$WORKDIR/again" > /dev/null || fail "plan_expected.py failed"
  for f in expected_wards expected_months expected_streets expected_repeats; do
    assert_same_bytes "$gold/$f.csv" "$WORKDIR/again/$f.csv"
  done
else
  note "python3-gdal or python3-numpy missing: the kept expected files were not made again"
fi

# what next and the remaining where: the plan against the single commands' outputs, recomputed with GDAL's
# Python bindings (tests/golden/plan/check_next.py; tolerances in tests/golden/plan/README.md)
if /usr/bin/python3 -c 'from osgeo import gdal, ogr' 2> /dev/null; then
  d="$WORKDIR/next"; mkdir -p "$d"
  assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" -o "$d/plan.gpkg" -q
  assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$d/f.gpkg" -q
  assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$d/f.tif" -q
  assert_exit 0 "$SAFEMAP" kde "$POINTS" --wards "$WARDS" --hotspot-areas 50,75,90 -o "$d/k.gpkg" -q
  assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$d/e.csv" -q
  assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --backtest --warmup 24 -o "$d/b.csv" -q
  if ! out="$(/usr/bin/python3 "$gold/check_next.py" "$WARDS" "$d/plan.gpkg" "$d/f.gpkg" "$d/f.tif" "$d/k.gpkg" \
    "$d/e.csv" "$d/b.csv" 2>&1)"; then
    fail "safemap plan's what next differs from the single commands:
$out"
  fi
  note "$out"
else
  note "python3-gdal missing: the plan's what next was not checked"
fi
finish
