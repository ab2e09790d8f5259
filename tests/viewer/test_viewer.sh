#!/usr/bin/env bash
# The offline map page in a real browser: a tile directory (a synthetic density surface as colour and value
# tiles, two layers as vector tiles and GeoJSON scripts, the page) made by viewer_make_map, opened from the file
# system in headless Chromium with no network. Checks: the screenshot has the ramp's colours, the top class's
# colour where the hot spot is; the value read from the value tiles at a point is the surface's float32 value
# there exactly; the page logged nothing (no console message, no error shown). The screenshot stays in the
# build directory (viewer_screenshot.png) as the test's artefact.
set -euo pipefail
: "${BUILDDIR:?}" "${WORKDIR:?}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: no chromium (apt-get install chromium)"
  exit 77
fi
if ! /usr/bin/python3 -c 'import PIL' 2> /dev/null; then
  echo "SKIP: no python3-pil"
  exit 77
fi
MAKE_MAP="$BUILDDIR/tests/viewer_make_map"
map="$WORKDIR/map"
"$MAKE_MAP" "$map"
read -r _ hot_lat hot_lon < <(grep '^hotspot ' "$map/expected.txt")
read -r _ top_r top_g top_b top_a < <(grep '^top ' "$map/expected.txt")
read -r _ p_lat p_lon p_val < <(grep '^probe ' "$map/expected.txt")

# One profile per run, no network: the page must not need any. The first argument is the window's height.
browse() {
  local profile height=$1
  shift
  profile=$(mktemp -d "$WORKDIR/profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
    --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' --window-size=1024,"$height" \
    --virtual-time-budget=5000 --enable-logging=stderr --v=0 "$@"
}
browse 768 --screenshot="$WORKDIR/viewer.png" "file://$map/index.html" > /dev/null 2> "$WORKDIR/screenshot.log"
# --dump-dom keeps room for a browser's bars: the page is drawn again with the screenshot's 1024 x 768 page
height=768
for _ in 1 2; do
  browse "$height" --dump-dom "file://$map/index.html#probe=$p_lat,$p_lon" > "$WORKDIR/dom.html" 2> "$WORKDIR/dom.log"
  vp=$(grep -o 'data-viewport="[0-9x]*"' "$WORKDIR/dom.html" | grep -o '[0-9]*x[0-9]*' || true)
  [ "$vp" = 1024x768 ] && break
  height=$((height + 768 - ${vp#*x}))
done
[ "$vp" = 1024x768 ] || { echo "FAIL: cannot draw the page at 1024 x 768 to read it (got '$vp')"; exit 1; }
cp "$WORKDIR/viewer.png" "$BUILDDIR/viewer_screenshot.png"

# Nothing logged by the page (Chromium's own messages are not the page's)
if grep -h 'CONSOLE' "$WORKDIR/screenshot.log" "$WORKDIR/dom.log" | grep -F 'file://'; then
  echo "FAIL: the page logged messages (above)"
  exit 1
fi
grep -q 'data-ready="1"' "$WORKDIR/dom.html" || { echo "FAIL: the page did not finish loading its layers"; exit 1; }
grep -q '<pre id="safemap-errors" hidden=""></pre>' "$WORKDIR/dom.html" ||
  { echo "FAIL: the page shows an error:"; grep -o '<pre id="safemap-errors".*</pre>' "$WORKDIR/dom.html"; exit 1; }

/usr/bin/python3 - "$WORKDIR/viewer.png" "$WORKDIR/dom.html" "$map/safemap_map.json" "$p_val" \
  "$top_r" "$top_g" "$top_b" "$top_a" << 'PY'
import json, re, sys
from PIL import Image
png, dom, manifest, p_val = sys.argv[1], open(sys.argv[2]).read(), json.load(open(sys.argv[3])), float(sys.argv[4])
top = [int(v) for v in sys.argv[5:9]]
img = Image.open(png).convert("RGB")
print("screenshot", img.size)
assert img.size == (1024, 768), img.size

# the value under the probe: the float32 of the surface, exactly
m = re.search(r'data-px="(\d+),(\d+)".*?data-value="([^"]*)"', dom)
assert m, "no value readout in the page"
px, py, shown = int(m.group(1)), int(m.group(2)), m.group(3)
print("probe at pixel", px, py, "value", shown, "expected", p_val)
assert shown and abs(float(shown) - p_val) <= 1e-6 * abs(p_val), (shown, p_val)
assert re.search(r'>%s crimes per km²<' % re.escape('%.4g' % p_val), dom), "readout text with units"

# the ramp's colours, the top class where the hot spot is (the probe is 40 m from its centre)
bg = (0xf4, 0xf3, 0xef)
def blend(rgb, a):
    return tuple(round(c * a / 255 + b * (1 - a / 255)) for c, b in zip(rgb, bg))
def near(c, e, tol=12):
    return all(abs(x - y) <= tol for x, y in zip(c, e))
want = blend(top[:3], top[3])
got = [img.getpixel((px + dx, py + dy)) for dx in (-2, 0, 2) for dy in (-2, 0, 2)]
print("at the hot spot", got[4], "top class blended", want)
assert sum(near(c, want) for c in got) >= 7, got
classes = next(t for t in manifest["tilesets"] if t["kind"] == "raster")["style"]["classes"]
pixels = list(img.getdata())
seen = 0
for c in classes:
    rgb = tuple(int(c["color"][i:i + 2], 16) for i in (1, 3, 5))
    e = blend(rgb, round(c["opacity"] * 255))
    n = sum(1 for p in pixels[::3] if near(p, e, 6))
    print("class", c["label"], c["color"], "pixels", n)
    seen += n > 20
assert seen >= len(classes) - 1, "the ramp's colours are not on the map"
# the Gi* layer is drawn: its 99% hot spot red
gi = next(t for t in manifest["tilesets"] if t["kind"] == "vector")["layers"][0]["style"]["classes"][0]
red = tuple(int(gi["color"][i:i + 2], 16) for i in (1, 3, 5))
assert sum(1 for p in pixels[::3] if near(p, blend(red, round(gi["opacity"] * 255)), 10)) > 50, "no Gi* cells"
print("ok")
PY
