"""The analyses: each builds the library's options from keyword arguments named as the command line's options
(dashes as underscores, --from as from_), checks them before any data is read, reads the inputs, calls the
library's pipeline and returns a Result. Nothing here decides anything about the data."""
import ctypes
import os

from . import _structs as S
from . import errors
from ._core import (AREA_KEYS, READ_KEYS, Areas, Points, Result, _b, _frame_to_file, _is_frame, _tempdir,
                    make_context, read_options, write_options)
from ._lib import lib, text

_SETTINGS = ("ctx", "threads", "seed", "progress", "limits")


class _Run:
    """One analysis call: its context, its inputs as the library's objects, the files it read."""

    def __init__(self, name, kw, grid_extent=False, labels=False):
        self.name = name
        self.ctx = make_context(**{k: kw.pop(k) for k in _SETTINGS if k in kw})
        self.keep = []  # encoded strings and arrays the options point to
        self.area_kw = {k: kw.pop(k) for k in AREA_KEYS if k in kw}
        self.extent = kw.pop("extent", None) if grid_extent else None
        self.read_kw = {k: kw.pop(k) for k in READ_KEYS if k in kw}
        if kw:
            raise TypeError(f"{name}() got unexpected options: {', '.join(sorted(kw))}")
        self.labels = labels
        self.inputs = []
        self.points = self.areas = None

    def s(self, v):
        """A string kept alive for the options."""
        if v is None:
            return None
        self.keep.append(_b(v))
        return self.keep[-1]

    @staticmethod
    def set(o, **fields):
        """Options given (not None) into the struct's fields, as the field's C type: a number for a double,
        a whole number for an integer field."""
        types = dict(o._fields_)
        for field, v in fields.items():
            if v is None:
                continue
            kind = types[field]
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise errors.InvalidArgumentError(f"{field}: '{v}' is not a number") from None
            if kind is not ctypes.c_double:  # ctypes would wrap a negative or cut a fraction without a word
                low = 0 if kind in (ctypes.c_uint, ctypes.c_size_t, ctypes.c_uint64) else -2 ** 31
                if not (x == int(x) and x >= low):
                    raise errors.InvalidArgumentError(f"{field}: '{v}' is not a whole number"
                                                      f"{' >= 0' if low == 0 else ''}")
                x = int(x)
            setattr(o, field, x)

    def doubles(self, values):
        arr = (ctypes.c_double * len(values))(*[float(v) for v in values])
        self.keep.append(arr)
        return ctypes.cast(arr, ctypes.POINTER(ctypes.c_double)), len(values)

    def named(self, fn, value, option):
        """A name looked up by the library (its message lists the names)."""
        out = ctypes.c_int()
        if value is not None:
            self.ctx.call(fn, self.s(value), ctypes.byref(out))
        return out.value

    def set_extent(self, o):
        if self.extent is not None:
            o.has_extent = 1
            o.extent[:] = [float(v) for v in self.extent]

    def read(self, points, wards=None, value_field=None, strict=False):
        """The points (a path, paths, a frame, or Points) and the wards (a path, a frame, or Areas)."""
        kw = dict(self.read_kw)
        if strict:
            kw["strict"] = True
        with _tempdir(prefix="safemap-") as tmp:
            if points is None:  # the audit's crimes are optional
                pass
            elif isinstance(points, Points):
                if kw:
                    raise errors.InvalidArgumentError(
                        f"{', '.join(sorted(kw))}: reading options go with files, not with Points already read")
                self.points = points
                self.inputs += list(points.sources)
            else:
                if _is_frame(points):
                    points = _frame_to_file(points, tmp)
                srcs = [points] if isinstance(points, (str, bytes, os.PathLike)) else list(points)
                keep = []
                kw.setdefault("labels", self.labels)
                o = read_options(kw, keep)
                enc = [_b(p) for p in srcs]
                arr = (ctypes.c_char_p * max(1, len(enc)))(*enc)
                out = ctypes.c_void_p()
                self.ctx.call(lib.sm_points_read, ctypes.byref(out), arr, len(enc), ctypes.byref(o))
                self.points = Points(out.value, [os.fsdecode(p) for p in enc])
                if not _is_frame(points):
                    self.inputs += [os.fsdecode(p) for p in enc]
            if wards is None:
                if self.area_kw:
                    raise errors.InvalidArgumentError(f"{', '.join(sorted(self.area_kw))} go with wards=")
                return
            if isinstance(wards, Areas):
                self.areas = wards
                return
            ao = S.sm_areas_options()
            lib.sm_areas_options_init(ctypes.byref(ao), S.SM_AREAS_OPTIONS_VERSION)
            ao.layer = self.s(self.area_kw.get("wards_layer"))
            ao.crs = self.s(self.area_kw.get("wards_crs"))
            ao.id_field = self.s(self.area_kw.get("id_field"))
            ao.name_field = self.s(self.area_kw.get("name_field"))
            ao.analysis_crs = self.s(self.points.crs) if self.points else None
            ao.strict = 1 if strict or self.read_kw.get("strict") else 0
            ao.value_field = self.s(value_field)
            if _is_frame(wards):
                wards = _frame_to_file(wards, tmp)
                ao.layer = None
            else:
                self.inputs.append(os.fsdecode(wards))
            out = ctypes.c_void_p()
            self.ctx.call(lib.sm_areas_read, ctypes.byref(out), _b(wards), ctypes.byref(ao))
            self.areas = Areas(out.value, os.fsdecode(wards))

    def run(self, fn, opts):
        out = ctypes.c_void_p()
        self.ctx.call(fn, ctypes.byref(out), self.points._p if self.points else None, self.areas._p if self.areas else None,
                      ctypes.byref(opts) if opts is not None else None)
        return Result(out.value, self.ctx, self.inputs)

    def finish(self, result, output=None, overwrite=False, tiles=None, **write):
        if output is not None:
            result.write(output, overwrite=overwrite, **write)
        if tiles is not None:
            result.to_tiles(tiles, overwrite=overwrite)
        return result


