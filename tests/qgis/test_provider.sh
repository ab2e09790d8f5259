#!/usr/bin/env bash
# The QGIS Processing provider (bindings/qgis/safemap_qgis) under qgis_process, headless, in a throwaway QGIS
# profile: the plugin is found through QGIS_PLUGINPATH and enabled with `qgis_process plugins enable`; its
# algorithms are listed; each gives the same outputs as the command line (a GeoTIFF's cells or bytes, its .qml,
# a GeoPackage's features); a missing incidents file fails with the library's message naming
# it; without the safemap package the provider still loads and says what is missing; and the outputs QGIS loads
# after a run get the styles safemap wrote. Skipped (77) with a sanitized build, without qgis_process or
# without python3-qgis.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

case "${SANITIZE:-OFF}" in ON | on | 1 | TRUE | true)
  echo "skip: a sanitized libsafemap cannot be loaded into QGIS's Python without its runtime preloaded"; exit 77 ;;
esac
QP=/usr/bin/qgis_process.bin
PY=/usr/bin/python3
if ! QT_QPA_PLATFORM=offscreen "$QP" --version > /dev/null 2>&1; then
  echo "skip: $QP is missing (apt-get install qgis)"; exit 77
fi
if ! QT_QPA_PLATFORM=offscreen "$PY" -c 'import qgis.core' 2> "$WORKDIR/import.err"; then
  echo "skip: python3-qgis cannot be imported: $(tail -n 1 "$WORKDIR/import.err")"; exit 77
fi

# A throwaway profile (HOME, XDG dirs) so the user's QGIS settings are untouched; the plugin from the source tree;
# the package over this build's library; no __pycache__ written into the source tree.
export HOME="$WORKDIR/home" XDG_CONFIG_HOME="$WORKDIR/xdg/config" XDG_DATA_HOME="$WORKDIR/xdg/data"
export XDG_CACHE_HOME="$WORKDIR/xdg/cache" XDG_RUNTIME_DIR="$WORKDIR/xdg/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export QT_QPA_PLATFORM=offscreen QGIS_PLUGINPATH="$SRCDIR/bindings/qgis" PYTHONPATH="$SRCDIR/bindings/python"
export PYTHONDONTWRITEBYTECODE=1
SAFEMAP_LIBRARY="$(ls "$BUILDDIR"/libsafemap.so.* | head -n 1)"
export SAFEMAP_LIBRARY

out="$WORKDIR/out"
mkdir -p "$out"

assert_exit 0 "$QP" plugins enable safemap_qgis
assert_stdout_contains "Enabled safemap_qgis"
assert_exit 0 "$QP" list
for a in kde hotspots emerging nearrepeat scan forecast count plan audit; do
  assert_stdout_contains "safemap:$a"
done
assert_exit 0 "$QP" help safemap:kde
assert_stdout_contains "BANDWIDTH"

# safemap:kde against the command line: the same cells, the same style
assert_exit 0 "$QP" run safemap:kde -- INPUT_FOLDER="$POINTS" BANDWIDTH=250 CELL=25 OUTPUT="$out/qgis.tif"
assert_stdout_contains "bandwidth_m = 250"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 25 -o "$out/cli.tif" -q
assert_file "$out/qgis.qml"
assert_same_bytes "$out/cli.qml" "$out/qgis.qml"
"$PY" - "$out/cli.tif" "$out/qgis.tif" << 'PYEOF' || fail "safemap:kde's GeoTIFF differs from the command line's"
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
def cells(path):
    ds = gdal.Open(path)
    b = ds.GetRasterBand(1)
    a = np.frombuffer(b.ReadRaster(), dtype=np.float32).reshape(ds.RasterYSize, ds.RasterXSize)
    return ds.GetGeoTransform(), ds.GetProjection(), b.GetNoDataValue(), a
(g1, p1, n1, a1), (g2, p2, n2, a2) = cells(sys.argv[1]), cells(sys.argv[2])
assert g1 == g2 and p1 == p2 and n1 == n2, (g1, g2, n1, n2)
assert a1.shape == a2.shape and np.array_equal(a1, a2, equal_nan=True), "cells differ"
assert np.nanmax(a1) > 0
print(f"kde: {a1.shape[1]} x {a1.shape[0]} cells equal, max {np.nanmax(a1):.6g}")
PYEOF

