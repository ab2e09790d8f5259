"""The objects of the package: Context (threads, seed, progress, cancel, log), Points, Areas, Layer, Raster,
Result. Each wraps the library's object of the same name and frees it when it is garbage-collected."""
import ctypes
import os
import signal
import threading
import time

from . import _structs as S
from . import errors
from ._lib import LOG_FN, PROGRESS_FN, lib, text


class _LazyNumPy:
    """NumPy, imported on first use: a call that only writes files (kde(..., output=)) does not pay for it."""

    def __getattr__(self, name):
        import numpy
        globals()["np"] = numpy
        return getattr(numpy, name)


np = _LazyNumPy()
_LEVELS = {0: 40, 1: 30, 2: 20, 3: 10}  # the library's levels as logging's ERROR, WARNING, INFO, DEBUG


def _log(level, message):
    """A library message to the logger "safemap"; logging is imported only when there is one."""
    import logging
    logging.getLogger("safemap").log(_LEVELS.get(level, logging.INFO), message)


class _tempdir:
    """A temporary folder for frames given as input, made (and tempfile imported: it is slow to import) only
    when a frame asks for it (str(tmp)), removed at the end of the with block."""

    def __init__(self, prefix):
        self.prefix, self.dir = prefix, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.dir is not None:
            self.dir.cleanup()

    def __fspath__(self):
        if self.dir is None:
            import tempfile
            self.dir = tempfile.TemporaryDirectory(prefix=self.prefix)
        return self.dir.name

    __str__ = __fspath__


def _b(s):
    """str/PathLike -> bytes for C, None stays None."""
    if s is None:
        return None
    return os.fsencode(s) if isinstance(s, (bytes, os.PathLike)) else str(s).encode("utf-8")


class _View:
    """A NumPy array over library memory, keeping its owner alive (no copy)."""

    def __init__(self, ptr, shape, typestr, owner):
        self.owner = owner
        self.__array_interface__ = {"shape": shape, "typestr": typestr, "version": 3,
                                    "data": (ctypes.cast(ptr, ctypes.c_void_p).value or 0, True)}


def _view(ptr, n, typestr, owner, shape=None):
    if not ptr or n == 0:
        return np.empty(shape or (0,), dtype=np.dtype(typestr))
    return np.asarray(_View(ptr, shape or (n,), typestr, owner))


