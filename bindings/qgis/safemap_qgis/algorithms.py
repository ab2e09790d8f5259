"""The safemap Processing algorithms. Each one only turns its QGIS parameters into the keyword arguments of the
safemap Python package (the command line's options, dashes as underscores) and calls it: the analysis, its
defaults, its checks and its messages are the library's. The outputs are written as `safemap ... -o` writes
them (GeoTIFF with its QGIS style NAME.qml beside it; GeoPackage with its styles in layer_styles), so QGIS
opens them already styled."""
import os

from qgis.core import (QgsProcessing, QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingLayerPostProcessorInterface, QgsProcessingOutputString,
                       QgsProcessingParameterBoolean, QgsProcessingParameterDefinition,
                       QgsProcessingParameterDistance, QgsProcessingParameterEnum, QgsProcessingParameterField,
                       QgsProcessingParameterFile, QgsProcessingParameterFileDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterString, QgsProcessingParameterVectorLayer, QgsUnitTypes)
from qgis.PyQt.QtCore import QUrl

try:
    import safemap
    IMPORT_ERROR = None
except Exception as e:  # ImportError, or OSError when the package cannot load libsafemap
    safemap = None
    IMPORT_ERROR = f"{type(e).__name__}: {e}"

INSTALL_HINT = ("safemap's QGIS algorithms need the safemap Python package and its library (libsafemap), "
                "importable by the Python QGIS runs: build and install safemap (./build.sh demo installs both), "
                "or put safemap's bindings/python folder on PYTHONPATH and set SAFEMAP_LIBRARY to the "
                "libsafemap.so file")


def safemap_version():
    return safemap.version() if safemap is not None else None


def missing_message():
    return f"The safemap Python package cannot be imported ({IMPORT_ERROR}). {INSTALL_HINT}."


def _given(parameters, name):
    """Whether the user gave a value (else the library's default applies)."""
    v = parameters.get(name)
    if v is None:
        return False
    if hasattr(v, "isNull") and v.isNull():
        return False
    return not (isinstance(v, str) and not v.strip())


def _source_path(layer, what):
    """The file of a layer and the layer name inside it: 'camden.gpkg|layername=wards' gives both, a
    delimited-text layer's URI its CSV file."""
    src = layer.source()
    if layer.providerType() == "delimitedtext":
        return QUrl(src).toLocalFile() or src.split("?")[0], None
    if layer.providerType() != "ogr":
        raise QgsProcessingException(f"{what}: layer '{layer.name()}' is not a file ({layer.providerType()}); "
                                     "save it as a GeoPackage first")
    parts = src.split("|")
    name = None
    for p in parts[1:]:
        if p.startswith("layername="):
            name = p[len("layername="):]
    return parts[0], name


class _LoadDefaultStyle(QgsProcessingLayerPostProcessorInterface):
    """Applies the layer's default style (a GeoPackage's layer_styles, a GeoTIFF's .qml) when QGIS loads an
    output into the project."""
    instances = []  # QGIS holds post-processors by pointer only: keep them alive here

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS's name)
        layer.loadDefaultStyle()
        layer.triggerRepaint()

    @classmethod
    def make(cls):
        p = cls()
        cls.instances.append(p)
        return p