# safemap:hotspots against the command line: the same features
assert_exit 0 "$QP" run safemap:hotspots -- INPUT_FOLDER="$POINTS" WARDS="$WARDS" SEED=0 OUTPUT="$out/qgis.gpkg"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/cli.gpkg" -q
ogrinfo -ro -al -q "$out/cli.gpkg" | sed "s#$out/cli#OUT#g" > "$out/cli.txt"
ogrinfo -ro -al -q "$out/qgis.gpkg" | sed "s#$out/qgis#OUT#g" > "$out/qgis.txt"
grep -q "gi_bin_fdr" "$out/cli.txt" || fail "ogrinfo shows no hot-spot features in $out/cli.gpkg"
diff "$out/cli.txt" "$out/qgis.txt" > "$out/diff.txt" ||
  { fail "safemap:hotspots's GeoPackage differs from the command line's"; head -n 20 "$out/diff.txt" >&2; }

# the other algorithms against the command line (same_gpkg A B: equal ogrinfo dumps, paths replaced)
same_gpkg() {
  diff <(ogrinfo -ro -al -q "$1" | sed "s#${1%.gpkg}#OUT#g") <(ogrinfo -ro -al -q "$2" | sed "s#${2%.gpkg}#OUT#g") \
    > "$out/diff.txt" || { fail "$3: $2 differs from the command line's $1"; head -n 20 "$out/diff.txt" >&2; }
}
assert_exit 0 "$QP" run safemap:emerging -- INPUT_FOLDER="$POINTS" WARDS="$WARDS" OUTPUT="$out/emerging.gpkg"
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$out/emerging_cli.gpkg" -q
same_gpkg "$out/emerging_cli.gpkg" "$out/emerging.gpkg" safemap:emerging
assert_exit 0 "$QP" run safemap:nearrepeat -- INPUT_FOLDER="$POINTS" SPACE_BANDS=0,100,200,400 TIME_BANDS=0,1,2,3 \
  TIME_UNIT=month PERMUTATIONS=99 SEED=1 OUTPUT="$out/nearrepeat.gpkg"
assert_exit 0 "$SAFEMAP" nearrepeat "$POINTS" --space-bands 0,100,200,400 --time-bands 0,1,2,3 --time-unit month \
  --permutations 99 --seed 1 -o "$out/nearrepeat_cli.gpkg" -q
same_gpkg "$out/nearrepeat_cli.gpkg" "$out/nearrepeat.gpkg" safemap:nearrepeat
assert_exit 0 "$QP" run safemap:scan -- INPUT_FOLDER="$POINTS" WARDS="$WARDS" MAX_WINDOW=6 PERMUTATIONS=99 SEED=1 \
  OUTPUT="$out/scan.gpkg"
assert_exit 0 "$SAFEMAP" scan "$POINTS" --wards "$WARDS" --max-window 6 --permutations 99 --seed 1 \
  -o "$out/scan_cli.gpkg" -q
same_gpkg "$out/scan_cli.gpkg" "$out/scan.gpkg" safemap:scan
assert_exit 0 "$QP" run safemap:forecast -- INPUT_FOLDER="$POINTS" WARDS="$WARDS" AT=2025-03 OUTPUT="$out/forecast.tif"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/forecast_cli.tif" -q
assert_same_bytes "$out/forecast_cli.tif" "$out/forecast.tif"
assert_same_bytes "$out/forecast_cli.qml" "$out/forecast.qml"
assert_exit 0 "$QP" run safemap:plan -- INPUT_FOLDER="$POINTS" WARDS="$WARDS" PERMUTATIONS=99 OUTPUT="$out/plan.gpkg"
assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --permutations 99 -o "$out/plan_cli.gpkg" -q
same_gpkg "$out/plan_cli.gpkg" "$out/plan.gpkg" safemap:plan
assert_exit 0 "$QP" run safemap:audit -- STREETS="$DATA/streets/holborn_bloomsbury_osm.gpkg" \
  LIGHTS="$DATA/lighting/camden_lamps_holborn_bloomsbury.csv" INPUT_FOLDER="$DATA/police/city_of_london_2023_holborn" \
  DEFECTS="$DATA/synthetic/defects_synthetic.csv" AT=2023-12-31 AUDITS="$DATA/synthetic/walk_audits_synthetic.csv" \
  PINS="$DATA/synthetic/unsafe_pins_synthetic.csv" WARDS="$WARDS" HOUR=01:00 OUTPUT="$out/audit.gpkg"
