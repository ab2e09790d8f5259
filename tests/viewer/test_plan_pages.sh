#!/usr/bin/env bash
# The ward plans' pages in a real browser: `safemap plan -o DIR --pdf` on the bundled Camden data, the index and
# Bloomsbury's page opened from the file system in headless Chromium with no network. Checks: the pages logged
# nothing; the screenshots are not blank (many colours, the chart's blue and the map's hot-spot red); the index
# links every ward; every ward's PDF has 1 to 3 A4 pages and the index's one. The screenshots stay in the build
# directory (plan_index.png, plan_ward.png) as the test's artefacts.
set -euo pipefail
: "${BUILDDIR:?}" "${WORKDIR:?}" "${SAFEMAP:?}" "${SRCDIR:?}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: no chromium (apt-get install chromium)"
  exit 77
fi
if ! /usr/bin/python3 -c 'import PIL' 2> /dev/null; then
  echo "SKIP: no python3-pil"
  exit 77
fi
dir="$WORKDIR/plans"
"$SAFEMAP" plan "$SRCDIR/data/police/camden_burglary" --wards "$SRCDIR/data/wards/camden_wards_2024.gpkg" \
  --permutations 99 -o "$dir" --pdf -q

browse() { # WIDTHxHEIGHT, then Chromium's arguments
  local profile
  profile=$(mktemp -d "$WORKDIR/profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
    --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' --window-size="$1" \
    --virtual-time-budget=3000 --enable-logging=stderr --v=0 "${@:2}"
}
browse 1000,900 --screenshot="$WORKDIR/index.png" "file://$dir/index.html" > /dev/null 2> "$WORKDIR/index.log"
browse 1000,1800 --screenshot="$WORKDIR/ward.png" "file://$dir/E05013653.html" > /dev/null 2> "$WORKDIR/ward.log"
cp "$WORKDIR/index.png" "$BUILDDIR/plan_index.png"
cp "$WORKDIR/ward.png" "$BUILDDIR/plan_ward.png"
if grep -h 'CONSOLE' "$WORKDIR/index.log" "$WORKDIR/ward.log" | grep -F 'file://'; then
  echo "FAIL: the pages logged messages (above)"
  exit 1
fi
n=$(grep -o 'href="E05[0-9]*\.html"' "$dir/index.html" | sort -u | wc -l)
[ "$n" = 20 ] || { echo "FAIL: the index links $n wards, not 20"; exit 1; }

/usr/bin/python3 - "$WORKDIR/index.png" "$WORKDIR/ward.png" "$dir" << 'PY'
import glob, re, sys
from PIL import Image
def colours(p):
    im = Image.open(p).convert("RGB")
    return im, len(set(im.getdata()))
def near(c, t, d):
    return sum(abs(a - b) for a, b in zip(c, t)) <= d
idx, ni = colours(sys.argv[1])
ward, nw = colours(sys.argv[2])
print("colours: index", ni, "ward", nw)
assert ni > 20, "the index's screenshot is blank"
assert nw > 200, "the ward's screenshot is blank"
px = list(ward.getdata())
blue = sum(1 for c in px if near(c, (0x31, 0x82, 0xbd), 30))     # the last 12 months' bars
red = sum(1 for c in px if near(c, (0xdf, 0x55, 0x4e), 90))      # the 99% hot cells on the map (blended)
print("chart blue", blue, "map red", red)
assert blue > 500 and red > 500, (blue, red)
for f in sorted(glob.glob(sys.argv[3] + "/*.pdf")):
    pages = len(re.findall(rb"/Type\s*/Page[^s]", open(f, "rb").read()))
    want = (1, 1) if f.endswith("/index.pdf") else (1, 3)
    assert want[0] <= pages <= want[1], (f, pages)
assert len(glob.glob(sys.argv[3] + "/*.pdf")) == 21
print("ok")
PY
