#!/usr/bin/env bash
# The offline map page driven like a user (tests/viewer/hover.js, playwright-core from npm with Debian's
# Chromium): the value under the pointer after a mouse move, a feature's popup, the layer switcher and the
# legend. playwright-core is installed into the build directory on first use; without npm or its registry the
# test is skipped.
set -euo pipefail
: "${BUILDDIR:?}" "${WORKDIR:?}" "${SRCDIR:?}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "SKIP: no chromium (apt-get install chromium)"; exit 77; }
command -v node > /dev/null && command -v npm > /dev/null || { echo "SKIP: no node and npm"; exit 77; }
mods="$BUILDDIR/viewer_node"
if [ ! -d "$mods/node_modules/playwright-core" ]; then
  mkdir -p "$mods"
  if ! (cd "$mods" && timeout 300 npm install --no-save --no-audit --no-fund --silent playwright-core@1 > npm.log 2>&1); then
    echo "SKIP: cannot install playwright-core from npm (see $mods/npm.log)"
    exit 77
  fi
fi
map="$WORKDIR/map"
"$BUILDDIR/tests/viewer_make_map" "$map"
read -r _ p_lat p_lon p_val < <(grep '^probe ' "$map/expected.txt")
NODE_PATH="$mods/node_modules" timeout 180 node "$SRCDIR/tests/viewer/hover.js" "$CHROMIUM" "file://$map/index.html" \
  "$p_lat" "$p_lon" "$p_val"
