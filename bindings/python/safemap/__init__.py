"""safemap: crime hot-spot analysis and women's safety audits, from Python.

The package calls the safemap C library (libsafemap) through ctypes: the same code, options and numbers as
the ``safemap`` command line, with results as NumPy arrays and pandas / geopandas frames::

    import safemap
    r = safemap.hotspots("data/police/camden_burglary", "data/wards/camden_wards_2024.gpkg")
    r["hotspots"].plot(column="gi_z")          # a GeoDataFrame
    r.write("camden_hotspots.gpkg")            # as `safemap hotspots -o` writes it

Every analysis takes the command line's options as keyword arguments (``--max-window`` is ``max_window``,
``--from`` is ``from_``), plus ``threads=``, ``seed=``, ``progress=`` (True for a tqdm bar, or a function
that returns False to cancel) and ``ctx=`` (a :class:`Context`). Errors raise a subclass of
:class:`Error` per kind, with the library's message.
"""
from . import errors
from ._analyses import (audit, backtest, count, emerging, forecast, hotspots, kde, nearrepeat, plan, report, route,
                        scan)
from ._core import Areas, Context, Layer, Points, Raster, Result, points_from_arrays, read_areas, read_points
from ._lib import lib as _clib
from ._lib import path as _path
from ._lib import text as _text
from .errors import (Cancelled, CRSError, DependencyError, Error, FileError, GeometryError, InputError,
                     InternalError, InvalidArgumentError, OutOfMemoryError, UnsupportedError)

__all__ = ["version", "library_path", "dependencies", "Context", "Points", "Areas", "Layer", "Raster", "Result",
           "read_points", "points_from_arrays", "read_areas", "count", "kde", "hotspots", "emerging",
           "nearrepeat", "scan", "forecast", "backtest", "plan", "report", "audit", "route", "errors", "Error",
           "InvalidArgumentError", "InputError", "CRSError", "FileError", "GeometryError", "OutOfMemoryError",
           "Cancelled", "DependencyError", "UnsupportedError", "InternalError"]


def version():
    """The version of the loaded C library ("0.1.0")."""
    return _text(_clib.sm_version_string())


def library_path():
    """The libsafemap file this package loaded."""
    return _path


def dependencies():
    """The versions of GDAL, PROJ, GEOS, ... the C library was built with."""
    return _text(_clib.sm_version_dependencies())


__version__ = version()