def _enum_from_name(fn, name_fn, first, value, option):
    """Names the library looks up without a context (kde's convention, kernel, units): an unknown name
    gives the end of the enumeration, which has no name."""
    k = fn(_b(value))
    if k < 0 or name_fn(k) is None:
        names = []
        while name_fn(first + len(names)) is not None:
            names.append(text(name_fn(first + len(names))))
        raise errors.InvalidArgumentError(f"unknown {option} '{value}' ({', '.join(names)})")
    return k


def count(points, wards, *, output=None, overwrite=False, **kw):
    """Incidents per area and per area and month, as ``safemap count``.

    Returns a Result with the layers ``ward_counts`` (one row per area: area_code, area_name, total, ...)
    and ``ward_counts_by_month``; figures "points", "points_in_areas", "points_outside_areas", ...::

        r = safemap.count("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg")
        r["ward_counts"].sort_values("total").tail(3)
    """
    run = _Run("count", kw)
    run.read(points, wards)
    o = S.sm_count_options()
    lib.sm_count_options_init(ctypes.byref(o), S.SM_COUNT_OPTIONS_VERSION)
    return run.finish(run.run(lib.sm_count_run, o), output, overwrite)


def kde(points, wards=None, *, convention=None, kernel=None, bandwidth=None, gaussian_cutoff=None,
        adaptive=False, pilot_bandwidth=None, trim=None, cell=None, edge=None, units=None, hotspot_areas=None,
        dual=None, compare=None, compare_from=None, compare_to=None, normalise=False, epsilon=None,
        output=None, overwrite=False, float64=False, cog=False, tiles=None, band_rows=None, **kw):
    """Kernel density surface, as ``safemap kde`` (the same options, the same numbers).

    ``bandwidth``: metres, or a rule ("auto", "scott", "ppl", "diggle"); ``cell``: metres; ``convention``:
    "default", "arcgis", "qgis-raw", "qgis-scaled" or "spatstat"; ``hotspot_areas``: percentages
    ([50, 75, 90]) for the layer kde_hotspot_areas; ``extent``: the grid (xmin, ymin, xmax, ymax).
    With ``output`` the run writes the file itself: a surface too large for the memory limit
    (``limits={"memory": "8G"}``, default half the machine's) is computed and written in bands of rows
    (``band_rows``: how many at a time), the same cells, and the Result then holds no array, only the figures.

    Returns a Result: ``.array`` (height x width float64, NaN = nodata, no copy), ``.geotransform``,
    ``.crs``, ``.metadata``, ``.to_geotiff(path)``::

        r = safemap.kde("data/police/camden_burglary", bandwidth=250, cell=25)
        r.array.shape, r.figures["bandwidth_m"]   # ((184, 230), 250.0)
        r.to_geotiff("camden_kde.tif")
    """
    run = _Run("kde", kw, grid_extent=True)
    o = S.sm_kde_run_options()
    lib.sm_kde_run_options_init(ctypes.byref(o), S.SM_KDE_RUN_OPTIONS_VERSION)
    s = o.surface
    if convention is not None:
        s.convention = _enum_from_name(lib.sm_kde_convention_from_name, lib.sm_kde_convention_name, 0,
                                       convention, "convention")
    if kernel is not None:
        s.kernel = _enum_from_name(lib.sm_kernel_from_name, lib.sm_kernel_name, 0, kernel, "kernel")
    if units is not None:
        s.units = _enum_from_name(lib.sm_kde_units_from_name, lib.sm_kde_units_name, 1, units, "units")
    if bandwidth is not None:
        if isinstance(bandwidth, str) and bandwidth != "fixed":
            s.bandwidth_rule = run.named(lib.sm_bw_rule_from_name, bandwidth, "bandwidth")
        else:
            s.bandwidth_rule = 0  # SM_BW_FIXED: metres
            run.set(s, bandwidth_m=bandwidth)
    run.set(s, gaussian_cutoff=gaussian_cutoff)
    s.adaptive = int(bool(adaptive))
    run.set(s, pilot_bandwidth_m=pilot_bandwidth, adaptive_trim=trim, cell_m=cell)
    if edge is not None:
        s.edge = run.named(lib.sm_kde_edge_from_name, edge, "edge")
    run.set_extent(s)
    if hotspot_areas:
        o.hotspot_percents, o.n_hotspot_percents = run.doubles(hotspot_areas)
    if dual is None and (compare is not None or compare_from or compare_to or normalise or epsilon is not None):
        raise errors.InvalidArgumentError("compare, compare_from/compare_to, normalise and epsilon go with dual")
    if dual is not None:
        o.dual = run.named(lib.sm_kde_dual_op_from_name, dual, "dual")
    o.normalise = int(bool(normalise))
    run.set(o, epsilon=epsilon)
    run.ctx.call(lib.sm_kde_run_options_check, ctypes.byref(o), int(wards is not None))
    run.read(points, wards)
    b = None
    if dual is not None:  # B: other points, or the same inputs over another period
        if isinstance(compare, Points):
            b = compare
        else:
            bk = dict(run.read_kw, analysis_crs=run.points.crs)
            if compare_from or compare_to:
                bk["from_"], bk["to"] = compare_from, compare_to
            bsrc = compare if compare is not None else points
            from ._core import read_points
            b = read_points(bsrc, ctx=run.ctx, **bk)
            if compare is not None and not _is_frame(compare):
                run.inputs.append(os.fsdecode(compare))
        o.compare = b._p
    keep = []
    if output is not None:  # the run writes it: in bands of rows when the surface is too large to hold
        wo = write_options(overwrite, float64, cog, None, run.inputs, keep)
        keep += [wo, _b(output)]
        o.output, o.write = keep[-1], ctypes.cast(ctypes.byref(wo), ctypes.c_void_p)
        o.keep_surface = int(tiles is not None)
        run.set(o, band_rows=band_rows)
    elif band_rows is not None:
        raise errors.InvalidArgumentError("band_rows goes with output=: bands are written as they are done")
    res = run.run(lib.sm_kde_run, o)
    res._compare = b
    return run.finish(res, None, overwrite, tiles)