class Context:
    """The run-time state of library calls: threads, random seed, progress and cancel, the log, size limits.

    Every analysis function takes the same settings as keyword arguments (``threads=``, ``seed=``,
    ``progress=``, ``limits=``) and makes its own context; make one yourself to share them::

        ctx = safemap.Context(threads=2, seed=1, progress=True)
        safemap.hotspots("data/police/camden_burglary", wards=..., permutations=99, ctx=ctx)

    ``threads``: 0 = all cores; the results are the same bits for any number. ``progress``: True for a tqdm
    bar (when tqdm is installed), or a function ``f(fraction, message)`` that returns False to cancel the
    call (it then raises :class:`safemap.Cancelled` and writes nothing). Ctrl-C cancels a running call the
    same way and raises KeyboardInterrupt. ``limits``: {"cells": 1e9, "memory": "8G", ...} sets the library's size
    limits (the memory limit as bytes or as --memory-limit writes it).
    Warnings of the library go to the ``logging`` logger "safemap" and to :attr:`Result.warnings`.
    """

    def __init__(self, threads=0, seed=0, progress=None, limits=None):
        p = ctypes.c_void_p()
        st = lib.sm_ctx_create(ctypes.byref(p))
        if st:
            raise errors.for_status(st, "cannot create a context")
        self._p = p.value
        self.messages = []  # (level, message) of this context's calls
        self._progress = progress
        self._bar = None
        self._error = None  # an exception raised inside a callback
        self._interrupted = False
        self._started = time.monotonic()
        self._cb_progress = PROGRESS_FN(self._on_progress)
        self._cb_log = LOG_FN(self._on_log)
        lib.sm_ctx_set_progress(self._p, self._cb_progress, None)
        lib.sm_ctx_set_log(self._p, self._cb_log, 2, None)
        self.threads = threads
        self.seed = seed
        for kind, value in (limits or {}).items():
            k = ctypes.c_int()
            self._check(lib.sm_limit_from_name(self._p, _b(kind), ctypes.byref(k)))
            if kind == "memory" and isinstance(value, str):  # "8G", "512M", "60%", as --memory-limit
                b = ctypes.c_double()
                self._check(lib.sm_memory_size_from_text(self._p, _b(value), ctypes.byref(b)))
                value = b.value
            self._check(lib.sm_ctx_set_limit(self._p, k.value, float(value)))

    def __del__(self):
        if getattr(self, "_p", None):
            lib.sm_ctx_destroy(self._p)
            self._p = None

    @property
    def threads(self):
        """Threads parallel work uses (resolved: never 0)."""
        return lib.sm_ctx_threads(self._p)

    @threads.setter
    def threads(self, n):
        self._check(lib.sm_ctx_set_threads(self._p, int(n)))

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, s):
        if not (isinstance(s, int) and 0 <= s < 2 ** 64):
            raise errors.InvalidArgumentError(f"seed: '{s}' is not a whole number from 0 to 2^64 - 1")
        self._seed = int(s)
        lib.sm_ctx_set_seed(self._p, self._seed)

    # -- callbacks: always on the calling thread
    def _on_progress(self, fraction, message, user):
        try:
            if self._interrupted:
                return 0
            p = self._progress
            if p is True:  # a tqdm bar, once a call has run for half a second
                if self._bar is None and time.monotonic() - self._started > 0.5:
                    try:
                        from tqdm import tqdm
                        self._bar = tqdm(total=100, leave=False, bar_format="{desc}: {percentage:3.0f}%|{bar}|")
                    except ImportError:
                        self._bar = False
                if self._bar:
                    self._bar.set_description_str(text(message) or "", refresh=False)
                    self._bar.n = round(100 * fraction)
                    self._bar.refresh()
            elif callable(p):
                if p(fraction, text(message)) is False:
                    return 0
            return 1
        except BaseException as e:  # raised again when the call returns
            self._error = e
            return 0

    def _on_log(self, level, message, user):
        m = text(message)
        self.messages.append((level, m))
        _log(level, m)

    def _on_sigint(self, signum, frame):
        self._interrupted = True

    def _check(self, st, cleanup=None):
        if st:
            msg = text(lib.sm_ctx_last_error(self._p))
            if cleanup:
                cleanup()
            raise errors.for_status(st, msg)

    def call(self, fn, *args):
        """Calls a library function with this context first; raises the status's exception class."""
        main = threading.current_thread() is threading.main_thread()
        previous = None
        self._error, self._interrupted = None, False
        self._started = time.monotonic()
        if main:
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            st = fn(self._p, *args)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
            if self._bar:
                self._bar.close()
            self._bar = None
        if self._error is not None:
            e, self._error = self._error, None
            raise e
        if st and self._interrupted:
            raise KeyboardInterrupt("safemap: cancelled by Ctrl-C")
        self._check(st)
        return st


def make_context(ctx=None, threads=0, seed=0, progress=None, limits=None):
    if ctx is not None:
        if seed:
            ctx.seed = seed
        return ctx
    return Context(threads=threads, seed=seed, progress=progress, limits=limits)


# ---------------------------------------------------------------------------------------------- points

_BAD = ("no_coords", "number", "not_finite", "crs", "time", "no_time", "weight", "geometry")


