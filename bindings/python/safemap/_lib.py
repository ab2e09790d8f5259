"""Finding and loading libsafemap, and the C prototypes of the calls the package makes.

The library is the file named by the environment variable SAFEMAP_LIBRARY when it is set (and then only
that file). Otherwise it is looked for, in this order:
1. next to the package (a libsafemap.so copied into the package's folder);
2. the folder the build recorded when it installed the package (_config.LIBDIR);
3. the system's loader path (ldconfig, LD_LIBRARY_PATH).
When none loads, the error lists every place tried and why it failed.
"""
import ctypes
import os

from . import _structs as S

SONAME = "libsafemap.so.0"

c_int, c_uint, c_double, c_size_t, c_char_p, c_void_p = (ctypes.c_int, ctypes.c_uint, ctypes.c_double,
                                                          ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p)
P = ctypes.POINTER
PP = P(c_void_p)  # an out-pointer to an opaque object

PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_double, c_char_p, c_void_p)
LOG_FN = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p)


def _candidates():
    env = os.environ.get("SAFEMAP_LIBRARY")
    if env:
        yield "SAFEMAP_LIBRARY", env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("libsafemap.so"):
            yield "next to the package", os.path.join(here, name)
    try:
        from . import _config  # written when the package is installed with the library
        yield "the installed library", os.path.join(_config.LIBDIR, SONAME)
    except ImportError:
        pass
    import ctypes.util  # imports subprocess, shutil, tempfile...: only when it is needed
    found = ctypes.util.find_library("safemap")
    yield "the system's loader path", found or SONAME


def _open(path):
    """The library opened as a program opens it: symbols bound lazily, on first call (ctypes.CDLL alone binds
    every symbol of GDAL's many dependencies at once, some 5 ms more at each start-up). The calls the package
    makes are looked up by name below, so a library that lacks one still fails here, not in the middle of a run."""
    try:
        libc = ctypes.CDLL(None)
        dlopen, dlerror = libc.dlopen, libc.dlerror
    except (OSError, AttributeError):  # no dlopen in the C library of this system: ctypes' own way
        return ctypes.CDLL(path)
    dlopen.restype, dlopen.argtypes = c_void_p, [c_char_p, c_int]
    dlerror.restype, dlerror.argtypes = c_char_p, []
    handle = dlopen(os.fsencode(path), os.RTLD_LAZY | os.RTLD_LOCAL)
    if not handle:
        raise OSError((dlerror() or b"cannot open").decode(errors="replace"))
    return ctypes.CDLL(path, handle=handle)


def _load():
    tried = []
    for where, path in _candidates():
        try:
            return _open(path), path
        except OSError as e:
            tried.append(f"  {where}: {path}: {e}")
    raise OSError("safemap: cannot load the C library libsafemap; tried:\n" + "\n".join(tried) +
                  "\nInstall safemap (./build.sh demo, or cmake --install), or set SAFEMAP_LIBRARY to the path "
                  "of libsafemap.so")


lib, path = _load()

