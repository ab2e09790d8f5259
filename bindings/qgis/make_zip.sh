#!/usr/bin/env bash
# make_zip.sh OUT.zip: the QGIS plugin safemap_qgis as a zip QGIS installs (Plugins > Manage and Install
# Plugins > Install from ZIP): the folder safemap_qgis/ at the zip's root, without __pycache__ or *.pyc.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT.zip" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
rm -f "$out"
cd "$here"
files=$(find safemap_qgis -type f ! -path '*/__pycache__/*' ! -name '*.pyc' | LC_ALL=C sort)
if command -v zip > /dev/null; then
  zip -q -X "$out" $files
else
  /usr/bin/python3 - "$out" $files << 'PYEOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]:
        z.write(f)
PYEOF
fi
echo "wrote $out"