def hotspots(points, wards=None, *, grid=None, weights=None, cell=None, band=None, neighbours=None,
             min_neighbours=None, rate_field=None, per=None, optimised=False, optimized=False, permutations=None,
             output=None, overwrite=False, tiles=None, **kw):
    """Getis-Ord Gi* and local Moran's I by ward or on a grid, as ``safemap hotspots``.

    ``grid``: "wards" (default with wards), "fishnet" or "hexagon"; ``weights``: "queen", "rook", "band",
    "idw", "idw2", "knn"; ``cell`` and ``band`` in metres; ``optimised``: ArcGIS's Optimized Hot Spot
    Analysis choices; ``permutations`` (with ``seed``): pseudo p-values.

    Returns a Result with the layer ``hotspots`` (gi_z, gi_p, gi_bin, gi_bin_fdr, lisa_i, lisa_class, ...)
    and figures "units", "hot", "cold", "global_moran_i", ...::

        r = safemap.hotspots("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg")
        gdf = r["hotspots"]; gdf[gdf.gi_bin_fdr > 0][["area_name", "gi_z"]]
    """
    run = _Run("hotspots", kw, grid_extent=True)
    o = S.sm_hotspots_options()
    lib.sm_hotspots_options_init(ctypes.byref(o), S.SM_HOTSPOTS_OPTIONS_VERSION)
    if grid is not None:
        o.units = run.named(lib.sm_unit_kind_from_name, grid, "grid")
    if weights is not None:
        o.weights = run.named(lib.sm_hotspot_weights_from_name, weights, "weights")
    run.set(o, cell_m=cell, band_m=band, neighbours=neighbours, min_neighbours=min_neighbours)
    o.rates = int(rate_field is not None)
    run.set(o, per=per)
    o.optimised = int(bool(optimised or optimized))
    run.set(o, permutations=permutations)
    o.seed = run.ctx.seed
    run.set_extent(o)
    run.ctx.call(lib.sm_hotspots_options_check, ctypes.byref(o), int(wards is not None))
    run.read(points, wards, value_field=rate_field)
    return run.finish(run.run(lib.sm_hotspots_run, o), output, overwrite, tiles)


