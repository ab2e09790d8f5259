#!/usr/bin/env bash
# Golden test: safemap route's shortest and safest routes on the grid of tests/golden/route equal networkx's
# Dijkstra on the same graph with the same cost formula (make_expected.py, Debian's python3-networkx):
# the same node sequence, the length and the cost to 1e-9 relative, for every case of expected.csv (in
# each, the safest route is longer than the shortest).
#
# The expected values are computed live and must equal the committed segments.csv and expected.csv
# (which unit.route reads too).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

here="$SRCDIR/tests/golden/route"
py=/usr/bin/python3
live="$WORKDIR/live"
mkdir -p "$live"
if ! "$py" -c 'import networkx' 2> /dev/null; then
  fail "networkx is missing for $py (apt-get install python3-networkx; ./build.sh test installs it)"
  finish
fi
"$py" "$here/make_expected.py" "$live"
for f in segments.csv expected.csv; do
  cmp -s "$here/$f" "$live/$f" || fail "networkx's $f differs from the committed tests/golden/route/$f:
$(diff "$here/$f" "$live/$f" | head -20)"
done

ogr2ogr -f GPKG "$WORKDIR/audit.gpkg" "$here/segments.csv" -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO \
  -oo AUTODETECT_TYPE=YES -nlt LINESTRING -a_srs EPSG:27700 -nln audit_segments

n=0
longer=0
while IFS=, read -r case route fe fn te tn len cost segs nodes; do
  [ "$case" = case ] && continue
  o="$WORKDIR/$case.csv"
  if [ ! -f "$o" ]; then
    assert_exit 0 "$SAFEMAP" route "$WORKDIR/audit.gpkg" --from "$fe,$fn" --to "$te,$tn" -o "$o" -q
  fi
  # the node sequence: node_from of each segment of the route, then the last node_to
  got_nodes="$(awk -F, -v r="$route" 'NR > 1 && $1 == r { printf "%s%s", (n++ ? " " : ""), $4; last = $5 }
                                      END { printf " %s", last }' "${o%.csv}_route_segments.csv")"
  assert_eq "$case $route: nodes" "$nodes" "$got_nodes"
  read -r got_len got_cost got_segs got_extra < <(awk -F, -v r="$route" 'NR > 1 && $1 == r { print $2, $6, $7, $8 }' "$o")
  awk -v a="$got_len" -v b="$len" -v c="$got_cost" -v d="$cost" 'BEGIN {
        ea = a - b; if (ea < 0) ea = -ea; ec = c - d; if (ec < 0) ec = -ec
        exit !(ea <= 1e-9 * b && ec <= 1e-9 * d) }' ||
    fail "$case $route: length $got_len, cost $got_cost; networkx $len, $cost"
  assert_eq "$case $route: segments" "$segs" "$got_segs"
  if [ "$route" = safest ] && awk -v e="$got_extra" 'BEGIN { exit !(e > 1) }'; then longer=$((longer + 1)); fi
  n=$((n + 1))
done < "$here/expected.csv"
assert_eq "routes compared" 6 "$n"
[ "$longer" -ge 1 ] || fail "no case where the safest route is longer than the shortest"
echo "$n routes equal networkx's; the safest is longer in $longer of $((n / 2)) cases"
finish