class Points:
    """Incidents in the analysis CRS (metres). Made by :func:`safemap.read_points` or
    :func:`safemap.points_from_arrays`. ``x``, ``y``, ``time`` (seconds since 1970, int64; missing =
    INT64_MIN) and ``weight`` are read-only NumPy views of the library's arrays, without a copy."""

    def __init__(self, handle, sources=()):
        self._p = handle
        self.sources = tuple(sources)

    def __del__(self):
        if getattr(self, "_p", None):
            lib.sm_points_destroy(self._p)
            self._p = None

    def __len__(self):
        return lib.sm_points_count(self._p)

    def __repr__(self):
        return f"<safemap.Points: {len(self)} incidents in {self.crs}>"

    @property
    def crs(self):
        return text(lib.sm_points_crs(self._p))

    @property
    def x(self):
        return _view(lib.sm_points_x(self._p), len(self), "<f8", self)

    @property
    def y(self):
        return _view(lib.sm_points_y(self._p), len(self), "<f8", self)

    @property
    def time(self):
        return _view(lib.sm_points_time(self._p), len(self), "<i8", self)

    @property
    def weight(self):
        return _view(lib.sm_points_weight(self._p), len(self), "<f8", self)

    @property
    def rows_read(self):
        return lib.sm_points_rows_read(self._p)

    @property
    def warnings(self):
        return text(lib.sm_points_warnings(self._p)) or ""


_READ_KEYS = {"layer": "layer", "x": "x_field", "y": "y_field", "lon": "lon_field", "lat": "lat_field",
              "time": "time_field", "weight": "weight_field", "category": "category_field", "crs": "crs",
              "analysis_crs": "analysis_crs", "type": "types", "from_": "time_from", "to": "time_to"}
READ_KEYS = tuple(_READ_KEYS) + ("extent", "strict", "labels")


def read_options(kw, keep):
    """sm_read_options from the CLI's input options (popped from kw); `keep` holds the encoded strings."""
    o = S.sm_read_options()
    lib.sm_read_options_init(ctypes.byref(o), S.SM_READ_OPTIONS_VERSION)
    for k, field in _READ_KEYS.items():
        v = kw.pop(k, None)
        if v is not None:
            if k == "type" and not isinstance(v, str):
                v = ",".join(v)
            keep.append(_b(v))
            setattr(o, field, keep[-1])
    ext = kw.pop("extent", None)
    if ext is not None:
        o.has_extent = 1
        o.extent[:] = [float(v) for v in ext]
    o.strict = 1 if kw.pop("strict", False) else 0
    o.skip_labels = 0 if kw.pop("labels", False) else 1
    return o


def _frame_to_file(frame, folder):
    """A pandas DataFrame or geopandas GeoDataFrame written where the library's readers read it: a CSV of
    the columns as they are, or a GeoPackage of the features."""
    if hasattr(frame, "geometry") and hasattr(frame, "to_file"):
        path = os.path.join(os.fspath(folder), "frame.gpkg")
        frame.to_file(path, driver="GPKG", layer="frame")
    else:
        path = os.path.join(os.fspath(folder), "frame.csv")
        frame.to_csv(path, index=False)
    return path


def _is_frame(v):
    return hasattr(v, "columns") and hasattr(v, "to_csv")


def read_points(sources, ctx=None, **kw):
    """Reads incidents: police.uk CSVs, folders of them, globs, any GDAL/OGR source, or a pandas
    DataFrame / geopandas GeoDataFrame with the same columns.

    Options as the command line's (``layer``, ``x``, ``y``, ``lon``, ``lat``, ``crs``, ``analysis_crs``,
    ``time``, ``weight``, ``category``, ``type``, ``from_``, ``to``, ``extent``, ``strict``), and
    ``labels=True`` to keep police.uk's location labels (the plans' streets need them)::

        pts = safemap.read_points("data/police/camden_burglary", from_="2024-01", to="2024-12")
        len(pts), pts.crs        # (2142, 'EPSG:27700')

    Raises :class:`safemap.FileError` (a file that cannot be opened), :class:`safemap.InputError` (no
    coordinate columns, a bad row with strict=True: the message names file, row, field and value), ...
    """
    unknown = set(kw) - set(READ_KEYS) - {"threads", "seed", "progress", "limits"}
    if unknown:
        raise TypeError(f"read_points() got unexpected options: {', '.join(sorted(unknown))}")
    c = make_context(ctx, **{k: kw.pop(k) for k in ("threads", "seed", "progress", "limits") if k in kw})
    keep = []
    opts = read_options(kw, keep)
    with _tempdir(prefix="safemap-") as tmp:
        if _is_frame(sources):
            sources = [_frame_to_file(sources, tmp)]
        elif isinstance(sources, (str, bytes, os.PathLike)):
            sources = [sources]
        srcs = [_b(s) for s in sources]
        arr = (ctypes.c_char_p * max(1, len(srcs)))(*srcs)
        out = ctypes.c_void_p()
        c.call(lib.sm_points_read, ctypes.byref(out), arr, len(srcs), ctypes.byref(opts))
    return Points(out.value, [os.fsdecode(s) for s in srcs])


