#!/usr/bin/env bash
# Golden test: per-ward totals of `safemap count` on the bundled Camden data
# equal an independent count of the same points in the same polygons made
# with GDAL/PROJ and SpatiaLite SQL (spatialite_ward_totals.sh, next to this
# file), ward by ward; for the whole data and for
# --type Burglary --from 2024-01 --to 2024-12.
#
# Edge points: spatialite_ward_totals.sh gives, per ward, the points strictly
# inside (ST_Within), inside or on the boundary (ST_Intersects) and within
# 1 cm of the boundary. safemap puts a point on a shared edge in exactly one
# ward, so the check is  within - near_edge <= safemap <= intersects + near_edge
# per ward, and the sum of safemap's totals must equal the number of points
# in at least one ward (up to the near-edge points). Where no point is near
# an edge (the case for the bundled data: the closest point is 2.7 cm from a
# ward boundary) within = intersects and the comparison is exact.
#
# The expected values are computed live; the committed
# camden_ward_totals.csv and camden_ward_totals_burglary_2024.csv are what the
# script produced, and must still be what it produces.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

here="$SRCDIR/tests/golden"

compare() { # NAME COMMITTED-CSV FILTER-ARGS...
  local name="$1" committed="$2"; shift 2
  local exp="$WORKDIR/$name.expected.csv" got="$WORKDIR/$name.safemap.csv"
  local summary
  summary="$(bash "$here/spatialite_ward_totals.sh" "$POINTS" "$WARDS" "$exp" "$WORKDIR/scratch_$name" "$@")"
  echo "[$name] SpatiaLite: $(echo $summary)"
  local kept in_any multi near
  kept="$(printf '%s\n' "$summary" | sed -n 's/^kept=//p')"
  in_any="$(printf '%s\n' "$summary" | sed -n 's/^in_any_ward=//p')"
  multi="$(printf '%s\n' "$summary" | sed -n 's/^in_two_wards=//p')"
  near="$(printf '%s\n' "$summary" | sed -n 's/^near_edge=//p')"
  assert_eq "[$name] points in two wards at once (the wards do not overlap)" "0" "$multi"

  if [ -f "$committed" ]; then
    if ! cmp -s "$committed" "$exp"; then
      fail "[$name] the independent counts differ from the committed $committed
      (the data, GDAL/PROJ's transformation or SpatiaLite changed):
$(diff "$committed" "$exp" | sed 's/^/      /')"
    fi
  else
    fail "[$name] committed expected values $committed are missing"
  fi

  assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$got" "$@"
  assert_stderr_contains "$(thousands "$kept") points kept"

  # join on area_id: area_id within intersects near_edge safemap_total
  local joined="$WORKDIR/$name.joined"
  join -t, -j 1 \
    <(awk -F, 'NR > 1 { print $1 "," $(NF-2) "," $(NF-1) "," $NF }' "$exp" | sort) \
    <(awk -F, 'NR > 1 { print $1 "," $3 }' "$got" | sort) >"$joined"
  assert_eq "[$name] wards in both tables" "$(($(wc -l <"$exp") - 1))" "$(wc -l <"$joined")"
  assert_eq "[$name] wards in safemap's table" "$(($(wc -l <"$exp") - 1))" "$(($(wc -l <"$got") - 1))"

  local bad
  bad="$(awk -F, '{ lo = $2 - $4; hi = $3 + $4;
                    if ($5 < lo || $5 > hi) printf "%s: safemap %s, SpatiaLite within %s, intersects %s, near edge %s\n", $1, $5, $2, $3, $4 }' "$joined")"
  [ -z "$bad" ] || fail "[$name] per-ward totals differ:
$bad"
  local exact
  exact="$(awk -F, '$2 != $3 || $4 != 0 { n++ } END { print n + 0 }' "$joined")"
  if [ "$exact" -eq 0 ] && [ "$near" -eq 0 ]; then
    echo "[$name] no point on or near a ward edge: comparison is exact"
    bad="$(awk -F, '$5 != $2 { printf "%s: safemap %s, SpatiaLite %s\n", $1, $5, $2 }' "$joined")"
    [ -z "$bad" ] || fail "[$name] per-ward totals differ (exact comparison):
$bad"
  else
    echo "[$name] $near point(s) within 1 cm of a ward edge: bounded comparison for those wards"
  fi

  local sum
  sum="$(awk -F, '{ s += $5 } END { print s + 0 }' "$joined")"
  if [ $((sum - in_any)) -gt "$near" ] || [ $((in_any - sum)) -gt "$near" ]; then
    fail "[$name] safemap counts $sum points in wards, SpatiaLite $in_any (near edges: $near)"
  fi
  assert_stderr_contains "$(thousands "$sum") in 20 areas, $(thousands $((kept - sum))) outside every area"
  echo "[$name] $sum points in wards, $((kept - sum)) outside, $(wc -l <"$joined") wards compared"
}

compare all "$here/camden_ward_totals.csv"
compare burglary_2024 "$here/camden_ward_totals_burglary_2024.csv" --type Burglary --from 2024-01 --to 2024-12

finish