def _time(v, option):
    t, res = ctypes.c_int64(), ctypes.c_int()
    b = _b(v)
    if lib.sm_time_parse(b, len(b), ctypes.byref(t), ctypes.byref(res)):
        raise errors.InvalidArgumentError(f"{option} '{v}' is not a date (YYYY-MM-DD)")
    return t.value


def emerging(points, wards=None, *, grid=None, cell=None, weights=None, band=None, neighbours=None, bin=None,
             reference=None, time_lag=None, rules=None, trend_alpha=None, global_window=None, permutations=None,
             output=None, overwrite=False, tiles=None, **kw):
    """Emerging hot spots (space-time Gi* and Mann-Kendall trends), as ``safemap emerging``.

    ``bin``: "month" (default), "quarter", "year", "week", "day" or "Nd"; ``band``: metres or "auto";
    ``rules``: "pro" or "arcmap"; ``global_window``: "cube", "neighbourhood" or "step".

    Returns a Result with the layers ``emerging`` (one row per unit: category, trend_z, ...) and
    ``emerging_bins`` (unit x step)::

        r = safemap.emerging("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg")
        r["emerging"].category.value_counts()
    """
    run = _Run("emerging", kw, grid_extent=True)
    o = S.sm_emerging_options()
    lib.sm_emerging_options_init(ctypes.byref(o), S.SM_EMERGING_OPTIONS_VERSION)
    if grid is not None:
        o.units = run.named(lib.sm_unit_kind_from_name, grid, "grid")
    run.set(o, cell_m=cell)
    if weights is not None:
        o.weights = run.named(lib.sm_emerging_weights_from_name, weights, "weights")
    if band is not None:
        if band == "auto":
            o.band_auto, o.band_m = 1, 0.0
        else:
            o.band_auto = 0
            run.set(o, band_m=band)
    run.set(o, neighbours=neighbours)
    if bin is not None:
        b = S.sm_bins()
        if lib.sm_bins_parse(_b(bin), ctypes.byref(b)) == 0:
            o.bin, o.bin_days = b.unit, b.n_days
        else:
            o.bin = run.named(lib.sm_bin_unit_from_name, bin, "bin")
    if reference is not None:
        o.reference = _time(reference, "reference")
    run.set(o, time_lag=time_lag)
    if rules is not None:
        o.rules = run.named(lib.sm_ehsa_rules_from_name, rules, "rules")
    run.set(o, trend_alpha=trend_alpha)
    if global_window is not None:
        o.global_window = run.named(lib.sm_global_window_from_name, global_window, "global_window")
    run.set(o, permutations=permutations)
    o.seed = run.ctx.seed
    run.set_extent(o)
    run.ctx.call(lib.sm_emerging_options_check, ctypes.byref(o), int(wards is not None))
    run.read(points, wards)
    return run.finish(run.run(lib.sm_emerging_run, o), output, overwrite, tiles)