class SafemapAlgorithm(QgsProcessingAlgorithm):
    """What every safemap algorithm shares: the incidents, the wards, the filters, threads and seed,
    the call and its errors."""
    NAME = ""
    TITLE = ""
    HELP = ""
    WARDS = None       # None: no wards; "optional" or "required"
    RASTER = False     # the output is a GeoTIFF (else a GeoPackage)
    SEED = False       # the analysis draws random numbers (permutations)
    POINTS = "required"  # or "optional" (the audit's crimes)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802
        return self.TITLE

    def group(self):
        return "safemap"

    def groupId(self):  # noqa: N802
        return "safemap"

    def shortHelpString(self):  # noqa: N802
        text = self.HELP + ("\n\nIncidents: a police.uk CSV file (or any table or point layer OGR reads), a folder "
                            "of police.uk CSV files, or a point layer of the project (its file is read). The "
                            "options and their defaults are those of the command `safemap " + self.NAME + "`; an "
                            "empty value means the library's default.")
        if safemap is None:
            text += "\n\n" + missing_message()
        return text

    # ------------------------------------------------------------------------------------------ parameters
    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "INPUT", "Incidents: a police.uk CSV (or any OGR file of points)",
            behavior=QgsProcessingParameterFile.File, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "INPUT_FOLDER", "Incidents: a folder of police.uk CSV files", behavior=QgsProcessingParameterFile.Folder,
            optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            "INPUT_LAYER", "Incidents: a point layer (its file is read)", [QgsProcessing.TypeVectorPoint],
            optional=True))
        if self.WARDS:
            self.addParameter(QgsProcessingParameterVectorLayer(
                "WARDS", "Wards (area polygons)" + (" [optional]" if self.WARDS == "optional" else ""),
                [QgsProcessing.TypeVectorPolygon], optional=self.WARDS == "optional"))
        self.addAnalysisParameters()
        self.addAdvanced(QgsProcessingParameterString("FROM", "Keep incidents from this month or day (YYYY-MM)",
                                                      optional=True))
        self.addAdvanced(QgsProcessingParameterString("TO", "Keep incidents up to this month or day (YYYY-MM)",
                                                      optional=True))
        self.addAdvanced(QgsProcessingParameterString(
            "TYPE", "Keep these crime types, comma-separated (e.g. Burglary,Robbery)", optional=True))
        if self.WARDS:
            self.addAdvanced(QgsProcessingParameterField(
                "ID_FIELD", "Ward id field (default: detected, e.g. WD24CD)", parentLayerParameterName="WARDS",
                optional=True))
            self.addAdvanced(QgsProcessingParameterField(
                "NAME_FIELD", "Ward name field (default: detected, e.g. WD24NM)", parentLayerParameterName="WARDS",
                optional=True))
        if self.SEED:
            self.addAdvanced(QgsProcessingParameterNumber(
                "SEED", "Random seed (the same seed gives the same results)", QgsProcessingParameterNumber.Integer,
                defaultValue=0, minValue=0))
        self.addAdvanced(QgsProcessingParameterNumber(
            "THREADS", "Threads (0: all cores; the results are the same for any number)",
            QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0))
        if self.RASTER:
            self.addParameter(QgsProcessingParameterRasterDestination(
                "OUTPUT", "Output GeoTIFF (its QGIS style is written beside it)"))
        else:
            self.addParameter(QgsProcessingParameterFileDestination(
                "OUTPUT", "Output GeoPackage (styled for QGIS)", fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputString("SUMMARY", "Headline figures of the run"))

    def addAnalysisParameters(self):  # noqa: N802
        pass

    def addAdvanced(self, p):  # noqa: N802
        p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(p)

    def distance(self, name, text, optional=True, default=None):
        p = QgsProcessingParameterDistance(name, text, defaultValue=default, optional=optional, minValue=0)
        p.setDefaultUnit(QgsUnitTypes.DistanceMeters)
        self.addParameter(p)

    def number(self, name, text, integer=True, optional=True, default=None, minimum=None):
        t = QgsProcessingParameterNumber.Integer if integer else QgsProcessingParameterNumber.Double
        kw = {} if minimum is None else {"minValue": minimum}
        self.addParameter(QgsProcessingParameterNumber(name, text, t, defaultValue=default, optional=optional, **kw))

    def enum(self, name, text, options):
        p = QgsProcessingParameterEnum(name, text, options=list(options), optional=True)
        p.setUsesStaticStrings(True)  # the value is the library's name (qgis_process: TIME_UNIT=month)
        self.addParameter(p)

    def boolean(self, name, text):
        self.addParameter(QgsProcessingParameterBoolean(name, text, defaultValue=False, optional=True))

    def string(self, name, text, optional=True, default=None):
        self.addParameter(QgsProcessingParameterString(name, text, defaultValue=default, optional=optional))

    # ------------------------------------------------------------------------------------------ values
    def value(self, parameters, context, name):
        """A parameter as the package takes it, or None when not given (the library's default)."""
        if not _given(parameters, name):
            return None
        d = self.parameterDefinition(name)
        if isinstance(d, QgsProcessingParameterEnum):
            return self.parameterAsEnumString(parameters, name, context) or None
        if isinstance(d, QgsProcessingParameterBoolean):
            return self.parameterAsBoolean(parameters, name, context)
        if isinstance(d, QgsProcessingParameterNumber):  # QgsProcessingParameterDistance too
            if d.dataType() == QgsProcessingParameterNumber.Integer:
                return self.parameterAsInt(parameters, name, context)
            return self.parameterAsDouble(parameters, name, context)
        if isinstance(d, QgsProcessingParameterField):
            return self.parameterAsString(parameters, name, context) or None
        return self.parameterAsString(parameters, name, context).strip()

    def numbers(self, parameters, context, name):
        """A comma-separated list of numbers ("0,100,200")."""
        v = self.value(parameters, context, name)
        if v is None:
            return None
        try:
            return [float(x) for x in v.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            raise QgsProcessingException(f"{self.parameterDefinition(name).description()}: '{v}' is not a "
                                         "comma-separated list of numbers")

    def incidents(self, parameters, context):
        given = [n for n in ("INPUT", "INPUT_FOLDER", "INPUT_LAYER") if _given(parameters, n)]
        if not given and self.POINTS == "optional":
            return None, None
        if len(given) != 1:
            raise QgsProcessingException("give the incidents once: a file (INPUT), a folder of police.uk CSV files "
                                         "(INPUT_FOLDER) or a point layer (INPUT_LAYER)")
        if given[0] == "INPUT_LAYER":
            layer = self.parameterAsVectorLayer(parameters, "INPUT_LAYER", context)
            if layer is None:
                raise QgsProcessingException(f"INPUT_LAYER: cannot open '{parameters['INPUT_LAYER']}'")
            return _source_path(layer, "INPUT_LAYER")
        return self.parameterAsFile(parameters, given[0], context), None

    def wards(self, parameters, context, kw):
        if not self.WARDS or not _given(parameters, "WARDS"):
            return None
        layer = self.parameterAsVectorLayer(parameters, "WARDS", context)
        if layer is None:
            raise QgsProcessingException(f"WARDS: cannot open '{parameters['WARDS']}'")
        path, name = _source_path(layer, "WARDS")
        if name:
            kw["wards_layer"] = name
        for p, k in (("ID_FIELD", "id_field"), ("NAME_FIELD", "name_field")):
            v = self.value(parameters, context, p)
            if v:
                kw[k] = v
        return path

    def options(self, parameters, context):
        """The analysis's keyword arguments (each algorithm's own)."""
        return {}

    # ------------------------------------------------------------------------------------------ running
    def checkParameterValues(self, parameters, context):  # noqa: N802
        if safemap is None:
            return False, missing_message()
        return super().checkParameterValues(parameters, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        if safemap is None:
            raise QgsProcessingException(missing_message())
        points, layer = self.incidents(parameters, context)
        kw = {}
        if layer:
            kw["layer"] = layer
        wards = self.wards(parameters, context, kw)
        for p, k in (("FROM", "from_"), ("TO", "to")):
            v = self.value(parameters, context, p)
            if v:
                kw[k] = v
        v = self.value(parameters, context, "TYPE")
        if v:
            kw["type"] = v
        if self.SEED:
            kw["seed"] = self.parameterAsInt(parameters, "SEED", context)
        kw["threads"] = self.parameterAsInt(parameters, "THREADS", context)
        kw.update({k: v for k, v in self.options(parameters, context).items() if v is not None})
        if self.RASTER:
            out = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        else:
            out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = [points] + ([wards] if self.WARDS else [])
        feedback.pushInfo(f"safemap.{self.NAME}({', '.join(repr(a) for a in args)}, "
                          + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + f", output={out!r})")
        progress = lambda f, m: (feedback.setProgress(100 * f), feedback.setProgressText(m or ""),  # noqa: E731
                                 not feedback.isCanceled())[-1]
        try:
            result = getattr(safemap, self.NAME)(*args, progress=progress, output=out, overwrite=True, **kw)
        except safemap.Cancelled:
            raise QgsProcessingException(f"safemap {self.NAME}: cancelled")
        except safemap.Error as e:
            raise QgsProcessingException(str(e))
        for w in result.warnings:
            feedback.pushWarning(w)
        summary = "; ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                            for k, v in result.figures.items())
        if summary:
            feedback.pushInfo(summary)
        if not self.RASTER:
            base = os.path.splitext(os.path.basename(out))[0]
            for name in result.layers:
                details = QgsProcessingContext.LayerDetails(f"{base} {name}", context.project(), "OUTPUT")
                details.setPostProcessor(_LoadDefaultStyle.make())
                context.addLayerToLoadOnCompletion(f"{out}|layername={name}", details)
        elif self.RASTER and context.willLoadLayerOnCompletion(out):
            context.layerToLoadOnCompletionDetails(out).setPostProcessor(_LoadDefaultStyle.make())
        return {"OUTPUT": out, "SUMMARY": summary}


def _names(*names):
    return names


class Kde(SafemapAlgorithm):
    NAME, TITLE = "kde", "Kernel density (kde)"
    WARDS, RASTER = "optional", True
    HELP = ("Kernel density surface of the incidents, as `safemap kde`: each point adds weight x K(d) at every "
            "cell centre within reach, K integrating to 1. With wards, the grid covers them and cells outside are "
            "nodata. Writes a GeoTIFF and its QGIS style (.qml) beside it.")
    CONVENTIONS = _names("default", "arcgis", "qgis-raw", "qgis-scaled", "spatstat")
    KERNELS = _names("quartic", "epanechnikov", "triweight", "triangular", "uniform", "gaussian")
    RULES = _names("auto", "scott", "ppl", "diggle")
    EDGES = _names("none", "uniform", "diggle")
    UNITS = _names("per-km2", "per-ha", "per-m2", "count", "probability")

    def addAnalysisParameters(self):  # noqa: N802
        self.enum("CONVENTION", "Convention (default: default)", self.CONVENTIONS)
        self.enum("KERNEL", "Kernel (default: quartic)", self.KERNELS)
        self.distance("BANDWIDTH", "Bandwidth (search radius) in metres (default: the bandwidth rule)")
        self.enum("BANDWIDTH_RULE", "Bandwidth rule when no bandwidth is given (default: auto)", self.RULES)
        self.distance("CELL", "Cell size in metres (default: shorter side of the extent / 250)")
        self.enum("UNITS", "Units of the values (default: the convention's)", self.UNITS)
        self.enum("EDGE", "Edge correction (default: none)", self.EDGES)
        self.boolean("ADAPTIVE", "Adaptive bandwidth (Abramson's square-root law)")
        self.distance("PILOT_BANDWIDTH", "Pilot bandwidth of the adaptive kernel in metres (default: the bandwidth)")
        self.number("TRIM", "Cap of the adaptive factor (default 5)", integer=False)
        self.number("GAUSSIAN_CUTOFF", "Gaussian support in standard deviations (default 4; spatstat 8)",
                    integer=False)

    def options(self, p, c):
        bw = self.value(p, c, "BANDWIDTH")
        return {"convention": self.value(p, c, "CONVENTION"), "kernel": self.value(p, c, "KERNEL"),
                "bandwidth": bw if bw is not None else self.value(p, c, "BANDWIDTH_RULE"),
                "cell": self.value(p, c, "CELL"), "units": self.value(p, c, "UNITS"),
                "edge": self.value(p, c, "EDGE"), "adaptive": bool(self.value(p, c, "ADAPTIVE")),
                "pilot_bandwidth": self.value(p, c, "PILOT_BANDWIDTH"), "trim": self.value(p, c, "TRIM"),
                "gaussian_cutoff": self.value(p, c, "GAUSSIAN_CUTOFF")}


class Hotspots(SafemapAlgorithm):
    NAME, TITLE = "hotspots", "Hot spots: Getis-Ord Gi* and local Moran's I (hotspots)"
    WARDS, SEED = "optional", True
    HELP = ("Counts the incidents per ward or in a fishnet or hexagon grid and computes Getis-Ord Gi* (as ArcGIS's "
            "Hot Spot Analysis) and local Moran's I, as `safemap hotspots`. Layer 'hotspots': gi_z, gi_p, gi_bin, "
            "gi_bin_fdr, lisa_i, lisa_class, ... Give wards, or a cell size and a band (or knn weights).")
    GRIDS = _names("wards", "fishnet", "hexagon")
    WEIGHTS = _names("queen", "rook", "band", "idw", "idw2", "knn")

    def addAnalysisParameters(self):  # noqa: N802
        self.enum("GRID", "Units (default: the wards when given)", self.GRIDS)
        self.enum("WEIGHTS", "Spatial weights (default: queen for wards, band for cells)", self.WEIGHTS)
        self.distance("CELL", "Fishnet cell size or hexagon spacing in metres")
        self.distance("BAND", "Distance band in metres (band, idw, idw2 weights)")
        self.number("NEIGHBOURS", "Nearest units for knn weights (default 8)", minimum=1)
        self.number("MIN_NEIGHBOURS", "Minimum neighbours in the band (the nearest added)", minimum=0)
        self.addParameter(QgsProcessingParameterField(
            "RATE_FIELD", "Analyse rates per this numeric field of the wards (households, residents)",
            parentLayerParameterName="WARDS", type=QgsProcessingParameterField.Numeric, optional=True))
        self.number("PER", "Rates per N of the rate field (default 1000)", integer=False)
        self.boolean("OPTIMISED", "ArcGIS Optimized Hot Spot Analysis's choices of cell and band")
        self.number("PERMUTATIONS", "Permutations for pseudo p-values (e.g. 999; default none)", minimum=0)

    def options(self, p, c):
        return {"grid": self.value(p, c, "GRID"), "weights": self.value(p, c, "WEIGHTS"),
                "cell": self.value(p, c, "CELL"), "band": self.value(p, c, "BAND"),
                "neighbours": self.value(p, c, "NEIGHBOURS"), "min_neighbours": self.value(p, c, "MIN_NEIGHBOURS"),
                "rate_field": self.value(p, c, "RATE_FIELD"), "per": self.value(p, c, "PER"),
                "optimised": bool(self.value(p, c, "OPTIMISED")), "permutations": self.value(p, c, "PERMUTATIONS")}


BINS = _names("month", "quarter", "year", "week", "day")


def _bin(alg, p, c):
    days = alg.value(p, c, "BIN_DAYS")
    return f"{days}d" if days else alg.value(p, c, "BIN")


class Emerging(SafemapAlgorithm):
    NAME, TITLE = "emerging", "Emerging hot spots (emerging)"
    WARDS, SEED = "optional", True
    HELP = ("Emerging hot spot analysis, as ArcGIS's Create Space Time Cube + Emerging Hot Spot Analysis and "
            "`safemap emerging`: a Gi* per location and time step, a Mann-Kendall trend, and one of 17 categories "
            "(New, Consecutive, Intensifying, Persistent, ... Hot or Cold Spot). Needs at least 10 time steps.")
    WEIGHTS = _names("queen", "rook", "band", "knn")
    RULES = _names("pro", "arcmap")
    WINDOWS = _names("cube", "neighbourhood", "step")

    def addAnalysisParameters(self):  # noqa: N802
        self.enum("GRID", "Locations (default: the wards when given)", Hotspots.GRIDS)
        self.distance("CELL", "Fishnet cell size or hexagon spacing in metres")
        self.enum("WEIGHTS", "Spatial weights (default: queen for wards, band for cells)", self.WEIGHTS)
        self.distance("BAND", "Distance band in metres")
        self.boolean("BAND_AUTO", "Distance band from ArcGIS's Optimized Hot Spot Analysis rule (band auto)")
        self.number("NEIGHBOURS", "Nearest units for knn weights (default 8)", minimum=1)
        self.enum("BIN", "Time step (default: month)", BINS)
        self.number("BIN_DAYS", "Time step of N days (instead of the time step above)", minimum=1)
        self.string("REFERENCE", "Weeks and N-day steps start on this date (YYYY-MM-DD)")
        self.number("TIME_LAG", "Earlier steps in a bin's neighbourhood (default 1)", minimum=0)
        self.enum("RULES", "Category rules (default: pro)", self.RULES)
        self.number("TREND_ALPHA", "Mann-Kendall significance level (default 0.05)", integer=False)
        self.enum("GLOBAL_WINDOW", "Where Gi*'s mean and variance come from (default: cube)", self.WINDOWS)
        self.number("PERMUTATIONS", "Permutations for pseudo p-values (e.g. 199; default none)", minimum=0)

    def options(self, p, c):
        band = "auto" if self.value(p, c, "BAND_AUTO") else self.value(p, c, "BAND")
        return {"grid": self.value(p, c, "GRID"), "cell": self.value(p, c, "CELL"),
                "weights": self.value(p, c, "WEIGHTS"), "band": band, "neighbours": self.value(p, c, "NEIGHBOURS"),
                "bin": _bin(self, p, c), "reference": self.value(p, c, "REFERENCE"),
                "time_lag": self.value(p, c, "TIME_LAG"), "rules": self.value(p, c, "RULES"),
                "trend_alpha": self.value(p, c, "TREND_ALPHA"), "global_window": self.value(p, c, "GLOBAL_WINDOW"),
                "permutations": self.value(p, c, "PERMUTATIONS")}


class NearRepeat(SafemapAlgorithm):
    NAME, TITLE = "nearrepeat", "Near repeats: Knox test (nearrepeat)"
    SEED = True
    HELP = ("The Knox test of near repeats, as `safemap nearrepeat`: pairs of incidents close in space and time "
            "against Monte Carlo permutations of the dates. Table 'near_repeat': one row per space band x time "
            "band (observed, sim_mean, knox_ratio, p, ...).")

    def addAnalysisParameters(self):  # noqa: N802
        self.string("SPACE_BANDS", "Space bands in metres, increasing from 0 (e.g. 0,100,200,400)", optional=False)
        self.string("TIME_BANDS", "Time bands in days (or months), increasing from 0 (e.g. 0,1,2,3)", optional=False)
        self.enum("TIME_UNIT", "Time unit of the bands (default: day; police.uk dates need month)",
                  _names("day", "month"))
        self.enum("DISTANCE", "Distance (default: manhattan)", _names("manhattan", "euclidean"))
        self.enum("CLOSED", "Closed side of the bands (default: left)", _names("left", "right"))
        self.number("PERMUTATIONS", "Monte Carlo permutations (default 999)", minimum=1)

    def options(self, p, c):
        return {"space_bands": self.numbers(p, c, "SPACE_BANDS"), "time_bands": self.numbers(p, c, "TIME_BANDS"),
                "time_unit": self.value(p, c, "TIME_UNIT"), "distance": self.value(p, c, "DISTANCE"),
                "closed": self.value(p, c, "CLOSED"), "permutations": self.value(p, c, "PERMUTATIONS")}


class Scan(SafemapAlgorithm):
    NAME, TITLE = "scan", "Space-time permutation scan (scan)"
    WARDS, SEED = "optional", True
    HELP = ("The space-time permutation scan statistic (SaTScan's), as `safemap scan`: layers 'scan_clusters' "
            "(start, end, observed, expected, p) and 'scan_locations'.")

    def addAnalysisParameters(self):  # noqa: N802
        self.enum("GRID", "Locations (default: the wards when given)", Hotspots.GRIDS)
        self.distance("CELL", "Fishnet cell size or hexagon spacing in metres")
        self.enum("CENTRES", "Circle centres (default: units)", _names("units", "incidents"))
        self.enum("BIN", "Time step (default: month)", BINS)
        self.number("BIN_DAYS", "Time step of N days (instead of the time step above)", minimum=1)
        self.number("MAX_SHARE", "Largest share of the incidents in a circle (default 0.5)", integer=False)
        self.distance("MAX_RADIUS", "Largest circle radius in metres (default: no limit)")
        self.number("MAX_WINDOW", "Longest time window in steps (default: half the study period)", minimum=1)
        self.boolean("PROSPECTIVE", "Prospective: only windows ending at the last step")
        self.number("PERMUTATIONS", "Monte Carlo replications (default 999)", minimum=1)

    def options(self, p, c):
        return {"grid": self.value(p, c, "GRID"), "cell": self.value(p, c, "CELL"),
                "centres": self.value(p, c, "CENTRES"), "bin": _bin(self, p, c),
                "max_share": self.value(p, c, "MAX_SHARE"), "max_radius": self.value(p, c, "MAX_RADIUS"),
                "max_window": self.value(p, c, "MAX_WINDOW"), "prospective": bool(self.value(p, c, "PROSPECTIVE")),
                "permutations": self.value(p, c, "PERMUTATIONS")}


class Forecast(SafemapAlgorithm):
    NAME, TITLE = "forecast", "Forecast next month: ProMap, KDE or last month (forecast)"
    WARDS, RASTER = "optional", True
    HELP = ("Next month's (or week's) surface, as `safemap forecast --at`: ProMap (default), KDE or the last "
            "step, from the incidents before the given month. Writes a GeoTIFF and its QGIS style beside it.")

    def addAnalysisParameters(self):  # noqa: N802
        self.string("AT", "Month to predict (YYYY-MM; with week steps a date in the week)", optional=False)
        self.enum("METHOD", "Method (default: promap)", _names("promap", "kde", "last-month", "last-week"))
        self.enum("BIN", "Time step (default: month)", _names("month", "week"))
        self.distance("CELL", "Cell size in metres (default 50)")
        self.number("SPACE_BANDWIDTH", "ProMap space bandwidth in cells (default 8)", minimum=1)
        self.number("TIME_BANDWIDTH", "ProMap time bandwidth in steps (default 2 months, or 8 weeks)", minimum=1)
        self.distance("BANDWIDTH", "KDE radius in metres (default 250)")
        self.number("KDE_MONTHS", "KDE of the last N months (default 12)", minimum=1)
        self.number("KDE_WEEKS", "KDE of the last N weeks, with week steps (default 52)", minimum=1)
        self.string("COVERAGE", "Shares of the area flagged, comma-separated (default 0.05)")

    def options(self, p, c):
        return {"at": self.value(p, c, "AT"), "method": self.value(p, c, "METHOD"), "bin": self.value(p, c, "BIN"),
                "cell": self.value(p, c, "CELL"), "space_bandwidth": self.value(p, c, "SPACE_BANDWIDTH"),
                "time_bandwidth": self.value(p, c, "TIME_BANDWIDTH"), "bandwidth": self.value(p, c, "BANDWIDTH"),
                "kde_months": self.value(p, c, "KDE_MONTHS"), "kde_weeks": self.value(p, c, "KDE_WEEKS"),
                "coverage": self.numbers(p, c, "COVERAGE")}


class Count(SafemapAlgorithm):
    NAME, TITLE = "count", "Incidents per ward (count)"
    WARDS = "required"
    HELP = ("Incidents per ward and per ward and month, as `safemap count`: layers 'ward_counts' (total, per "
            "category, area_km2, per_km2) and 'ward_counts_by_month'.")


class Plan(SafemapAlgorithm):
    NAME, TITLE = "plan", "Burglary plans per ward (plan)"
    WARDS, SEED = "required", True
    HELP = ("The numbers of a burglary plan for every ward, as `safemap plan -o OUT.gpkg`: how many and which way, "
            "where (top streets, repeat locations, hot cells), for how long (the near-repeat window) and what next "
            "(ProMap's top cells, actions from rules). Layers plan_wards, plan_months, plan_streets, plan_repeats, "
            "plan_hot_cells, plan_actions, plan_kde_areas, plan_promap_cells. The pages people read come from "
            "the command line's `safemap plan -o DIR`.")

    def addAnalysisParameters(self):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "HOUSEHOLDS", "Households per ward (CSV: ward code, households) for rates per 1,000 households",
            behavior=QgsProcessingParameterFile.File, fileFilter="CSV (*.csv)", optional=True))
        self.string("HOUSEHOLDS_ID", "Its ward code column (default: the first)")
        self.string("HOUSEHOLDS_FIELD", "Its households column (default households)")
        self.string("WARD", "The plan of this ward alone (ward code)")
        self.number("SUPPRESS_BELOW", "Counts below K published as 'fewer than K' (default 0: none)", minimum=0)
        self.addParameter(QgsProcessingParameterFile(
            "RULES", "Action rules file (default: the built-in ones)", behavior=QgsProcessingParameterFile.File,
            optional=True))
        self.number("PERMUTATIONS", "Permutations of the near-repeat Knox test (default 999)", minimum=1)

    def options(self, p, c):
        files = {k: self.parameterAsFile(p, n, c) if _given(p, n) else None
                 for k, n in (("households", "HOUSEHOLDS"), ("rules", "RULES"))}
        return dict(files, households_id=self.value(p, c, "HOUSEHOLDS_ID"),
                    households_field=self.value(p, c, "HOUSEHOLDS_FIELD"), ward=self.value(p, c, "WARD"),
                    suppress_below=self.value(p, c, "SUPPRESS_BELOW"), permutations=self.value(p, c, "PERMUTATIONS"))


class Audit(SafemapAlgorithm):
    NAME, TITLE = "audit", "Women's safety audit of streets (audit)"
    WARDS, POINTS = "optional", "optional"
    HELP = ("The women's safety audit of street segments, as `safemap audit`: modelled lighting against EN 13201, "
            "lamps off at night, maintenance defects, walk audits, unsafe-place pins, CCTV and violence against "
            "women and girls (the incidents, optional: police.uk files, read with the VAWG crime types unless "
            "given). Layers audit_segments, dark_stretches, audit_priorities, audit_lamps and (with wards) "
            "audit_wards.")
    SOURCES = (("LIGHTS", "lights", "Lamp-column inventory (CSV or OGR points, with Wattage or Lumens)"),
               ("DEFECTS", "defects", "Maintenance defects (points with category, reported and fixed dates)"),
               ("AUDITS", "audits", "Walk audits (points rated 0-3 per parameter)"),
               ("PINS", "pins", "Unsafe-place pins (CSV or OGR points, with factor)"),
               ("CCTV", "cctv", "CCTV cameras (CSV or OGR points, with a radius column)"))

    def addAnalysisParameters(self):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer("STREETS", "Street lines",
                                                            [QgsProcessing.TypeVectorLine]))
        self.string("WHERE", "OGR SQL filter of the streets (default: the highway filter)")
        for name, _, text in self.SOURCES:
            self.addParameter(QgsProcessingParameterFile(name, text, behavior=QgsProcessingParameterFile.File,
                                                         optional=True))
        self.string("AT", "Defects open at this date (YYYY-MM-DD)")
        self.string("HOUR", "Time of night (HH:MM): part-night lamps off then (default: every lamp on)")
        self.enum("TARGET", "EN 13201-2 class of every segment (default auto: by street type)",
                  _names("auto", "P1", "P2", "P3", "P4", "P5", "P6"))
        self.string("CRIME_TYPES", "Crime types of the incidents to use, comma-separated (default: the VAWG ones)")
        self.distance("SEGMENT", "Longest segment in metres (default 25)")
        self.number("TOP", "Priorities listed (default 50)", minimum=1)

    def options(self, p, c):
        streets = self.parameterAsVectorLayer(p, "STREETS", c)
        if streets is None:
            raise QgsProcessingException(f"STREETS: cannot open '{p.get('STREETS')}'")
        path, layer = _source_path(streets, "STREETS")
        kw = {"streets": path, "streets_layer": layer, "where": self.value(p, c, "WHERE"),
              "at": self.value(p, c, "AT"), "hour": self.value(p, c, "HOUR"), "target": self.value(p, c, "TARGET"),
              "crime_types": self.value(p, c, "CRIME_TYPES"), "segment": self.value(p, c, "SEGMENT"),
              "top": self.value(p, c, "TOP")}
        for name, key, _ in self.SOURCES:
            if _given(p, name):
                kw[key] = self.parameterAsFile(p, name, c)
        return kw


ALGORITHMS = [Kde, Hotspots, Emerging, NearRepeat, Scan, Forecast, Count, Plan, Audit]