# (name, restype, argtypes). ctypes.CDLL releases the GIL for the length of every call.
_PROTOTYPES = [
    ("sm_version_string", c_char_p, []),
    ("sm_version_number", c_int, []),
    ("sm_version_dependencies", c_char_p, []),
    ("sm_status_str", c_char_p, [c_int]),
    ("sm_free", None, [c_void_p]),
    # context
    ("sm_ctx_create", c_int, [PP]),
    ("sm_ctx_destroy", None, [c_void_p]),
    ("sm_ctx_set_threads", c_int, [c_void_p, c_int]),
    ("sm_ctx_threads", c_int, [c_void_p]),
    ("sm_ctx_set_progress", None, [c_void_p, PROGRESS_FN, c_void_p]),
    ("sm_ctx_set_log", None, [c_void_p, LOG_FN, c_int, c_void_p]),
    ("sm_ctx_set_seed", None, [c_void_p, ctypes.c_uint64]),
    ("sm_ctx_last_error", c_char_p, [c_void_p]),
    ("sm_ctx_clear_error", None, [c_void_p]),
    ("sm_ctx_set_limit", c_int, [c_void_p, c_int, c_double]),
    ("sm_limit_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_memory_size_from_text", c_int, [c_void_p, c_char_p, P(c_double)]),
    # points
    ("sm_read_options_init", c_int, [P(S.sm_read_options), c_int]),
    ("sm_points_read", c_int, [c_void_p, PP, P(c_char_p), c_size_t, P(S.sm_read_options)]),
    ("sm_points_create", c_int, [c_void_p, PP, c_char_p, c_size_t, P(c_double), P(c_double), P(ctypes.c_int64),
                                 P(c_double)]),
    ("sm_points_destroy", None, [c_void_p]),
    ("sm_points_count", c_size_t, [c_void_p]),
    ("sm_points_x", P(c_double), [c_void_p]),
    ("sm_points_y", P(c_double), [c_void_p]),
    ("sm_points_time", P(ctypes.c_int64), [c_void_p]),
    ("sm_points_weight", P(c_double), [c_void_p]),
    ("sm_points_crs", c_char_p, [c_void_p]),
    ("sm_points_rows_read", ctypes.c_uint64, [c_void_p]),
    ("sm_points_rows_bad", ctypes.c_uint64, [c_void_p, c_int]),
    ("sm_points_rows_filtered", ctypes.c_uint64, [c_void_p, c_int]),
    ("sm_points_warnings", c_char_p, [c_void_p]),
    ("sm_points_time_resolution", c_int, [c_void_p]),
    ("sm_time_parse", c_int, [c_char_p, c_size_t, P(ctypes.c_int64), P(c_int)]),
    ("sm_bad_reason_str", c_char_p, [c_int]),
    ("sm_filter_reason_str", c_char_p, [c_int]),
    # areas
    ("sm_areas_options_init", c_int, [P(S.sm_areas_options), c_int]),
    ("sm_areas_read", c_int, [c_void_p, PP, c_char_p, P(S.sm_areas_options)]),
    ("sm_areas_destroy", None, [c_void_p]),
    ("sm_areas_count", c_size_t, [c_void_p]),
    ("sm_areas_id", c_char_p, [c_void_p, c_size_t]),
    ("sm_areas_name", c_char_p, [c_void_p, c_size_t]),
    ("sm_areas_crs", c_char_p, [c_void_p]),
    # layers
    ("sm_layer_destroy", None, [c_void_p]),
    ("sm_layer_read", c_int, [c_void_p, PP, c_char_p, c_char_p]),
    ("sm_layer_name", c_char_p, [c_void_p]),
    ("sm_layer_crs", c_char_p, [c_void_p]),
    ("sm_layer_geom_type", c_int, [c_void_p]),
    ("sm_layer_feature_count", c_size_t, [c_void_p]),
    ("sm_layer_field_count", c_size_t, [c_void_p]),
    ("sm_layer_field_name", c_char_p, [c_void_p, c_size_t]),
    ("sm_layer_field_type", c_int, [c_void_p, c_size_t]),
    ("sm_layer_get_string", c_char_p, [c_void_p, c_size_t, c_size_t]),
    ("sm_layer_get_wkb", P(ctypes.c_ubyte), [c_void_p, c_size_t, P(c_size_t)]),
    ("sm_layer_column_int", P(ctypes.c_int64), [c_void_p, c_size_t]),
    ("sm_layer_column_double", P(c_double), [c_void_p, c_size_t]),
    ("sm_layer_column_null", P(ctypes.c_ubyte), [c_void_p, c_size_t]),
    ("sm_layer_metadata_count", c_size_t, [c_void_p]),
    ("sm_layer_metadata_key", c_char_p, [c_void_p, c_size_t]),
    ("sm_layer_metadata_value", c_char_p, [c_void_p, c_size_t]),
    # rasters
    ("sm_raster_destroy", None, [c_void_p]),
    ("sm_raster_read", c_int, [c_void_p, c_char_p, c_int, PP]),
    ("sm_raster_width", c_size_t, [c_void_p]),
    ("sm_raster_height", c_size_t, [c_void_p]),
    ("sm_raster_crs", c_char_p, [c_void_p]),
    ("sm_raster_data", P(c_double), [c_void_p]),
    ("sm_raster_geotransform", None, [c_void_p, P(c_double)]),
    ("sm_raster_nodata", c_double, [c_void_p]),
    ("sm_raster_metadata_count", c_size_t, [c_void_p]),
    ("sm_raster_metadata_key", c_char_p, [c_void_p, c_size_t]),
    ("sm_raster_metadata_value", c_char_p, [c_void_p, c_size_t]),
    # results
    ("sm_result_destroy", None, [c_void_p]),
    ("sm_result_layer_count", c_size_t, [c_void_p]),
    ("sm_result_layer", c_void_p, [c_void_p, c_size_t]),
    ("sm_result_raster_count", c_size_t, [c_void_p]),
    ("sm_result_raster", c_void_p, [c_void_p, c_size_t]),
    ("sm_result_figure_count", c_size_t, [c_void_p]),
    ("sm_result_figure_name", c_char_p, [c_void_p, c_size_t]),
    ("sm_result_figure_value", c_double, [c_void_p, c_size_t]),
    ("sm_result_text_count", c_size_t, [c_void_p]),
    ("sm_result_text_name", c_char_p, [c_void_p, c_size_t]),
    ("sm_result_text_value", c_char_p, [c_void_p, c_size_t]),
    ("sm_result_write", c_int, [c_void_p, c_void_p, c_char_p, P(S.sm_write_options)]),
    ("sm_write_options_init", c_int, [P(S.sm_write_options), c_int]),
    ("sm_write_layers", c_int, [c_void_p, c_char_p, P(c_void_p), c_size_t, P(S.sm_write_options)]),
    ("sm_write_raster", c_int, [c_void_p, c_char_p, c_void_p, P(S.sm_write_options)]),
    # pipelines: options, names, checks, runs
    ("sm_count_options_init", c_int, [P(S.sm_count_options), c_int]),
    ("sm_count_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_count_options)]),
    ("sm_kde_run_options_init", c_int, [P(S.sm_kde_run_options), c_int]),
    ("sm_kde_run_options_check", c_int, [c_void_p, P(S.sm_kde_run_options), c_int]),
    ("sm_kde_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_kde_run_options)]),
    ("sm_kde_convention_from_name", c_int, [c_char_p]),
    ("sm_kde_convention_name", c_char_p, [c_int]),
    ("sm_kernel_from_name", c_int, [c_char_p]),
    ("sm_kernel_name", c_char_p, [c_int]),
    ("sm_kde_units_from_name", c_int, [c_char_p]),
    ("sm_kde_units_name", c_char_p, [c_int]),
    ("sm_bw_rule_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_kde_edge_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_kde_dual_op_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_hotspots_options_init", c_int, [P(S.sm_hotspots_options), c_int]),
    ("sm_hotspots_options_check", c_int, [c_void_p, P(S.sm_hotspots_options), c_int]),
    ("sm_hotspots_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_hotspots_options)]),
    ("sm_unit_kind_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_hotspot_weights_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_emerging_options_init", c_int, [P(S.sm_emerging_options), c_int]),
    ("sm_emerging_options_check", c_int, [c_void_p, P(S.sm_emerging_options), c_int]),
    ("sm_emerging_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_emerging_options)]),
    ("sm_emerging_weights_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_ehsa_rules_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_global_window_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_bin_unit_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_bins_parse", c_int, [c_char_p, P(S.sm_bins)]),
    ("sm_nearrepeat_options_init", c_int, [P(S.sm_nearrepeat_options), c_int]),
    ("sm_nearrepeat_options_check", c_int, [c_void_p, P(S.sm_nearrepeat_options), c_int]),
    ("sm_nearrepeat_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_nearrepeat_options)]),
    ("sm_nearrepeat_distance_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_nearrepeat_closed_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_nearrepeat_time_unit_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_scan_run_options_init", c_int, [P(S.sm_scan_run_options), c_int]),
    ("sm_scan_run_options_check", c_int, [c_void_p, P(S.sm_scan_run_options), c_int]),
    ("sm_scan_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_scan_run_options)]),
    ("sm_scan_centres_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_forecast_options_init", c_int, [P(S.sm_forecast_options), c_int]),
    ("sm_forecast_options_check", c_int, [c_void_p, P(S.sm_forecast_options), c_int]),
    ("sm_forecast_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_forecast_options)]),
    ("sm_backtest_options_init", c_int, [P(S.sm_backtest_options), c_int]),
    ("sm_backtest_options_check", c_int, [c_void_p, P(S.sm_backtest_options), c_int]),
    ("sm_backtest_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_backtest_options)]),
    ("sm_forecast_bin_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_forecast_method_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_plan_options_init", c_int, [P(S.sm_plan_options), c_int]),
    ("sm_plan_options_check", c_int, [c_void_p, P(S.sm_plan_options)]),
    ("sm_plan_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_plan_options)]),
    ("sm_report_options_init", c_int, [P(S.sm_report_options), c_int]),
    ("sm_plan_pages_options_init", c_int, [P(S.sm_plan_pages_options), c_int]),
    ("sm_plan_write", c_int, [c_void_p, c_void_p, c_char_p, P(S.sm_plan_pages_options)]),
    ("sm_plan_write_check", c_int, [c_void_p, c_char_p, P(S.sm_plan_pages_options)]),
    ("sm_report_run", c_int, [c_void_p, c_void_p, c_void_p, c_char_p, P(S.sm_report_options),
                              P(S.sm_report_info)]),
    ("sm_audit_options_init", c_int, [P(S.sm_audit_options), c_int]),
    ("sm_audit_options_check", c_int, [c_void_p, P(S.sm_audit_options), c_int]),
    ("sm_audit_run", c_int, [c_void_p, PP, c_void_p, c_void_p, P(S.sm_audit_options)]),
    ("sm_light_class_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_lamp_type_from_name", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_audit_hour_parse", c_int, [c_void_p, c_char_p, P(c_int)]),
    ("sm_route_options_init", c_int, [P(S.sm_route_options), c_int]),
    ("sm_route_penalties_parse", c_int, [c_void_p, c_char_p, P(S.sm_route_options)]),
    ("sm_route_options_check", c_int, [c_void_p, P(S.sm_route_options)]),
    ("sm_route_run", c_int, [c_void_p, PP, c_char_p, P(S.sm_route_options)]),
    ("sm_tiles_options_init", c_int, [P(S.sm_tiles_options), c_int]),
    ("sm_tiles_result", c_int, [c_void_p, c_void_p, c_char_p, P(S.sm_tiles_options), P(S.sm_viewer_options),
                                P(S.sm_tiles_info)]),
]


def _bind():
    for name, restype, argtypes in _PROTOTYPES:
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


_bind()


def text(b):
    """A C string (bytes or None) as str or None."""
    return None if b is None else b.decode("utf-8", "replace")
