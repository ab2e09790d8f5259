#!/usr/bin/env bash
# The demo README.md describes is the demo build.sh runs: `./build.sh demo-only`
# (the demo without installing or building) with this build's safemap, writing
# into $WORKDIR/out, must write exactly the files README.md lists under out/
# (its lines "- `out/NAME`: ..."), no more and no fewer, and succeed.
# It prints no warning, and every layer and raster it writes records how it was made.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
start=$SECONDS
assert_exit 0 env SAFEMAP="$SAFEMAP" SAFEMAP_DEMO_OUT="$out" bash "$SRCDIR/build.sh" demo-only
note "the demo took $((SECONDS - start)) s"
[ "$RC" -eq 0 ] || { finish; }

# what README.md says the demo writes
grep -oE '^- `out/[^`]+`' "$SRCDIR/README.md" | sed -E 's/^- `out\/(.*)`$/\1/' | sort -u >"$WORKDIR/listed"
[ -s "$WORKDIR/listed" ] || fail "README.md lists no out/ file (lines starting with: - \`out/NAME\`)"
# what it wrote
find "$out" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort >"$WORKDIR/written"

missing="$(comm -23 "$WORKDIR/listed" "$WORKDIR/written" | tr '\n' ' ')"
extra="$(comm -13 "$WORKDIR/listed" "$WORKDIR/written" | tr '\n' ' ')"
[ -z "$missing" ] || fail "README.md lists files the demo did not write: $missing"
[ -z "$extra" ] || fail "the demo wrote files README.md does not list: $extra"
note "$(wc -l <"$WORKDIR/written") files written, $(wc -l <"$WORKDIR/listed") listed in README.md"
assert_no_temp_files "$out"

# the demo's messages must not use terminal escape codes when not on a terminal
if grep -q $'\033' "$OUT_FILE" "$ERR_FILE"; then fail "the demo printed terminal escape codes to a file"; fi

# no warning a newcomer cannot place: the demo's data gives none (what is worth knowing about it, such as
# the points outside every ward, is said as a note with its reason)
warnings="$(grep -ih 'warning' "$OUT_FILE" "$ERR_FILE" || true)"
[ -z "$warnings" ] || fail "the demo printed warnings: $warnings"

# every output says what it is: each layer and raster of every GeoPackage the demo writes records how it
# was made (the keys every pipeline writes), each raster its description and units, and its band is named;
# each layer with geometry has its default QGIS style in layer_styles
required="safemap_version method input_rows_read input_rows_skipped input_rows_left_out input_points analysis_crs"
for g in "$out"/*.gpkg; do
  name=$(basename "$g")
  tables=$(sqlite3 "$g" "SELECT table_name FROM gpkg_contents WHERE table_name NOT IN ('safemap_metadata', 'layer_styles')")
  [ -n "$tables" ] || fail "$name has no layer"
  for t in $tables; do
    for k in $required; do
      n=$(sqlite3 "$g" "SELECT COUNT(*) FROM safemap_metadata WHERE layer = '$t' AND key = '$k' AND value <> ''")
      [ "$n" = 1 ] || fail "$name: layer $t has no metadata '$k'"
    done
  done
  for t in $(sqlite3 "$g" "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"); do
    n=$(sqlite3 "$g" "SELECT COUNT(*) FROM layer_styles WHERE f_table_name = '$t' AND useAsDefault AND styleQML <> ''")
    [ "$n" = 1 ] || fail "$name: layer $t has $n default styles in layer_styles, want 1"
  done
  for t in $(sqlite3 "$g" "SELECT table_name FROM gpkg_contents WHERE data_type = '2d-gridded-coverage'"); do
    for k in description units; do
      n=$(sqlite3 "$g" "SELECT COUNT(*) FROM safemap_metadata WHERE layer = '$t' AND key = '$k'")
      [ "$n" = 1 ] || fail "$name: raster $t has no metadata '$k'"
    done
    band=$(sqlite3 "$g" "SELECT field_name || '|' || IFNULL(uom, '') FROM gpkg_2d_gridded_coverage_ancillary WHERE tile_matrix_set_name = '$t'")
    case $band in Height* | *'|') fail "$name: raster $t's band is not named or has no unit: '$band'" ;; esac
  done
done
finish