def _seconds(time, n):
    t = np.asarray(time)
    if np.issubdtype(t.dtype, np.datetime64):
        missing = np.isnat(t)
        t = t.astype("datetime64[s]").astype(np.int64)
        t[missing] = np.iinfo(np.int64).min
    if t.shape != (n,):
        raise errors.InvalidArgumentError(f"time has {t.size} values for {n} points")
    return np.ascontiguousarray(t, dtype=np.int64)


def points_from_arrays(x, y, crs="EPSG:27700", time=None, weight=None, ctx=None):
    """Points from coordinates already in metres of ``crs`` (NumPy arrays, lists, pandas Series).

    ``time``: seconds since 1970-01-01 UTC (int64) or datetime64 values; ``weight``: one per point::

        pts = safemap.points_from_arrays(df.easting, df.northing, crs="EPSG:27700",
                                         time=pd.to_datetime(df.month).values)
    """
    c = make_context(ctx)
    xa = np.ascontiguousarray(x, dtype=np.float64)
    ya = np.ascontiguousarray(y, dtype=np.float64)
    n = xa.size
    if ya.size != n:
        raise errors.InvalidArgumentError(f"x has {n} values and y {ya.size}")
    ta = _seconds(time, n) if time is not None else None
    wa = np.ascontiguousarray(weight, dtype=np.float64) if weight is not None else None
    if wa is not None and wa.size != n:
        raise errors.InvalidArgumentError(f"weight has {wa.size} values for {n} points")
    dp = ctypes.POINTER(ctypes.c_double)
    out = ctypes.c_void_p()
    c.call(lib.sm_points_create, ctypes.byref(out), _b(crs), n, xa.ctypes.data_as(dp), ya.ctypes.data_as(dp),
           ta.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)) if ta is not None else None,
           wa.ctypes.data_as(dp) if wa is not None else None)
    return Points(out.value)


# ---------------------------------------------------------------------------------------------- areas

class Areas:
    """Area polygons (wards, LSOAs) with ids, names and a spatial index, in the analysis CRS."""

    def __init__(self, handle, source=None):
        self._p = handle
        self.source = source

    def __del__(self):
        if getattr(self, "_p", None):
            lib.sm_areas_destroy(self._p)
            self._p = None

    def __len__(self):
        return lib.sm_areas_count(self._p)

    def __repr__(self):
        return f"<safemap.Areas: {len(self)} areas in {self.crs}>"

    @property
    def crs(self):
        return text(lib.sm_areas_crs(self._p))

    @property
    def ids(self):
        return [text(lib.sm_areas_id(self._p, i)) for i in range(len(self))]

    @property
    def names(self):
        return [text(lib.sm_areas_name(self._p, i)) for i in range(len(self))]


AREA_KEYS = ("wards_layer", "wards_crs", "id_field", "name_field")


