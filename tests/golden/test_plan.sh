#!/usr/bin/env bash
# safemap plan on the bundled Camden data equals the independent computation of tests/golden/plan/plan_expected.py
# (the police.uk CSVs with the csv module, GDAL's Python point-in-polygon, numpy): monthly counts, the last 12
# months and the 12 before, changes, ranks, shares, rates per 1,000 households (the synthetic households table),
# peak months, Mann-Kendall S and tau, top streets and repeat locations; counts exactly, ratios to 1e-12.
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
finish