def nearrepeat(points, *, space_bands, time_bands, distance=None, closed=None, time_unit=None, permutations=None,
               output=None, overwrite=False, **kw):
    """The Knox test of near repeats, as ``safemap nearrepeat``.

    ``space_bands``: metres from 0 ([0, 100, 200, 400]); ``time_bands``: days, or months with
    time_unit="month" ([0, 1, 2, 3]); ``distance``: "manhattan" (default) or "euclidean"; ``closed``:
    "left" or "right"; ``permutations`` with ``seed``.

    Returns a Result with the layer ``near_repeat`` (one row per space band x time band: observed,
    sim_mean, knox_ratio, p, ...)::

        r = safemap.nearrepeat("data/police/camden_burglary", time_unit="month",
                               space_bands=[0, 100, 200, 400], time_bands=[0, 1, 2, 3], permutations=99, seed=1)
    """
    run = _Run("nearrepeat", kw)
    o = S.sm_nearrepeat_options()
    lib.sm_nearrepeat_options_init(ctypes.byref(o), S.SM_NEARREPEAT_OPTIONS_VERSION)
    for name, v in (("space_bands", space_bands), ("time_bands", time_bands)):
        if v is None or len(v) < 2:
            raise errors.InvalidArgumentError(f"{name} needs at least 2 numbers (e.g. 0, 100, 200)")
    o.space_bands_m, o.n_space_bands = run.doubles(space_bands)
    o.time_bands, o.n_time_bands = run.doubles(time_bands)
    if distance is not None:
        o.distance = run.named(lib.sm_nearrepeat_distance_from_name, distance, "distance")
    if closed is not None:
        o.closed = run.named(lib.sm_nearrepeat_closed_from_name, closed, "closed")
    if time_unit is not None:
        o.time_unit = run.named(lib.sm_nearrepeat_time_unit_from_name, time_unit, "time_unit")
    run.set(o, permutations=permutations)
    o.seed = run.ctx.seed
    run.ctx.call(lib.sm_nearrepeat_options_check, ctypes.byref(o), 0)
    run.read(points)
    return run.finish(run.run(lib.sm_nearrepeat_run, o), output, overwrite)


def scan(points, wards=None, *, grid=None, cell=None, centres=None, bin=None, max_share=None, max_radius=None,
         max_window=None, prospective=False, permutations=None, output=None, overwrite=False, **kw):
    """The space-time permutation scan statistic (SaTScan's), as ``safemap scan``.

    ``centres``: "units" or "incidents"; ``bin``: "month" (default), "quarter", "year", "week", "day", "Nd";
    ``max_share`` of the incidents in a circle (default 0.5); ``max_radius`` in metres; ``max_window`` in
    steps; ``prospective``: only windows ending at the last step; ``permutations`` (default 999) with ``seed``.

    Returns a Result with the layers ``scan_clusters`` and ``scan_locations``::

        r = safemap.scan("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg",
                         max_window=6, permutations=999, seed=1)
        r["scan_clusters"][["start", "end", "observed", "expected", "p"]]
    """
    run = _Run("scan", kw, grid_extent=True)
    o = S.sm_scan_run_options()
    lib.sm_scan_run_options_init(ctypes.byref(o), S.SM_SCAN_RUN_OPTIONS_VERSION)
    if centres is not None:
        o.centres = run.named(lib.sm_scan_centres_from_name, centres, "centres")
    if grid is not None:
        o.grid = run.named(lib.sm_unit_kind_from_name, grid, "grid")
    run.set(o, cell_m=cell)
    if bin is not None and lib.sm_bins_parse(_b(bin), ctypes.byref(o.bins)):
        raise errors.InvalidArgumentError(f"bin '{bin}' is not month, quarter, year, week, day or Nd")
    run.set(o, max_share=max_share, max_radius_m=max_radius, max_window=max_window)
    o.prospective = int(bool(prospective))
    run.set(o, permutations=permutations)
    o.seed = run.ctx.seed
    run.set_extent(o)
    run.ctx.call(lib.sm_scan_run_options_check, ctypes.byref(o), int(wards is not None))
    run.read(points, wards)
    return run.finish(run.run(lib.sm_scan_run, o), output, overwrite)


def _coverage(run, o, coverage):
    if coverage is None:
        return
    if isinstance(coverage, str) and coverage == "curve":
        o.coverage_curve = 1
    else:
        cov = [coverage] if isinstance(coverage, (int, float)) else list(coverage)
        o.coverages, o.n_coverages = run.doubles(cov)