def read_areas(source, ctx=None, layer=None, id_field=None, name_field=None, crs=None, analysis_crs=None,
               strict=False, value_field=None):
    """Reads area polygons (any OGR source, or a GeoDataFrame), repairing invalid ones unless strict::

        wards = safemap.read_areas("data/wards/camden_wards_2024.gpkg")
        len(wards), wards.names[:2]
    """
    c = make_context(ctx)
    o = S.sm_areas_options()
    lib.sm_areas_options_init(ctypes.byref(o), S.SM_AREAS_OPTIONS_VERSION)
    keep = [_b(layer), _b(id_field), _b(name_field), _b(crs), _b(analysis_crs), _b(value_field)]
    o.layer, o.id_field, o.name_field, o.crs, o.analysis_crs, o.value_field = keep
    o.strict = 1 if strict else 0
    out = ctypes.c_void_p()
    with _tempdir(prefix="safemap-") as tmp:
        if _is_frame(source):
            source = _frame_to_file(source, tmp)
            o.layer = None
        c.call(lib.sm_areas_read, ctypes.byref(out), _b(source), ctypes.byref(o))
    return Areas(out.value, os.fsdecode(source))


# ---------------------------------------------------------------------------------------------- layers

_GEOM = {0: None, 1: "Point", 2: "LineString", 3: "Polygon", 5: "MultiLineString", 6: "MultiPolygon"}


class Layer:
    """A table of features of a result (borrowed from it: kept alive by it)."""

    def __init__(self, handle, owner):
        self._p = handle
        self._owner = owner

    def __len__(self):
        return lib.sm_layer_feature_count(self._p)

    def __repr__(self):
        return f"<safemap.Layer {self.name}: {len(self)} features, {len(self.fields)} fields>"

    @property
    def name(self):
        return text(lib.sm_layer_name(self._p))

    @property
    def crs(self):
        return text(lib.sm_layer_crs(self._p))

    @property
    def geometry_type(self):
        return _GEOM.get(lib.sm_layer_geom_type(self._p))

    @property
    def fields(self):
        return [text(lib.sm_layer_field_name(self._p, i)) for i in range(lib.sm_layer_field_count(self._p))]

    @property
    def metadata(self):
        return {text(lib.sm_layer_metadata_key(self._p, i)): text(lib.sm_layer_metadata_value(self._p, i))
                for i in range(lib.sm_layer_metadata_count(self._p))}

    def column(self, name):
        """One column as a NumPy array: int64 or float64 views of the library's memory without a copy when
        no value is NULL; with NULLs a float64 copy with NaN (a pandas Int64 array in to_pandas()); strings
        as an object array (None for NULL)."""
        f = self.fields.index(name)
        return self._column(f, nullable=False)

    def _column(self, f, nullable):
        n = len(self)
        kind = lib.sm_layer_field_type(self._p, f)
        null = _view(lib.sm_layer_column_null(self._p, f), n, "|u1", self).astype(bool)
        if kind == 2:
            return np.array([text(lib.sm_layer_get_string(self._p, r, f)) for r in range(n)], dtype=object)
        if kind == 0:
            v = _view(lib.sm_layer_column_int(self._p, f), n, "<i8", self)
            if not null.any():
                return v
            if nullable:
                import pandas as pd
                return pd.arrays.IntegerArray(v.copy(), null)
            v = v.astype(np.float64)
        else:
            v = _view(lib.sm_layer_column_double(self._p, f), n, "<f8", self)
            if not null.any():
                return v
            v = v.copy()
        v[null] = np.nan
        return v

    def wkb(self):
        """The geometries as a list of ISO WKB bytes (None for none)."""
        out = []
        size = ctypes.c_size_t()
        for r in range(len(self)):
            p = lib.sm_layer_get_wkb(self._p, r, ctypes.byref(size))
            out.append(ctypes.string_at(p, size.value) if p else None)
        return out

    def to_pandas(self):
        """The attributes as a pandas DataFrame (INT64 fields int64, or Int64 with NULLs; DOUBLE fields
        float64; STRING fields object), plus the geometries as WKB in a column "wkb" when the layer has
        them. The layer's metadata is in ``df.attrs``."""
        import pandas as pd
        data = {name: self._column(i, nullable=True) for i, name in enumerate(self.fields)}
        df = pd.DataFrame(data, index=pd.RangeIndex(len(self)))
        if self.geometry_type:
            df["wkb"] = self.wkb()
        df.attrs.update(self.metadata)
        return df

    def to_geopandas(self):
        """The layer as a geopandas GeoDataFrame in the layer's CRS (needs geopandas)."""
        import geopandas as gpd
        import pandas as pd
        data = {name: self._column(i, nullable=True) for i, name in enumerate(self.fields)}
        geom = gpd.GeoSeries.from_wkb(self.wkb(), crs=self.crs) if self.geometry_type else None
        gdf = gpd.GeoDataFrame(pd.DataFrame(data, index=pd.RangeIndex(len(self))), geometry=geom, crs=self.crs)
        gdf.attrs.update(self.metadata)
        return gdf

    def to_frame(self):
        """A GeoDataFrame when geopandas is installed and the layer has geometries, else a DataFrame."""
        if self.geometry_type:
            try:
                import geopandas  # noqa: F401
                return self.to_geopandas()
            except ImportError:
                pass
        return self.to_pandas()


