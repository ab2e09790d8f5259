#!/usr/bin/env bash
# safemap hotspots on the bundled data, and its bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid fishnet --cell 200 --band 300 -o "$out/hs.gpkg"
assert_stderr_contains "536 cells of 200 m, band 300 m"
assert_stderr_contains "global Moran's I"
n=$(ogrinfo -q "$out/hs.gpkg" -sql "SELECT COUNT(*) AS n, SUM(count) AS s FROM hotspots" 2> /dev/null | sed -n 's/ *n (Integer) = //p')
[ "$n" = 536 ] || fail "hotspots has '$n' cells, want 536"
# same bytes for 1 and 2 threads (CSV)
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --permutations 199 --seed 5 -j 1 -o "$out/a.csv" -q
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --permutations 199 --seed 5 -j 2 -o "$out/b.csv" -q
assert_same_bytes "$out/a.csv" "$out/b.csv"
head -1 "$out/a.csv" | grep -q "unit_id,row,col,count,neighbours,gi_z,gi_p,gi_bin,gi_bin_fdr,lisa_i,lisa_z,lisa_p,lisa_class,gi_p_sim,lisa_p_sim" || fail "CSV header"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --permutations 0 -o "$out/c.csv"
assert_error_line hotspots "--permutations"

# k nearest cells and inverse distance: each cell has exactly k neighbours; the
# weights are named in the metadata; the same bytes for 1 and 2 threads
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid fishnet --cell 200 --weights knn --neighbours 6 -o "$out/knn.gpkg"
assert_stderr_contains "536 cells of 200 m, 6 nearest neighbours"
k=$(ogrinfo -q "$out/knn.gpkg" -sql "SELECT MIN(neighbours) AS lo, MAX(neighbours) AS hi FROM hotspots" 2> /dev/null | sed -n 's/ *\(lo\|hi\) (Integer) = //p' | sort -u)
[ "$k" = 6 ] || fail "knn 6: neighbours '$k', want 6 everywhere"
ogrinfo -q "$out/knn.gpkg" hotspots -so 2> /dev/null | grep -q "6 nearest cell centres" || ogrinfo "$out/knn.gpkg" hotspots -so -mdd all 2> /dev/null | grep -q "6 nearest cell centres" || fail "knn weights not in the metadata"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 -o "$out/band.csv" -q
for wt in idw idw2; do
  assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --weights $wt -j 1 -o "$out/$wt-1.csv" -q
  assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --weights $wt -j 2 -o "$out/$wt-2.csv" -q
  assert_same_bytes "$out/$wt-1.csv" "$out/$wt-2.csv"
  cmp -s "$out/$wt-1.csv" "$out/band.csv" && fail "--weights $wt gives the band's output"