def forecast(points, wards=None, *, at=None, method=None, bin=None, cell=None, space_bandwidth=None,
             time_bandwidth=None, bandwidth=None, kde_months=None, kde_weeks=None, coverage=None, evaluate=None,
             output=None, overwrite=False, tiles=None, **kw):
    """Next month's (or week's) surface, as ``safemap forecast --at``: ProMap (default), KDE or the last
    step; or with ``evaluate`` a raster file scored against the ``at`` step.

    Returns a Result with the raster (``.array``, ``.geotransform``) and the layer of its top cells; when
    the ``at`` step has incidents, the layer ``evaluation`` (hit rate, PAI)::

        r = safemap.forecast("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg", at="2025-03")
        r.array.shape, r.texts["method"]
    """
    run = _Run("forecast", kw)
    if at is None:
        raise errors.InvalidArgumentError("give at='YYYY-MM' (or use safemap.backtest())")
    if evaluate is not None and method is not None:
        raise errors.InvalidArgumentError("evaluate scores the given surface: it takes no method")
    o = S.sm_forecast_options()
    lib.sm_forecast_options_init(ctypes.byref(o), S.SM_FORECAST_OPTIONS_VERSION)
    o.at = run.s(at)
    if bin is not None:
        o.bin = run.named(lib.sm_forecast_bin_from_name, bin, "bin")
    if method is not None:
        o.method = run.named(lib.sm_forecast_method_from_name, method, "method")
    run.set(o, cell_m=cell, bandwidth_m=bandwidth, space_bandwidth=space_bandwidth, time_bandwidth=time_bandwidth,
            kde_months=kde_months, kde_weeks=kde_weeks)
    _coverage(run, o, coverage)
    run.ctx.call(lib.sm_forecast_options_check, ctypes.byref(o), int(wards is not None))
    surface = None
    if evaluate is not None:
        o.evaluate_label = run.s(evaluate)
        r = ctypes.c_void_p()
        run.ctx.call(lib.sm_raster_read, _b(evaluate), 1, ctypes.byref(r))
        surface = _Owned(r.value, lib.sm_raster_destroy)
        o.evaluate = r.value
        run.inputs.append(os.fsdecode(evaluate))
    run.read(points, wards)
    res = run.run(lib.sm_forecast_run, o)
    res._evaluate = surface
    return run.finish(res, output, overwrite, tiles)


class _Owned:
    def __init__(self, p, free):
        self.p, self.free = p, free

    def __del__(self):
        if self.p:
            self.free(self.p)
            self.p = None


def backtest(points, wards=None, *, bin=None, cell=None, space_bandwidth=None, time_bandwidth=None,
             bandwidth=None, kde_months=None, kde_weeks=None, coverage=None, warmup=None, output=None,
             overwrite=False, **kw):
    """The rolling back-test of ProMap, KDE and the last step's counts, as ``safemap forecast --backtest``.

    Returns a Result with the layer ``backtest`` (step, method, coverage, hit rate, PAI, ...) and figures
    "mean_hit_rate_promap", "mean_pai_promap", ...::

        r = safemap.backtest("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg")
        r.figures["mean_pai_promap"]
    """
    run = _Run("backtest", kw)
    o = S.sm_backtest_options()
    lib.sm_backtest_options_init(ctypes.byref(o), S.SM_BACKTEST_OPTIONS_VERSION)
    if bin is not None:
        o.bin = run.named(lib.sm_forecast_bin_from_name, bin, "bin")
    run.set(o, cell_m=cell, bandwidth_m=bandwidth, space_bandwidth=space_bandwidth, time_bandwidth=time_bandwidth,
            kde_months=kde_months, kde_weeks=kde_weeks, warmup=warmup)
    _coverage(run, o, coverage)
    run.ctx.call(lib.sm_backtest_options_check, ctypes.byref(o), int(wards is not None))
    run.read(points, wards)
    return run.finish(run.run(lib.sm_backtest_run, o), output, overwrite)


def plan(points, wards, *, households=None, households_id=None, households_field=None, ward=None,
         suppress_below=None, rules=None, permutations=None, output=None, overwrite=False, title=None, pdf=False,
         **kw):
    """Per-ward burglary plans, as ``safemap plan``: the numbers (layers plan_wards, plan_streets, ...) and,
    with ``output`` a folder, the pages people read (index.html and a page per ward; ``pdf=True`` also PDFs
    through headless Chromium); a .gpkg or .csv output writes the tables::

        r = safemap.plan("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg",
                         permutations=99, seed=1, output="camden_plans", overwrite=True)
    """
    run = _Run("plan", kw, labels=True)
    o = S.sm_plan_options()
    lib.sm_plan_options_init(ctypes.byref(o), S.SM_PLAN_OPTIONS_VERSION)
    o.households, o.households_id_field = run.s(households), run.s(households_id)
    o.households_field, o.ward, o.rules = run.s(households_field), run.s(ward), run.s(rules)
    run.set(o, suppress_below=suppress_below, permutations=permutations)
    o.seed = run.ctx.seed
    pages = S.sm_plan_pages_options()
    lib.sm_plan_pages_options_init(ctypes.byref(pages), S.SM_PLAN_PAGES_OPTIONS_VERSION)
    pages.title, pages.overwrite, pages.pdf = run.s(title), int(bool(overwrite)), int(bool(pdf))
    run.ctx.call(lib.sm_plan_options_check, ctypes.byref(o))
    if output is not None:
        run.ctx.call(lib.sm_plan_write_check, _b(output), ctypes.byref(pages))
    run.inputs += [p for p in (households, rules) if p]
    run.read(points, wards)
    res = run.run(lib.sm_plan_run, o)
    if output is not None:
        run.ctx.call(lib.sm_plan_write, res._p, _b(output), ctypes.byref(pages))
    return res


