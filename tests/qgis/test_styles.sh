#!/usr/bin/env bash
# QGIS opens safemap's outputs already styled: the CLI runs as the README's demo does, then QGIS's own Python
# API (python3-qgis, headless) loads every styled layer and checks the renderer it applied, the field, the
# number of classes, that every feature is drawn, and the colour and label of a class; a hot-spot layer's other
# styles (local Moran's I, the other Gi* bin) as QGIS lists them; the GeoTIFF surface through the .qml beside it. Skipped (77) when python3-qgis is not installed.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

PY=/usr/bin/python3
if ! QT_QPA_PLATFORM=offscreen "$PY" -c 'import qgis.core' 2> "$WORKDIR/import.err"; then
  echo "skip: python3-qgis cannot be imported: $(tail -n 1 "$WORKDIR/import.err")"
  exit 77
fi

out="$WORKDIR/out"
mkdir -p "$out"
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/counts.gpkg" -q
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" -o "$out/hotspots.gpkg" -q
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --grid fishnet --optimised -o "$out/optimised.gpkg" -q
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" -o "$out/emerging.gpkg" -q
assert_exit 0 "$SAFEMAP" kde "$POINTS" --wards "$WARDS" --bandwidth 250 --cell 25 --hotspot-areas 50,75,90 \
  -o "$out/kde.gpkg" -q
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 25 -o "$out/kde.tif"
assert_stderr_contains "wrote $out/kde.tif and its QGIS style $out/kde.qml"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --wards "$WARDS" --at 2025-03 -o "$out/promap.gpkg" -q
assert_exit 0 "$SAFEMAP" audit --streets "$DATA/streets/holborn_bloomsbury_osm.gpkg" \
  --lights "$DATA/lighting/camden_lamps_holborn_bloomsbury.csv" "$DATA/police/city_of_london_2023_holborn" \
  --defects "$DATA/synthetic/defects_synthetic.csv" --at 2023-12-31 \
  --audits "$DATA/synthetic/walk_audits_synthetic.csv" --pins "$DATA/synthetic/unsafe_pins_synthetic.csv" \
  --wards "$WARDS" --hour 01:00 -o "$out/audit.gpkg" -q

# The QML is well-formed XML (QGIS would quietly fall back to its default style otherwise).
for f in "$out/kde.qml"; do
  "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$f" || fail "$f is not well-formed XML"
done
"$PY" - "$out"/*.gpkg << 'PYEOF' || fail "a styleQML in layer_styles is not well-formed XML"
import sqlite3, sys, xml.etree.ElementTree as E
for g in sys.argv[1:]:
    for t, q in sqlite3.connect(g).execute("SELECT f_table_name, styleQML FROM layer_styles"):
        E.fromstring(q.split("\n", 1)[1])  # after the DOCTYPE line
PYEOF

# PATH|LAYER|RENDERER[:FIELD]|CLASSES[|VALUE=#rrggbb=LABEL]: see check_styles.py
QT_QPA_PLATFORM=offscreen "$PY" "$SRCDIR/tests/qgis/check_styles.py" \
  "$out/hotspots.gpkg|hotspots|categorizedSymbol:gi_bin|7|3=#d62f27=Hot spot, 99% confidence|-3=#4575b5=Cold spot, 99% confidence" \
  "$out/hotspots.gpkg|hotspots@lisa_class|categorizedSymbol:lisa_class|5|HH=#ff0000=High-High" \
  "$out/hotspots.gpkg|hotspots@gi_bin_fdr|categorizedSymbol:gi_bin_fdr|7" \
  "$out/optimised.gpkg|hotspots|categorizedSymbol:gi_bin_fdr|7" \
  "$out/optimised.gpkg|hotspots@gi_bin|categorizedSymbol:gi_bin|7" \
  "$out/emerging.gpkg|emerging|categorizedSymbol|17|New Hot Spot=#8c0000=New hot spot" \
  "$out/kde.tif|-|singlebandpseudocolor|7" \
  "$out/kde.gpkg|kde_hotspot_areas|categorizedSymbol|3" \
  "$out/counts.gpkg|ward_counts|graduatedSymbol|5" \
  "$out/promap.gpkg|promap_top|graduatedSymbol|4" \
  "$out/audit.gpkg|audit_segments|graduatedSymbol:priority|5" \
  "$out/audit.gpkg|audit_lamps|categorizedSymbol|2|1=#ffd21f=Lit at the hour" \
  "$out/audit.gpkg|audit_wards|graduatedSymbol|2" \
  "$out/audit.gpkg|dark_stretches|singleSymbol|0" \
  "$out/audit.gpkg|audit_priorities|singleSymbol|0" > "$WORKDIR/qgis.log" 2>&1 || fail "QGIS did not apply every style"
grep -v '^QStandardPaths' "$WORKDIR/qgis.log" || true
finish
