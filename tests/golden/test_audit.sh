#!/usr/bin/env bash
# Golden test: safemap audit's modelled light on the planted row of tests/golden/audit equals the independent
# computation of audit/planted_row.py (the same street, lamps and definitions, written from docs/audit.md in
# plain Python): every segment's average and minimum lux to 1e-12 relative; and the dark stretch is the
# planted 75 m. tests/unit/test_audit.c holds the same numbers.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

here="$SRCDIR/tests/golden/audit"
/usr/bin/python3 "$here/planted_row.py" | tr -d '{},' > "$WORKDIR/expected.txt"
[ "$(wc -l < "$WORKDIR/expected.txt")" = 12 ] || { fail "planted_row.py printed $(wc -l < "$WORKDIR/expected.txt") segments, want 12"; finish; }

cat > "$WORKDIR/street.geojson" << 'JSON'
{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},"features":[
{"type":"Feature","properties":{"name":"Test Street","highway":"residential"},
 "geometry":{"type":"LineString","coordinates":[[530000,180000],[530300,180000]]}}]}
JSON
{
  echo "Unit ID,Easting,Northing,Lumens,Mounting Height"
  for k in 0 1 2 3 7 8 9 10 11; do awk -v k="$k" 'BEGIN { printf "L%d,%.1f,180000,4000,6\n", k, 530012.5 + 25 * k }'; done
} > "$WORKDIR/lamps.csv"
assert_exit 0 "$SAFEMAP" audit --streets "$WORKDIR/street.geojson" --lights "$WORKDIR/lamps.csv" -o "$WORKDIR/out.csv" -q
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lux_avg") a = i; if ($i == "lux_min") m = i }; next }
         { printf "%.17g %.17g\n", $a, $m }' "$WORKDIR/out.csv" > "$WORKDIR/got.txt"
paste -d' ' "$WORKDIR/got.txt" "$WORKDIR/expected.txt" | awk '
  function rel(x, y) { d = x - y; if (d < 0) d = -d; return y > 0 ? d / y : d }
  { n++; if (rel($1, $3) > 1e-12 || rel($2, $4) > 1e-12) { printf "segment %d: %s %s, expected %s %s\n", n, $1, $2, $3, $4; bad++ } }
  END { exit bad ? 1 : 0 }' > "$WORKDIR/diff.txt" || fail "lux differs from planted_row.py:
$(cat "$WORKDIR/diff.txt")"
assert_eq "segments" 12 "$(wc -l < "$WORKDIR/got.txt")"
len=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "length_m") c = i; next } { print $c }' "$WORKDIR/out_dark_stretches.csv")
assert_eq "the dark stretch" 75 "$len"
finish