def report(points, wards, output, *, households=None, suppress_below=None, title=None, permutations=None,
           overwrite=False, **kw):
    """The whole pack, as ``safemap report``: every analysis, the map, the ward plans and a front page in the
    folder ``output``. Returns what it made (sections, notes, layers, tiles, seconds)::

        safemap.report("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg", "camden_report",
                       permutations=99, seed=1, overwrite=True)
    """
    run = _Run("report", kw, labels=True)
    o = S.sm_report_options()
    lib.sm_report_options_init(ctypes.byref(o), S.SM_REPORT_OPTIONS_VERSION)
    o.title, o.households = run.s(title), run.s(households)
    run.set(o, suppress_below=suppress_below, permutations=permutations)
    o.seed, o.overwrite = run.ctx.seed, int(bool(overwrite))
    run.read(points, wards)
    info = S.sm_report_info()
    run.ctx.call(lib.sm_report_run, run.points._p, run.areas._p, _b(output), ctypes.byref(o), ctypes.byref(info))
    return {"sections": info.sections, "notes": info.notes, "layers": info.layers, "tiles": info.tiles,
            "seconds": info.seconds, "warnings": [m for level, m in run.ctx.messages if level <= 1]}


_AUDIT_SOURCES = ("streets", "streets_layer", "lights", "lights_layer", "lights_crs", "defects", "defects_layer",
                  "defects_crs", "at", "audits", "audits_layer", "audits_crs", "audit_parameters", "pins", "pins_layer",
                  "pins_crs", "cctv", "cctv_layer", "cctv_crs", "photometry")
_AUDIT_METRES = {"segment": "segment_m", "sample": "sample_m", "maintenance_factor": "maintenance_factor",
                 "height": "default_height_m", "reach_factor": "reach_factor", "lamp_offset": "lamp_offset_m",
                 "defect_radius": "defect_radius_m", "audit_radius": "audit_radius_m",
                 "crime_radius": "crime_radius_m", "crime_bandwidth": "crime_bandwidth_m", "min_dark": "min_dark_m",
                 "pin_radius": "pin_radius_m", "cctv_radius": "cctv_radius_m"}