# ---------------------------------------------------------------------------------------------- rasters

class Raster:
    """A north-up grid of float64 with square cells. ``array`` is a read-only NumPy view (height x width,
    row 0 northernmost, NaN = nodata) of the library's memory without a copy."""

    def __init__(self, handle, owner):
        self._p = handle
        self._owner = owner

    def __repr__(self):
        h, w = self.shape
        return f"<safemap.Raster {h} x {w} cells of {self.cell_size} m in {self.crs}>"

    @property
    def shape(self):
        return lib.sm_raster_height(self._p), lib.sm_raster_width(self._p)

    @property
    def array(self):
        h, w = self.shape
        a = _view(lib.sm_raster_data(self._p), h * w, "<f8", self, shape=(h, w))
        a.flags.writeable = False
        return a

    @property
    def geotransform(self):
        """GDAL's geotransform (x_min, cell, 0, y_max, 0, -cell)."""
        gt = (ctypes.c_double * 6)()
        lib.sm_raster_geotransform(self._p, gt)
        return tuple(gt)

    @property
    def cell_size(self):
        return self.geotransform[1]

    @property
    def crs(self):
        return text(lib.sm_raster_crs(self._p))

    @property
    def nodata(self):
        return lib.sm_raster_nodata(self._p)

    @property
    def metadata(self):
        return {text(lib.sm_raster_metadata_key(self._p, i)): text(lib.sm_raster_metadata_value(self._p, i))
                for i in range(lib.sm_raster_metadata_count(self._p))}


def write_options(overwrite=False, float64=False, cog=False, fmt=None, inputs=(), keep=None):
    o = S.sm_write_options()
    lib.sm_write_options_init(ctypes.byref(o), S.SM_WRITE_OPTIONS_VERSION)
    o.overwrite, o.float64, o.cog = int(bool(overwrite)), int(bool(float64)), int(bool(cog))
    if fmt:
        keep.append(_b(fmt))
        o.format = keep[-1]
    if inputs:
        arr = (ctypes.c_char_p * len(inputs))(*[_b(p) for p in inputs])
        keep.append(arr)
        o.inputs, o.n_inputs = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p)), len(inputs)
    return o


# ---------------------------------------------------------------------------------------------- results

