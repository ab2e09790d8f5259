#!/usr/bin/env bash
# safemap hotspots on the Camden wards with a 2000 m distance band between ward centroids equals spdep
# (tests/golden/hotspot/wards/spdep_ward_centroids.R: sf::st_centroid, dnearneigh, localG with include.self,
# localmoran, moran.test style B): the same neighbours per ward, Gi* z and local Moran's I and z to 1e-9 relative,
# global Moran's I and z to the 6 and 4 significant digits the metadata gives.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

gold="$SRCDIR/tests/golden/hotspot/wards/centroid_band_2000.csv"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --weights band --band 2000 -o "$WORKDIR/h.csv" -q
# area_id,area_name,total,burglary,area_km2,per_km2,neighbours,gi_z,gi_p,gi_bin,gi_bin_fdr,lisa_i,lisa_z,...
res=$(awk -F, 'NR == FNR { if (FNR > 1) { nb[$1] = $4; g[$1] = $5; li[$1] = $6; lz[$1] = $7 } next }
  function rel(a, b) { d = a - b; if (d < 0) d = -d; return d / (1 + (b < 0 ? -b : b)) }
  FNR > 1 { if (!($1 in nb)) { print "missing " $1; exit }
            if ($7 != nb[$1]) { print "neighbours " $1 " " $7 " vs " nb[$1]; exit }
            r = rel($8, g[$1]); if (r > w) w = r; r = rel($12, li[$1]); if (r > w) w = r; r = rel($13, lz[$1]); if (r > w) w = r
            m++ }
  END { printf "%d %.3g\n", m, w }' "$gold" "$WORKDIR/h.csv")
note "wards compared and worst relative difference (Gi* z, local I, local z): $res"
set -- $res
[ "$1" = 20 ] || fail "$res"
awk -v r="$2" 'BEGIN { exit !(r <= 1e-9) }' || fail "worst difference $2 > 1e-9"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --weights band --band 2000 -o "$WORKDIR/h.gpkg" -q
ogrinfo -so "$WORKDIR/h.gpkg" hotspots 2> /dev/null | grep -q "global_moran=I 0.139799, .* z 2.189," ||
  fail "global Moran's I: want spdep's style B I 0.13979875 z 2.18877 ($(ogrinfo -so "$WORKDIR/h.gpkg" hotspots 2> /dev/null | grep global_moran))"
finish