done
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights knn -j 1 -o "$out/knn-1.csv" -q
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights knn -j 2 -o "$out/knn-2.csv" -q
assert_same_bytes "$out/knn-1.csv" "$out/knn-2.csv"
# the minimum-neighbours rule: a 210 m band gives edge cells 2 or 3 neighbours; with 4 every cell has 4
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid fishnet --cell 200 --band 210 --min-neighbours 4 -o "$out/mn.gpkg" -q
k=$(ogrinfo -q "$out/mn.gpkg" -sql "SELECT MIN(neighbours) AS lo, MAX(neighbours) AS hi FROM hotspots" 2> /dev/null | sed -n 's/ *\(lo\|hi\) (Integer) = //p' | sort -u)
[ "$k" = 4 ] || fail "--min-neighbours 4: neighbours '$k', want 4 everywhere"
ogrinfo -so "$out/mn.gpkg" hotspots 2> /dev/null | grep -q "min_neighbours=at least 4 (the nearest cells added to 97 cells)" || fail "min_neighbours metadata"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights knn --min-neighbours 4 -o "$out/x.gpkg"
assert_error_line hotspots "--min-neighbours is for --weights band"
# hexagons: 200 m centre spacing inside the wards, each of area (sqrt 3 / 2) 200^2, at most six neighbours at 220 m;
# every incident is in a hexagon or counted outside (counts stored as integers)
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid hexagon --cell 200 --band 220 -o "$out/hex.gpkg"
assert_stderr_contains "618 hexagons of 200 m, band 220 m"
assert_stderr_contains "441 points outside the cells"
got=$(ogrinfo -q "$out/hex.gpkg" -dialect sqlite -sql "SELECT COUNT(*) || ' ' || SUM(count) || ' ' || MAX(neighbours) || ' ' || SUM(ABS(ST_Area(geom) - 34641.016151377546) < 1e-6) || ' ' || SUM(ST_IsValid(geom)) AS s FROM hotspots" 2> /dev/null | sed -n 's/ *s (String) = //p')
[ "$got" = "618 5975 6 618 618" ] || fail "hexagons: '$got'"
# rates: incidents per hectare of a ward field; the rate is total / denominator * per, and Gi* is on the rates
lyr=$(ogrinfo -q "$WARDS" | head -1 | awk '{print $2}')
ogr2ogr -q "$WORKDIR/wr.gpkg" "$WARDS" -nln wards -dialect sqlite \
  -sql "SELECT *, CAST(ST_Area(geom) / 10000 AS INTEGER) AS hectares, CAST(CAST(ST_Area(geom) / 10000 AS INTEGER) AS TEXT) AS hectares_text FROM \"$lyr\""
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wr.gpkg" --rate-field hectares --per 1 -o "$out/rate.gpkg"
assert_stderr_contains "20 wards, queen contiguity, rates per 1 hectares"
bad=$(ogrinfo -q "$out/rate.gpkg" -sql "SELECT COUNT(*) AS n FROM hotspots WHERE ABS(rate - total * 1.0 / denominator) > 1e-12 OR denominator <= 0" 2> /dev/null | sed -n 's/ *n (Integer) = //p')
[ "$bad" = 0 ] || fail "rates: $bad wards with rate != total / denominator"
ogrinfo -so "$out/rate.gpkg" hotspots 2> /dev/null | grep -q "value=rate: incidents per 1 of hectares" || fail "rate metadata"
# a number stored as text is read; the same z's
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wr.gpkg" --rate-field hectares_text --per 1 -o "$out/rate2.csv" -q
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wr.gpkg" --rate-field hectares --per 1 -o "$out/rate1.csv" -q
assert_same_bytes "$out/rate1.csv" "$out/rate2.csv"
# bad rates: a zero denominator, an empty one, text that is no number, a missing field
ogr2ogr -q "$WORKDIR/wz.gpkg" "$WORKDIR/wr.gpkg" -nln wards -dialect sqlite \
  -sql "SELECT *, CASE WHEN WD24CD = 'E05013652' THEN 0 ELSE hectares END AS hh, CASE WHEN WD24CD = 'E05013653' THEN NULL ELSE hectares END AS hn, CASE WHEN WD24CD = 'E05013654' THEN 'n/a' ELSE hectares_text END AS ht FROM wards"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wz.gpkg" --rate-field hh -o "$out/x.gpkg"
assert_error_line hotspots "ward E05013652 (Belsize): field hh is 0; a rate needs a denominator > 0"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wz.gpkg" --rate-field hn -o "$out/x.gpkg"
assert_error_line hotspots "ward E05013653 (Bloomsbury): field hn is empty; a rate needs a denominator > 0"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wz.gpkg" --rate-field ht -o "$out/x.gpkg"
assert_error_line hotspots "field ht is 'n/a', not a number"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wz.gpkg" --rate-field HOUSEHOLDS -o "$out/x.gpkg"
assert_error_line hotspots "has no field 'HOUSEHOLDS'"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --rate-field hh -o "$out/x.gpkg"
assert_error_line hotspots "--rate-field and --per are for ward units"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wr.gpkg" --rate-field hectares --per 0 -o "$out/x.gpkg"
assert_error_line hotspots "--per needs a number > 0, not 0"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/wr.gpkg" --per 100 -o "$out/x.gpkg"
assert_error_line hotspots "--per needs --rate-field"
[ ! -e "$out/x.gpkg" ] || fail "a refused run left $out/x.gpkg"
# bad combinations
# wards by distance between centroids: 4 nearest each; a band shorter than every centroid's nearest is refused
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --weights knn --neighbours 4 -o "$out/wk.gpkg"
assert_stderr_contains "20 wards, 4 nearest neighbours"
k=$(ogrinfo -q "$out/wk.gpkg" -sql "SELECT MIN(neighbours) AS lo, MAX(neighbours) AS hi FROM hotspots" 2> /dev/null | sed -n 's/ *\(lo\|hi\) (Integer) = //p' | sort -u)
[ "$k" = 4 ] || fail "ward knn 4: neighbours '$k'"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --weights band --band 100 -o "$out/x.gpkg"
assert_error_line hotspots "the band (100 m) is shorter than the distance from every ward's centroid to its nearest"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --weights queen --band 100 -o "$out/x.gpkg"
assert_error_line hotspots "--band is for --weights band, idw or idw2"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights knn --band 300 -o "$out/x.gpkg"
assert_error_line hotspots "takes --neighbours, not --band"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 300 --neighbours 4 -o "$out/x.gpkg"
assert_error_line hotspots "--neighbours is for --weights knn"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights knn --neighbours 0 -o "$out/x.gpkg"
assert_error_line hotspots "--neighbours needs a whole number"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights idw -o "$out/x.gpkg"
assert_error_line hotspots "--band is required"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --weights cosine --band 300 -o "$out/x.gpkg"
assert_error_line hotspots "unknown --weights 'cosine'"
clean_dir "$out"

