"""Opens safemap's outputs with QGIS's own Python API, headless, and checks that each layer comes up with
safemap's style: the renderer QGIS chose, its number of classes, that every feature gets a symbol, and the
colour and label of given classes.

    check_styles.py SPEC...    SPEC = PATH|LAYER[@STYLE]|RENDERER[:FIELD]|CLASSES[|VALUE=#rrggbb=LABEL]
                               LAYER "-" for a raster file (its style is the .qml beside it);
                               @STYLE: the layer's style of that name in layer_styles, not its default

Exits 0 when every check passes, 1 otherwise (each failure printed), 77 when QGIS cannot be imported."""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
try:
    from qgis.core import (QgsApplication, QgsRasterLayer, QgsRenderContext, QgsVectorLayer)
    from qgis.PyQt.QtXml import QDomDocument
except ImportError as e:  # python3-qgis is not installed: the test is skipped
    print(f"skip: cannot import qgis.core ({e}); install python3-qgis")
    sys.exit(77)

app = QgsApplication([], False)
app.initQgis()
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def check_vector(path, layer, want, n, expect):
    layer, _, style = layer.partition("@")
    lyr = QgsVectorLayer(f"{path}|layername={layer}", layer, "ogr")
    if not lyr.isValid():
        return fail(f"{path}: QGIS cannot open layer {layer}")
    if style:  # another of the layer's styles, as Layer Properties > Style > Load Style lists them
        count, ids, names, _, err = lyr.listStylesInDatabase()
        if style not in names:
            return fail(f"{layer}: no style '{style}' in the GeoPackage (QGIS lists {names} {err})")
        qml, err = lyr.getStyleFromDatabase(ids[names.index(style)])
        doc = QDomDocument()
        if not doc.setContent(qml) or not lyr.importNamedStyle(doc)[0]:
            return fail(f"{layer}: QGIS cannot apply the style '{style}' {err}")
        layer = f"{layer}@{style}"
    r = lyr.renderer()
    want, _, field = want.partition(":")
    if r.type() != want:
        return fail(f"{layer}: renderer {r.type()}, want {want}")
    if field and r.classAttribute() != field:
        fail(f"{layer}: coloured by {r.classAttribute()}, want {field}")
    classes = r.categories() if want == "categorizedSymbol" else r.ranges() if want == "graduatedSymbol" else []
    if len(classes) != n:
        fail(f"{layer}: {len(classes)} classes, want {n}")
    # every feature is drawn: its value matches a category or falls in a range
    ctx = QgsRenderContext()
    r.startRender(ctx, lyr.fields())
    missing = sum(1 for f in lyr.getFeatures() if not r.symbolsForFeature(f, ctx))
    r.stopRender(ctx)
    if missing:
        fail(f"{layer}: {missing} of {lyr.featureCount()} features match no class")
    for value, color, label in expect:
        hit = [c for c in classes if str(c.value() if hasattr(c, "value") else c.lowerValue()) == value]
        if not hit:
            fail(f"{layer}: no class for value {value}")
        elif hit[0].symbol().color().name() != color or hit[0].label() != label:
            fail(f"{layer}: class {value} is {hit[0].symbol().color().name()} '{hit[0].label()}', "
                 f"want {color} '{label}'")
    by = f" by {r.classAttribute()}" if hasattr(r, "classAttribute") else ""
    print(f"ok: {layer}: {r.type()}{by}, {len(classes)} classes, {lyr.featureCount()} features all drawn")


def check_raster(path, want, n):
    lyr = QgsRasterLayer(path, os.path.basename(path))
    if not lyr.isValid():
        return fail(f"QGIS cannot open {path}")
    r = lyr.renderer()
    if r.type() != want:
        return fail(f"{path}: renderer {r.type()}, want {want} (style file not applied?)")
    fn = r.shader().rasterShaderFunction()
    items = fn.colorRampItemList()
    if fn.colorRampType() != fn.Discrete:
        fail(f"{path}: colour ramp type {fn.colorRampType()}, want discrete")
    if len(items) != n + 1 or items[0].color.alpha() != 0:
        fail(f"{path}: {len(items)} ramp items, want a transparent one and {n} classes")
    # a value at or below the threshold is transparent; one just above it takes the first class's colour
    ok, *rgba = fn.shade(items[0].value)
    if not ok or rgba[3] != 0:
        fail(f"{path}: the threshold {items[0].value} is drawn {rgba}")
    ok, *rgba = fn.shade(items[0].value + 1e-9 * max(1.0, abs(items[1].value)))
    if not ok or tuple(rgba[:3]) != items[1].color.getRgb()[:3] or rgba[3] == 0:
        fail(f"{path}: just above the threshold drawn {rgba}, want {items[1].color.getRgb()}")
    print(f"ok: {os.path.basename(path)}: {r.type()}, {len(items) - 1} classes")


for spec in sys.argv[1:]:
    part = spec.split("|")
    path, layer, want, n = part[0], part[1], part[2], int(part[3])
    expect = [tuple(p.split("=", 2)) for p in part[4:]]
    if layer == "-":
        check_raster(path, want, n)
    else:
        check_vector(path, layer, want, n, expect)

app.exitQgis()
sys.exit(1 if failures else 0)