class Result:
    """What an analysis returns: its layers and rasters (each with the recipe of the run in its metadata),
    its headline figures and texts, and the warnings of the run.

    ``result["hotspots"]`` is that layer as a GeoDataFrame (DataFrame without geopandas or geometry);
    ``result.array``, ``result.geotransform``, ``result.crs`` are the first raster's (kde, forecast);
    ``result.write("out.gpkg")`` writes it all exactly as the command line's -o does.
    """

    def __init__(self, handle, ctx, inputs=()):
        self._p = handle
        self._ctx = ctx
        self.inputs = tuple(inputs)
        self.warnings = [m for level, m in ctx.messages if level <= 1]

    def __del__(self):
        if getattr(self, "_p", None):
            lib.sm_result_destroy(self._p)
            self._p = None

    def __repr__(self):
        parts = [f"layers {', '.join(self.layers)}" if self.layers else "",
                 f"{len(self.rasters)} raster(s)" if self.rasters else ""]
        return f"<safemap.Result: {'; '.join(p for p in parts if p)}>"

    @property
    def figures(self):
        """The headline numbers of the run, by name (as the C API's sm_result_figure())."""
        return {text(lib.sm_result_figure_name(self._p, i)): lib.sm_result_figure_value(self._p, i)
                for i in range(lib.sm_result_figure_count(self._p))}

    @property
    def texts(self):
        """The run's words (a chosen rule, a month, a note), by name."""
        return {text(lib.sm_result_text_name(self._p, i)): text(lib.sm_result_text_value(self._p, i))
                for i in range(lib.sm_result_text_count(self._p))}

    @property
    def layers(self):
        """The layers by name, in the order they are written."""
        out = {}
        for i in range(lib.sm_result_layer_count(self._p)):
            L = Layer(lib.sm_result_layer(self._p, i), self)
            out[L.name] = L
        return out

    @property
    def rasters(self):
        return [Raster(lib.sm_result_raster(self._p, i), self) for i in range(lib.sm_result_raster_count(self._p))]

    def __getitem__(self, name):
        return self.layers[name].to_frame()

    def _raster(self):
        r = self.rasters
        if not r:
            raise AttributeError("this result has no raster")
        return r[0]

    @property
    def array(self):
        return self._raster().array

    @property
    def geotransform(self):
        return self._raster().geotransform

    @property
    def crs(self):
        r = self.rasters
        if r:
            return r[0].crs
        layers = list(self.layers.values())
        return layers[0].crs if layers else None

    @property
    def metadata(self):
        """The first raster's metadata (else the first layer's): the recipe of the run."""
        r = self.rasters
        if r:
            return r[0].metadata
        layers = list(self.layers.values())
        return layers[0].metadata if layers else {}

    def write(self, path, overwrite=False, float64=False, cog=False, format=None):
        """Writes the result as the command line's -o does: GeoPackage (every raster and layer), CSV (the
        first layer, the others beside it), GeoTIFF (the first raster, with its QGIS style beside it).
        An existing file is kept unless overwrite=True; no output may be one of the run's inputs."""
        keep = []
        o = write_options(overwrite, float64, cog, format, self.inputs, keep)
        self._ctx.call(lib.sm_result_write, self._p, _b(path), ctypes.byref(o))
        return path

    def to_geotiff(self, path, overwrite=False, float64=False, cog=False):
        """The first raster as a GeoTIFF (and its QGIS style, NAME.qml)."""
        self._raster()
        return self.write(path, overwrite=overwrite, float64=float64, cog=cog, format="GTiff")

    def to_tiles(self, folder, overwrite=False, title=None, basemap=None, min_zoom=None, max_zoom=None):
        """The map of the result: its surfaces and layers as tiles in `folder` with the page
        folder/index.html, as the command line's --tiles makes them. Returns the counts made."""
        o = S.sm_tiles_options()
        lib.sm_tiles_options_init(ctypes.byref(o), S.SM_TILES_OPTIONS_VERSION)
        o.overwrite = int(bool(overwrite))
        if min_zoom is not None:
            o.min_zoom = int(min_zoom)
        if max_zoom is not None:
            o.max_zoom = int(max_zoom)
        v = S.sm_viewer_options(S.SM_VIEWER_OPTIONS_VERSION, _b(title), _b(basemap))
        info = S.sm_tiles_info()
        self._ctx.call(lib.sm_tiles_result, self._p, _b(folder), ctypes.byref(o), ctypes.byref(v),
                       ctypes.byref(info))
        return {"tiles": info.tiles, "empty": info.empty, "min_zoom": info.min_zoom, "max_zoom": info.max_zoom,
                "value_tiles": info.value_tiles, "tile_sets": info.tile_sets, "page": bool(info.page)}