def audit(crimes=None, wards=None, *, streets, where=None, defect_areas=None, defect_area_polygons=None,
          defect_area_categories=None, crime_types=None, hour=None, target=None, lamp_type=None, top=None,
          priority_weights=None, output=None, overwrite=False, **kw):
    """The women's safety audit of street segments, as ``safemap audit``: modelled lighting against EN 13201,
    lamps off at night, maintenance, walk audits, unsafe-place pins, CCTV and violence against women and girls
    (``crimes``: police.uk files, read with the VAWG crime types unless ``crime_types`` or ``type`` says).

    Options as the command line's: ``streets`` (required), ``lights``, ``defects``, ``at``, ``audits``,
    ``pins``, ``cctv``, their ``*_layer`` and ``*_crs``; ``defect_areas`` (a list of sources),
    ``defect_area_polygons``, ``defect_area_categories``; ``hour`` ("01:00"); ``target`` ("P1".."P6",
    "auto"); ``segment``, ``sample``, ``height``, ``min_dark``, ... in metres; ``top``;
    ``priority_weights`` (5 numbers).

    Returns a Result with the layers audit_segments, dark_stretches, audit_priorities, audit_lamps and
    (with wards) audit_wards::

        r = safemap.audit(streets="data/streets/holborn_bloomsbury_osm.gpkg",
                          lights="data/lighting/camden_lamps_holborn_bloomsbury.csv", hour="01:00")
        r["audit_priorities"][["rank", "reasons"]].head()
    """
    kw["streets"] = streets
    src = {k: kw.pop(k) for k in _AUDIT_SOURCES if k in kw}
    metres = {k: kw.pop(k) for k in list(kw) if k in _AUDIT_METRES}
    run = _Run("audit", kw)
    o = S.sm_audit_options()
    lib.sm_audit_options_init(ctypes.byref(o), S.SM_AUDIT_OPTIONS_VERSION)
    for k, v in src.items():
        setattr(o, k, run.s(v))
        if k in ("streets", "lights", "defects", "audits", "pins", "cctv") and v is not None:
            run.inputs.append(os.fsdecode(v))
    o.streets_where = run.s(where)
    run.set(o, **{_AUDIT_METRES[k]: v for k, v in metres.items()})
    if target is not None:
        o.target = run.named(lib.sm_light_class_from_name, target, "target")
    if lamp_type is not None:
        o.default_lamp_type = run.named(lib.sm_lamp_type_from_name, lamp_type, "lamp_type")
    if hour is not None:
        o.hour = run.named(lib.sm_audit_hour_parse, hour, "hour")
    if priority_weights is not None:
        if len(priority_weights) != 5:
            raise errors.InvalidArgumentError("priority_weights needs 5 numbers (darkness, maintenance, perception, "
                                              "pins, crime: 0.35, 0.15, 0.2, 0.1, 0.2)")
        o.weights[:] = [float(v) for v in priority_weights]
    o.top = 50
    run.set(o, top=top)
    if defect_areas:
        areas = [defect_areas] if isinstance(defect_areas, (str, os.PathLike)) else list(defect_areas)
        arr = (ctypes.c_char_p * len(areas))(*[_b(a) for a in areas])
        run.keep.append(arr)
        o.area_counts, o.n_area_counts = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p)), len(areas)
        run.inputs += [os.fsdecode(a) for a in areas]
    o.area_polygons = run.s(defect_area_polygons)
    if defect_area_polygons is not None:
        run.inputs.append(os.fsdecode(defect_area_polygons))
    if defect_area_categories is not None and not isinstance(defect_area_categories, str):
        defect_area_categories = ",".join(defect_area_categories)
    o.area_categories = run.s(defect_area_categories)
    if crime_types is not None and "type" in run.read_kw:
        raise errors.InvalidArgumentError("crime_types and type both choose the crime types: give one")
    if "type" not in run.read_kw:
        run.read_kw["type"] = crime_types if crime_types is not None else S.SM_AUDIT_VAWG_TYPES
    run.ctx.call(lib.sm_audit_options_check, ctypes.byref(o), int(crimes is not None))
    run.read(crimes, wards)
    return run.finish(run.run(lib.sm_audit_run, o), output, overwrite)


def route(audit, *, from_, to, from_crs=None, snap=None, hour=None, penalties=None, output=None, overwrite=False,
          **kw):
    """The shortest and the safest walk over an audit's segments, as ``safemap route``.

    ``audit``: a GeoPackage written by :func:`audit`; ``from_`` and ``to``: (E, N) in the audit's CRS or
    (lon, lat); ``penalties``: "dark=2,crime=1,..." or a dict; ``hour`` must be the audit's.

    Returns a Result with the layers routes and route_segments, and figures "shortest_m", "safest_m",
    "safest_dark_m", ...::

        r = safemap.route("holborn_audit.gpkg", from_=(530000, 181500), to=(530800, 181300), hour="01:00")
        r.figures["safest_m"] - r.figures["shortest_m"]
    """
    run = _Run("route", kw)
    o = S.sm_route_options()
    lib.sm_route_options_init(ctypes.byref(o), S.SM_ROUTE_OPTIONS_VERSION)
    o.from_x, o.from_y = (float(v) for v in from_)
    o.to_x, o.to_y = (float(v) for v in to)
    o.from_crs, o.hour = run.s(from_crs), run.s(hour)
    run.set(o, snap_m=snap)
    if penalties is not None:
        if isinstance(penalties, dict):
            penalties = ",".join(f"{k}={v}" for k, v in penalties.items())
        run.ctx.call(lib.sm_route_penalties_parse, run.s(penalties), ctypes.byref(o))
    run.ctx.call(lib.sm_route_options_check, ctypes.byref(o))
    run.inputs.append(os.fsdecode(audit))
    out = ctypes.c_void_p()
    run.ctx.call(lib.sm_route_run, ctypes.byref(out), _b(audit), ctypes.byref(o))
    return run.finish(Result(out.value, run.ctx, run.inputs), output, overwrite)