assert_exit 0 "$SAFEMAP" audit --streets "$DATA/streets/holborn_bloomsbury_osm.gpkg" \
  --lights "$DATA/lighting/camden_lamps_holborn_bloomsbury.csv" "$DATA/police/city_of_london_2023_holborn" \
  --defects "$DATA/synthetic/defects_synthetic.csv" --at 2023-12-31 \
  --audits "$DATA/synthetic/walk_audits_synthetic.csv" --pins "$DATA/synthetic/unsafe_pins_synthetic.csv" \
  --wards "$WARDS" --hour 01:00 -o "$out/audit_cli.gpkg" -q
same_gpkg "$out/audit_cli.gpkg" "$out/audit.gpkg" safemap:audit

# a point layer as the incidents (its file is read), and a GeoPackage of layers: safemap:count
assert_exit 0 "$QP" run safemap:count -- INPUT_LAYER="$POLICE_SAMPLE" WARDS="$WARDS" OUTPUT="$out/count.gpkg"
assert_exit 0 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/count_cli.gpkg" -q
diff <(ogrinfo -ro -al -q "$out/count_cli.gpkg" | sed "s#$out/count_cli#OUT#g") \
  <(ogrinfo -ro -al -q "$out/count.gpkg" | sed "s#$out/count#OUT#g") > /dev/null ||
  fail "safemap:count on a point layer differs from the command line's"

# bad input: a missing incidents file gives the library's message naming it, and no output
assert_exit 1 "$QP" run safemap:kde -- INPUT="$WORKDIR/no_such_incidents.csv" BANDWIDTH=250 OUTPUT="$out/bad.tif"
assert_stdout_or_stderr_contains "cannot open '$WORKDIR/no_such_incidents.csv'"
assert_no_file "$out/bad.tif"
# bad input: no incidents at all, or two of them
assert_exit 1 "$QP" run safemap:kde -- OUTPUT="$out/bad.tif"
assert_stdout_or_stderr_contains "give the incidents once"
# bad input: a list of numbers that is not one
assert_exit 1 "$QP" run safemap:nearrepeat -- INPUT_FOLDER="$POINTS" SPACE_BANDS=0,100,x TIME_BANDS=0,1,2 \
  TIME_UNIT=month OUTPUT="$out/bad.gpkg"
assert_stdout_or_stderr_contains "'0,100,x' is not a comma-separated list of numbers"

# bad input: an enumeration takes the library's names; another is refused by QGIS's own check, naming the parameter
assert_exit 1 "$QP" run safemap:nearrepeat -- INPUT_FOLDER="$POINTS" SPACE_BANDS=0,100 TIME_BANDS=0,1 \
  TIME_UNIT=fortnight OUTPUT="$out/bad.gpkg"
assert_stdout_or_stderr_contains "Incorrect parameter value for TIME_UNIT"
assert_no_file "$out/bad.gpkg"

# without the safemap package the provider still loads and says what is missing and how to install it (a stub
# package first on PYTHONPATH stands for a missing one, whatever this machine has installed)
mkdir -p "$WORKDIR/nosafemap"
echo 'raise ImportError("No module named safemap")' > "$WORKDIR/nosafemap/safemap.py"
PYTHONPATH="$WORKDIR/nosafemap" assert_exit 0 "$QP" list
assert_stdout_contains "safemap:kde"
PYTHONPATH="$WORKDIR/nosafemap" assert_exit 1 "$QP" run safemap:kde -- INPUT_FOLDER="$POINTS" \
  OUTPUT="$out/missing.tif"
