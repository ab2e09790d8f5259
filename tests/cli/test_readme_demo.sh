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

# the demo's map page in a real browser, from the file system with no network: it loads every tile set
# (the surface, the hot-spot areas, the Gi* cells), logs nothing, and draws the hot cells' red. The
# screenshot stays in the build directory (demo_map_screenshot.png): README.md shows it
# (docs/images/camden_kde_viewer.png is a copy).
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -n "$CHROMIUM" ] && /usr/bin/python3 -c 'import PIL' 2> /dev/null; then
  for ts in kde kde_hotspot_areas hotspots; do
    grep -q "\"name\": \"$ts\"" "$out/camden_map/safemap_map.json" || fail "the demo's map lacks the tile set $ts"
  done
  browse() {
    local profile
    profile=$(mktemp -d "$WORKDIR/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
      --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' --window-size=1200,850 \
      --virtual-time-budget=8000 --enable-logging=stderr --v=0 "$@"
  }
  browse --screenshot="$WORKDIR/demo_map.png" "file://$out/camden_map/index.html" > /dev/null 2> "$WORKDIR/shot.log" || true
  browse --dump-dom "file://$out/camden_map/index.html" > "$WORKDIR/dom.html" 2> "$WORKDIR/dom.log" || true
  if grep -h 'CONSOLE' "$WORKDIR/shot.log" "$WORKDIR/dom.log" | grep -F 'file://'; then fail "the demo's map page logged messages (above)"; fi
  grep -q 'data-ready="1"' "$WORKDIR/dom.html" || fail "the demo's map page did not finish loading its layers"
  grep -q '<pre id="safemap-errors" hidden=""></pre>' "$WORKDIR/dom.html" || fail "the demo's map page shows an error"
  if [ -s "$WORKDIR/demo_map.png" ]; then
    cp "$WORKDIR/demo_map.png" "$BUILDDIR/demo_map_screenshot.png"
    # the hot cells (Gi* 99%: #d62f27) and the surface's top class (viridis yellow) are drawn
    /usr/bin/python3 - "$WORKDIR/demo_map.png" << 'PY' || fail "the demo's map page does not show the hot cells and the surface"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
px = im.getdata()
def near(c, t, d=40): return sum(abs(a - b) for a, b in zip(c, t)) <= d
hot = sum(1 for c in px if near(c, (0xd6, 0x2f, 0x27), 60))
surface = sum(1 for c in px if near(c, (0x5e, 0xc9, 0x62), 90) or near(c, (0x21, 0x91, 0x8c), 90))
assert hot > 500 and surface > 500, (hot, surface)
PY
  else
    fail "no screenshot of the demo's map page"
  fi
else
  note "no chromium or python3-pil: the demo's map page was not opened in a browser"
fi
finish