# --optimised (ArcGIS Optimized Hot Spot Analysis's rules): the cell size and band it chose, and why, on
# stderr and in the metadata; without a study area only the cells holding an incident
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --optimised -o "$out/opt.gpkg"
assert_stderr_contains "optimised: cell size 93 m = roof(2 x max(median 41.1 m, mean 46.1 m))"
assert_stderr_contains "9 locational outliers (3 sd) left out"
assert_stderr_contains "optimised: distance band 419.863 m: the first peak of incremental spatial autocorrelation"
assert_stderr_contains "4635 cells without an incident left out"
assert_stderr_contains "1035 cells of 93 m, band 419.863 m"
n=$(ogrinfo -q "$out/opt.gpkg" -sql "SELECT COUNT(*) AS n, MIN(count) AS lo FROM hotspots" 2> /dev/null | sed -n 's/^ *\(n\|lo\) (.*) = //p' | tr '\n' ' ')
[ "$n" = "1035 1 " ] || fail "optimised: cells and smallest count '$n', want '1035 1 '"
ogrinfo "$out/opt.gpkg" hotspots -so -mdd all 2> /dev/null | grep -q "OPTIMISED_BAND\|optimised_band" || fail "optimised: no optimised_band metadata"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid fishnet --optimised -o "$out/opt_w.csv"
assert_stderr_contains "optimised: cell size 94 m"
assert_stderr_contains "distance band 312 m: no peak of incremental spatial autocorrelation, so the mean distance to the k-th nearest unit (k = 30"
assert_stderr_contains "2428 cells of 94 m"
# a given --cell or --band is used as it is; the same bytes for 1 and 2 threads
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --optimised --cell 200 -j 1 -o "$out/opt1.csv"
assert_stderr_not_contains "cell size"
assert_stderr_contains "optimised: distance band"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --optimised --cell 200 -j 2 -o "$out/opt2.csv" -q
assert_same_bytes "$out/opt1.csv" "$out/opt2.csv"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --optimised --cell 200 --band 500 -o "$out/opt3.csv"
assert_stderr_not_contains "incremental"
assert_stderr_contains "band 500 m"
# its bad inputs: fewer than 30 wards, too few incidents (60 for a grid without a study area, 30 with
# one), one count everywhere, weights it does not use
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --optimised -o "$out/x.gpkg"
assert_error_line hotspots "--optimised needs at least 30 wards to analyse, not 20"
head -41 "$POLICE_SAMPLE" > "$WORKDIR/forty.csv"
assert_exit 1 "$SAFEMAP" hotspots "$WORKDIR/forty.csv" --optimised -o "$out/x.gpkg"
assert_error_line hotspots "--optimised needs at least 60 incidents (ArcGIS's minimum for a grid without a study area: give --wards), not 40"
head -21 "$POLICE_SAMPLE" > "$WORKDIR/twenty.csv"
assert_exit 1 "$SAFEMAP" hotspots "$WORKDIR/twenty.csv" --wards "$WARDS" --grid fishnet --optimised -o "$out/x.gpkg"
assert_error_line hotspots "--optimised needs at least 30 incidents in the study area"
{ echo "x,y"; for i in $(seq 0 7); do for j in $(seq 0 7); do echo "$((529000 + 300 * i)),$((183000 + 300 * j))"; done; done; } > "$WORKDIR/lattice.csv"
assert_exit 1 "$SAFEMAP" hotspots "$WORKDIR/lattice.csv" --x x --y y --crs EPSG:27700 --optimised --cell 250 -o "$out/x.gpkg"
assert_error_line hotspots "every one of the 64 cells has the same count (1)"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --optimised --weights knn -o "$out/x.gpkg"
assert_error_line hotspots "--optimised uses a fixed distance band"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --optimised --min-neighbours 3 -o "$out/x.gpkg"
assert_error_line hotspots "--min-neighbours is not used with it"
clean_dir "$out"

# bad input: a band that reaches no other cell, fewer than 3 cells, one value everywhere, missing options
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 --band 150 -o "$out/x.gpkg"
assert_error_line hotspots "no cell has a neighbour"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 20000 --band 30000 -o "$out/x.gpkg"
assert_error_line hotspots "need at least 3 cells, not 1: use a smaller --cell"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --cell 200 -o "$out/x.gpkg"
assert_error_line hotspots "--band is required"
head -3 "$POLICE_SAMPLE" > "$WORKDIR/two.csv"
assert_exit 1 "$SAFEMAP" hotspots "$WORKDIR/two.csv" --cell 200 --band 300 --extent 529000,183000,529600,183600 -o "$out/x.gpkg"
assert_error_line hotspots "same value"
assert_dir_empty "$out"
finish