assert_stdout_or_stderr_contains "The safemap Python package cannot be imported (ImportError: No module named safemap)"
assert_stdout_or_stderr_contains "./build.sh demo"
assert_no_file "$out/missing.tif"

# the outputs as QGIS loads them after a run (the layers to load on completion and their post-processors, as
# QGIS's Processing does): the GeoTIFF with its .qml, each GeoPackage layer with its layer_styles default
"$PY" - "$SRCDIR/bindings/qgis" "$POINTS" "$WARDS" "$out" << 'PYEOF' > "$out/styles.log" 2>&1 ||
import os
import sys
from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback,
                       QgsProcessingOutputLayerDefinition, QgsProcessingUtils, QgsProject)
plugins, points, wards, out = sys.argv[1:]
app = QgsApplication([], False)
app.initQgis()
sys.path.insert(0, plugins)
from safemap_qgis.provider import SafemapProvider
provider = SafemapProvider()
QgsApplication.processingRegistry().addProvider(provider)
want = {"qgis_styles.tif": "singlebandpseudocolor", "hotspots": "categorizedSymbol",
        "ward_counts": "graduatedSymbol"}
runs = [("kde", {"INPUT_FOLDER": points, "BANDWIDTH": 250, "CELL": 25,
                 "OUTPUT": QgsProcessingOutputLayerDefinition(f"{out}/qgis_styles.tif", QgsProject.instance())}),
        ("hotspots", {"INPUT_FOLDER": points, "WARDS": wards, "OUTPUT": f"{out}/qgis_styles.gpkg"}),
        ("count", {"INPUT_FOLDER": points, "WARDS": wards, "OUTPUT": f"{out}/qgis_counts.gpkg"})]
seen = set()
for name, params in runs:
    alg = QgsApplication.processingRegistry().createAlgorithmById(f"safemap:{name}")
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    context.setProject(QgsProject.instance())
    res, ok = alg.run(params, context, feedback)
    assert ok, f"safemap:{name} failed"
    loads = context.layersToLoadOnCompletion()
    assert loads, f"safemap:{name}: nothing to load on completion"
    for uri, details in loads.items():
        layer = QgsProcessingUtils.mapLayerFromString(uri, context)
        assert layer is not None and layer.isValid(), uri
        assert details.postProcessor() is not None, f"{uri}: no post-processor"
        details.postProcessor().postProcessLayer(layer, context, feedback)
        r = layer.renderer()
        if r is None:  # a table (e.g. ward_counts_by_month)
            print(f"{details.name}: table")
            continue
        key = uri.split("layername=")[-1] if "layername=" in uri else uri.rsplit("/", 1)[-1]
        print(f"{details.name}: {r.type()}")
        if key in want:
            assert r.type() == want[key], f"{uri}: renderer {r.type()}, expected {want[key]}"
            seen.add(key)
assert seen == set(want), f"not loaded: {set(want) - seen}"
print("styles applied")
# QGIS's cancel stops the call: no output
alg = QgsApplication.processingRegistry().createAlgorithmById("safemap:kde")
context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
feedback.cancel()
res, ok = alg.run({"INPUT_FOLDER": points, "OUTPUT": f"{out}/cancelled.tif"}, context, feedback)
assert not ok and not os.path.exists(f"{out}/cancelled.tif"), "a cancelled run went on"
print("cancel stops the run")
PYEOF
  { fail "the outputs are not loaded with safemap's styles"; cat "$out/styles.log" >&2; }
grep -v '^QStandardPaths' "$out/styles.log" || true

# the plugin as a zip QGIS installs: the folder at its root, no __pycache__
assert_exit 0 bash "$SRCDIR/bindings/qgis/make_zip.sh" "$out/safemap_qgis.zip"
"$PY" - "$out/safemap_qgis.zip" << 'PYEOF' || fail "make_zip.sh: unexpected zip contents"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "safemap_qgis/metadata.txt" in names and "safemap_qgis/__init__.py" in names, names
assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or not n.startswith("safemap_qgis/")], names
PYEOF

# nothing written into the plugin folder
[ -z "$(find "$SRCDIR/bindings/qgis" -name __pycache__)" ] || fail "__pycache__ written under bindings/qgis"
finish
