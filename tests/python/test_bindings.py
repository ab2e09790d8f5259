"""The Python package against the command line on the bundled data, and its own promises: dtypes and shapes,
an exception class per error family with the library's message, frames as input, cancel, threads, leaks."""
import ctypes
import glob
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from osgeo import gdal, ogr

import safemap
from safemap import _structs
from conftest import POINTS, SRC, WARDS

gdal.UseExceptions()


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def read_band(path):
    """Band 1 of a Float64 raster as float64 with NaN for nodata (through GDAL's ReadRaster, not gdal_array,
    which crashes under pytest with GDAL 3.6's Python bindings)."""
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Float64
    a = np.frombuffer(band.ReadRaster(), dtype=np.float64).reshape(ds.RasterYSize, ds.RasterXSize).copy()
    a[a == band.GetNoDataValue()] = np.nan
    return a, ds.GetGeoTransform()


def ogr_dump(path):
    """Every layer's features (attributes and geometry) as text, for comparing two GeoPackages."""
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", str(path)], capture_output=True, text=True, check=True)
    return out.stdout


# ---------------------------------------------------------------------------------------------- the package

def test_structs_are_current_and_laid_out_as_c():
    gen = os.path.join(SRC, "bindings", "python", "tools", "gen_structs.py")
    fresh = subprocess.run([sys.executable, gen, os.path.join(SRC, "include")], capture_output=True, text=True,
                           check=True).stdout
    with open(_structs.__file__) as f:
        assert f.read() == fresh, "bindings/python/safemap/_structs.py is stale: run tools/gen_structs.py"
    layout = os.environ.get("SAFEMAP_LAYOUT")
    if not layout:
        pytest.skip("no C layout given (tests/python/test_pytest.sh makes it)")
    checked = 0
    for line in open(layout):
        name, field, value = line.split()
        cls = getattr(_structs, name)
        if field == "sizeof":
            assert ctypes.sizeof(cls) == int(value), name
        else:
            assert getattr(cls, field).offset == int(value), f"{name}.{field}"
        checked += 1
    assert checked > 300


def test_version_and_library():
    version = open(os.path.join(SRC, "VERSION")).read().strip()
    assert safemap.version() == version == safemap.__version__
    toml = open(os.path.join(SRC, "bindings", "python", "pyproject.toml")).read()
    assert f'version = "{version}"' in toml
    assert os.path.exists(safemap.library_path())
    assert "GDAL" in safemap.dependencies()


def test_a_library_that_does_not_load_is_named(tmp_path):
    """SAFEMAP_LIBRARY, when set, is the only file tried (even with safemap installed elsewhere)."""
    env = dict(os.environ, SAFEMAP_LIBRARY=str(tmp_path / "nope.so"))
    p = subprocess.run([sys.executable, "-c", "import safemap"], capture_output=True, text=True, env=env)
    assert p.returncode != 0
    assert "cannot load the C library libsafemap; tried:" in p.stderr
    assert "SAFEMAP_LIBRARY: " + str(tmp_path / "nope.so") in p.stderr and "loader path" not in p.stderr


# ---------------------------------------------------------------------------------------------- same as the CLI

def test_count_same_as_cli(tmp_path, cli):
    cli("count", POINTS, "--wards", WARDS, "-o", tmp_path / "cli.csv")
    r = safemap.count(POINTS, WARDS)
    r.write(tmp_path / "py.csv")
    assert same_file(tmp_path / "cli.csv", tmp_path / "py.csv")
    assert same_file(tmp_path / "cli_by_month.csv", tmp_path / "py_by_month.csv")
    df = r["ward_counts"]
    assert len(df) == 20 and df["total"].sum() == r.figures["points_in_areas"] == 6416 - 365
    assert df["total"].dtype == np.int64 and df["area_name"].dtype == object


def test_kde_same_as_cli(tmp_path, cli):
    cli("kde", POINTS, "--wards", WARDS, "--bandwidth", 250, "--cell", 25, "--hotspot-areas", "50,75,90",
        "--float64", "-o", tmp_path / "cli.gpkg")
    cli("kde", POINTS, "--bandwidth", 250, "--cell", 25, "--float64", "-o", tmp_path / "cli.tif")
    r = safemap.kde(POINTS, WARDS, bandwidth=250, cell=25, hotspot_areas=[50, 75, 90])
    r.write(tmp_path / "py.gpkg", float64=True)
    assert ogr_dump(tmp_path / "cli.gpkg") == ogr_dump(tmp_path / "py.gpkg")
    k = safemap.kde(POINTS, bandwidth=250, cell=25)
    a, gt = read_band(tmp_path / "cli.tif")
    assert k.array.shape == a.shape == (k.figures["height"], k.figures["width"])
    assert k.array.dtype == np.float64 and not k.array.flags.writeable
    np.testing.assert_array_equal(k.array, a)  # bit for bit, NaN where nodata
    assert k.geotransform == gt
    assert k.crs == "EPSG:27700"
    assert "--bandwidth 250" in k.metadata["options"]
    k.to_geotiff(tmp_path / "py.tif", float64=True)
    np.testing.assert_array_equal(read_band(tmp_path / "py.tif")[0], a)
    assert os.path.exists(tmp_path / "py.qml")


def test_kde_in_bands_same_as_cli_and_whole(tmp_path, cli):
    """output= lets the run write the surface itself, in bands of rows: the cells of the whole surface and of
    the command line's --band-rows run; no array then, only figures. band_rows without output is refused, and a
    memory limit (as --memory-limit writes it) too small for one row is refused naming what one row needs."""
    cli("kde", POINTS, "--bandwidth", 250, "--cell", 20, "--float64", "--band-rows", 9, "-o", tmp_path / "cli.tif")
    r = safemap.kde(POINTS, bandwidth=250, cell=20, float64=True, band_rows=9, output=tmp_path / "py.tif")
    assert r.figures["band_rows"] == 9 and r.figures["bands"] == np.ceil(r.figures["height"] / 9)
    assert not r.rasters
    whole = safemap.kde(POINTS, bandwidth=250, cell=20)
    a = read_band(tmp_path / "py.tif")[0]
    np.testing.assert_array_equal(a, read_band(tmp_path / "cli.tif")[0])
    np.testing.assert_array_equal(a, whole.array)
    with pytest.raises(safemap.InvalidArgumentError, match="band_rows goes with output="):
        safemap.kde(POINTS, bandwidth=250, cell=20, band_rows=9)
    with pytest.raises(safemap.InvalidArgumentError, match="one band of 1 row of the .* more than the memory limit of 1 MiB"):
        safemap.kde(POINTS, bandwidth=250, cell=20, output=tmp_path / "no.tif", limits={"memory": "1M"})
    assert not os.path.exists(tmp_path / "no.tif")


@pytest.mark.parametrize("args,call", [
    (["hotspots", "--wards", WARDS], lambda: safemap.hotspots(POINTS, WARDS)),
    (["hotspots", "--wards", WARDS, "--grid", "fishnet", "--cell", 200, "--band", 300, "--permutations", 99,
      "--seed", 1], lambda: safemap.hotspots(POINTS, WARDS, grid="fishnet", cell=200, band=300, permutations=99,
                                              seed=1)),
    (["hotspots", "--wards", WARDS, "--grid", "fishnet", "--optimised"],
     lambda: safemap.hotspots(POINTS, WARDS, grid="fishnet", optimised=True)),
    (["emerging", "--wards", WARDS], lambda: safemap.emerging(POINTS, WARDS)),
    (["nearrepeat", "--time-unit", "month", "--space-bands", "0,100,200,400", "--time-bands", "0,1,2,3",
      "--permutations", 99, "--seed", 1],
     lambda: safemap.nearrepeat(POINTS, time_unit="month", space_bands=[0, 100, 200, 400],
                                time_bands=[0, 1, 2, 3], permutations=99, seed=1)),
    (["scan", "--wards", WARDS, "--max-window", 6, "--permutations", 99, "--seed", 1],
     lambda: safemap.scan(POINTS, WARDS, max_window=6, permutations=99, seed=1)),
    (["forecast", "--wards", WARDS, "--backtest"], lambda: safemap.backtest(POINTS, WARDS)),
], ids=["hotspots", "hotspots-fishnet-perm", "hotspots-optimised", "emerging", "nearrepeat", "scan", "backtest"])
def test_tables_same_as_cli(tmp_path, cli, args, call):
    cmd, rest = args[0], args[1:]
    cli(cmd, POINTS, *rest, "-o", tmp_path / "cli.csv")
    r = call()
    r.write(tmp_path / "py.csv")
    files = sorted(glob.glob(str(tmp_path / "cli*.csv")))
    assert files
    for f in files:
        name = os.path.basename(f)
        assert same_file(f, tmp_path / name.replace("cli", "py", 1)), name


def test_forecast_same_as_cli(tmp_path, cli):
    cli("forecast", POINTS, "--wards", WARDS, "--at", "2025-03", "-o", tmp_path / "cli.gpkg")
    r = safemap.forecast(POINTS, WARDS, at="2025-03")
    r.write(tmp_path / "py.gpkg")
    assert ogr_dump(tmp_path / "cli.gpkg") == ogr_dump(tmp_path / "py.gpkg")
    assert r.texts["method"] and r.array.ndim == 2


def test_hotspots_frame_dtypes_and_geometry():
    r = safemap.hotspots(POINTS, WARDS)
    gdf = r["hotspots"]
    import geopandas as gpd
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 27700
    assert len(gdf) == r.figures["units"] == 20
    assert gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert gdf["gi_z"].dtype == np.float64 and gdf["gi_bin_fdr"].dtype == np.int64
    assert gdf["area_name"].dtype == object and gdf.attrs["safemap_version"] == safemap.version()
    assert gdf.attrs["option_weights"] and gdf.attrs["input_sources"]
    df = r.layers["hotspots"].to_pandas()
    assert "wkb" in df and isinstance(df["wkb"][0], bytes)
    z = r.layers["hotspots"].column("gi_z")
    assert z.dtype == np.float64 and z.shape == (20,)
    assert int((gdf["gi_bin_fdr"] > 0).sum()) == r.figures["hot"]


def test_points_arrays_are_views_of_the_library():
    pts = safemap.read_points(POINTS)
    assert len(pts) == 6416 and pts.crs == "EPSG:27700"
    x = pts.x
    assert x.dtype == np.float64 and x.shape == (6416,) and not x.flags.owndata
    assert pts.time.dtype == np.int64
    del pts
    assert np.isfinite(x).all()  # the view keeps the points alive


# ---------------------------------------------------------------------------------------------- frames as input

def police_frame():
    files = sorted(glob.glob(os.path.join(POINTS, "*.csv")))
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


def test_dataframe_gives_the_same_result_as_the_files():
    a = safemap.kde(POINTS, bandwidth=250, cell=25)
    b = safemap.kde(police_frame(), bandwidth=250, cell=25)
    np.testing.assert_array_equal(a.array, b.array)


def test_geodataframes_give_the_same_result_as_the_files():
    import geopandas as gpd
    df = police_frame()
    df = df[df.Longitude != ""]
    gdf = gpd.GeoDataFrame(df.drop(columns=["Longitude", "Latitude"]),
                           geometry=gpd.points_from_xy(df.Longitude.astype(float), df.Latitude.astype(float)),
                           crs="EPSG:4326")
    wards = gpd.read_file(WARDS)
    a = safemap.hotspots(POINTS, WARDS)
    b = safemap.hotspots(gdf, wards)
    pd.testing.assert_frame_equal(a.layers["hotspots"].to_pandas().drop(columns="wkb"),
                                  b.layers["hotspots"].to_pandas().drop(columns="wkb"))
    assert a.figures == b.figures


def test_points_from_arrays_gives_the_same_surface():
    pts = safemap.read_points(POINTS)
    again = safemap.points_from_arrays(pts.x, pts.y, crs=pts.crs, time=pts.time)
    a = safemap.kde(pts, bandwidth=250, cell=25)
    b = safemap.kde(again, bandwidth=250, cell=25)
    np.testing.assert_array_equal(a.array, b.array)
    dates = pts.time.astype("datetime64[s]")
    c = safemap.points_from_arrays(pts.x, pts.y, crs=pts.crs, time=dates)
    np.testing.assert_array_equal(c.time, pts.time)


# ---------------------------------------------------------------------------------------------- errors

def test_missing_file_is_a_file_error():
    with pytest.raises(safemap.FileError, match="nowhere.csv") as e:
        safemap.kde(os.path.join(SRC, "nowhere.csv"))
    assert isinstance(e.value, OSError) and e.value.status == 4


def test_bad_row_with_strict_is_an_input_error_naming_file_row_field_value(tmp_path):
    src = sorted(glob.glob(os.path.join(POINTS, "*.csv")))[0]
    lines = open(src).read().splitlines()
    cells = lines[3].split(",")
    cells[4] = "west"
    lines[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(safemap.InputError) as e:
        safemap.kde(str(bad), strict=True)
    msg = str(e.value)
    assert "bad.csv:4:" in msg and "Longitude" in msg and "west" in msg, msg
    assert isinstance(e.value, ValueError)


def test_bad_option_is_an_invalid_argument_error_naming_it():
    with pytest.raises(safemap.InvalidArgumentError, match="bandwidth"):
        safemap.kde(POINTS, bandwidth=-5)
    with pytest.raises(safemap.InvalidArgumentError, match=r"unknown kernel 'box' \(.*quartic"):
        safemap.kde(POINTS, kernel="box")
    with pytest.raises(safemap.InvalidArgumentError, match="weights"):
        safemap.hotspots(POINTS, WARDS, weights="nearby")
    with pytest.raises(TypeError, match="bandwith"):
        safemap.kde(POINTS, bandwith=250)


def test_unknown_crs_is_a_crs_error():
    with pytest.raises(safemap.CRSError, match="EPSG:999999"):
        safemap.read_points(POINTS, analysis_crs="EPSG:999999")


def test_points_as_wards_is_a_geometry_error(tmp_path):
    pts = tmp_path / "pts.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(pts), WARDS, "-dialect", "sqlite", "-sql",
                    "SELECT ST_Centroid(geom) AS geom, WD24CD FROM wards"], check=True)
    with pytest.raises(safemap.GeometryError, match="pts.gpkg"):
        safemap.count(POINTS, str(pts))


def test_existing_output_is_refused(tmp_path):
    out = tmp_path / "k.tif"
    out.write_bytes(b"x")
    with pytest.raises(safemap.FileError, match="exists"):
        safemap.kde(POINTS, bandwidth=250, output=str(out))
    assert out.read_bytes() == b"x"
    with pytest.raises(safemap.InvalidArgumentError):
        safemap.count(POINTS, WARDS).write(WARDS, overwrite=True)  # an input


# ---------------------------------------------------------------------------------------------- cancel, threads

def test_cancel_from_a_callback_stops_the_call_and_writes_nothing(tmp_path):
    seen = []

    def progress(fraction, message):
        seen.append(fraction)
        return fraction < 0.3

    out = tmp_path / "s.gpkg"
    with pytest.raises(safemap.Cancelled):
        safemap.scan(POINTS, WARDS, max_window=6, permutations=999, seed=1, progress=progress, output=str(out))
    assert seen and not out.exists() and not list(tmp_path.iterdir())


def test_an_exception_in_the_callback_stops_the_call_and_is_raised():
    def progress(fraction, message):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        safemap.hotspots(POINTS, WARDS, progress=progress)


def test_progress_reaches_one():
    seen = []
    safemap.kde(POINTS, bandwidth=250, progress=lambda f, m: seen.append((f, m)))
    assert seen[-1][0] == 1.0 and all(isinstance(m, str) for f, m in seen)


def test_one_and_two_threads_give_the_same_bits():
    a = safemap.hotspots(POINTS, WARDS, grid="fishnet", cell=200, band=300, permutations=99, seed=1, threads=1)
    b = safemap.hotspots(POINTS, WARDS, grid="fishnet", cell=200, band=300, permutations=99, seed=1, threads=2)
    for f in ("gi_z", "gi_p_sim", "lisa_p_sim"):
        assert a.layers["hotspots"].column(f).tobytes() == b.layers["hotspots"].column(f).tobytes(), f
    k1 = safemap.kde(POINTS, bandwidth=250, cell=25, threads=1)
    k2 = safemap.kde(POINTS, bandwidth=250, cell=25, threads=2)
    assert k1.array.tobytes() == k2.array.tobytes()
    ctx = safemap.Context(threads=2, seed=1)
    assert ctx.threads == 2


def test_warnings_reach_the_result_and_logging(caplog):
    r = safemap.kde(POINTS, bandwidth=250, extent=(527000, 182000, 529000, 184000))
    assert any("outside" in w for w in r.warnings), r.warnings
    assert any("outside" in rec.getMessage() for rec in caplog.records if rec.name == "safemap")


# ---------------------------------------------------------------------------------------------- memory

def rss_kib():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def test_no_leak_across_a_thousand_calls():
    import tracemalloc
    pts = safemap.read_points(POINTS, from_="2024-01", to="2024-03")
    wards = safemap.read_areas(WARDS, analysis_crs=pts.crs)
    ctx = safemap.Context(threads=1)

    def once():
        r = safemap.count(pts, wards, ctx=ctx)
        r["ward_counts"]
        k = safemap.kde(pts, bandwidth=300, cell=200, ctx=ctx)
        k.array.sum()
        ctx.messages.clear()

    for _ in range(100):
        once()
    tracemalloc.start()
    before, py_before = rss_kib(), tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        once()
    grown, py_grown = rss_kib() - before, tracemalloc.get_traced_memory()[0] - py_before
    tracemalloc.stop()
    assert grown < 4096, f"resident memory grew by {grown} KiB over 1,000 calls"
    assert py_grown < 256 * 1024, f"Python objects grew by {py_grown} bytes over 1,000 calls"


def test_ctrl_c_cancels_a_long_call_and_writes_nothing(tmp_path):
    import signal
    import time
    out = tmp_path / "scan.gpkg"
    code = ("import safemap\n"
            f"safemap.scan({POINTS!r}, {WARDS!r}, max_window=6, permutations=200000, seed=1, output={str(out)!r})\n")
    p = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    assert p.poll() is None, p.stderr.read()
    t = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - t < 10
    assert p.returncode != 0 and "KeyboardInterrupt: safemap: cancelled by Ctrl-C" in err, err
    assert not out.exists() and not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------------------------- examples

@pytest.mark.parametrize("script,expect", [
    ("count_wards.py", "6416 burglaries, 365 outside every ward"),
    ("kde_surface.py", "cells of 25 m in EPSG:27700"),
    ("hotspot_cells.py", "2428 cells of 94 m, band 312 m: 284 hot and 403 cold after FDR"),
    ("emerging_wards.py", "No Pattern Detected"),
    ("near_repeat.py", "0-100 m"),
    ("scan_clusters.py", "2024-10 2024-11        74"),
    ("forecast_promap.py", "promap for 2025-03"),
    ("burglary_plan.py", "Bloomsbury"),
])
def test_examples_run(tmp_path, script, expect):
    p = subprocess.run([sys.executable, os.path.join(SRC, "examples", "python", script), POINTS, WARDS,
                        str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert expect in p.stdout, p.stdout
    assert list(tmp_path.iterdir())


def test_camden_demo_makes_the_cli_demos_files(tmp_path):
    """examples/python/camden_demo.py against `build.sh demo-only`: every GeoPackage's features and every
    CSV the same (paths in the recipes aside)."""
    env = dict(os.environ, SAFEMAP_DEMO_OUT=str(tmp_path / "cli"))
    subprocess.run(["bash", os.path.join(SRC, "build.sh"), "demo-only"], env=env, check=True, capture_output=True)
    p = subprocess.run([sys.executable, os.path.join(SRC, "examples", "python", "camden_demo.py"),
                        str(tmp_path / "py")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "audit: 1643 segments; route: shortest 1024 m, safest 1087 m" in p.stdout

    def norm(text, out):
        text = text.replace(str(tmp_path / out), "OUT")
        return re.sub(r"[^\s=,;]*?data/", "data/", text)

    compared = 0
    for f in sorted(os.listdir(tmp_path / "cli")):
        a, b = tmp_path / "cli" / f, tmp_path / "py" / f
        if f.endswith(".gpkg"):
            assert norm(ogr_dump(a), "cli") == norm(ogr_dump(b), "py"), f
        elif f.endswith(".csv") and not f.startswith("camden_burglary_counts"):  # the demo's CSV copy of counts
            assert same_file(a, b), f
        else:
            continue
        compared += 1
    assert compared == 12
    assert os.path.exists(tmp_path / "py" / "camden_report" / "index.html")
    assert os.path.exists(tmp_path / "py" / "camden_map" / "index.html")


def test_pip_installs_the_package_into_a_venv(tmp_path):
    import shutil
    src = tmp_path / "src"
    shutil.copytree(os.path.join(SRC, "bindings", "python"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(tmp_path / "env")], check=True)
    pip = subprocess.run([str(tmp_path / "env" / "bin" / "pip"), "install", "-q", "--no-build-isolation",
                          "--no-index", str(src)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([str(tmp_path / "env" / "bin" / "python"), "-c",
                        "import safemap; print(safemap.__file__); print(safemap.version())"],
                       capture_output=True, text=True, cwd=str(tmp_path), env=env)
    assert p.returncode == 0, p.stderr
    assert str(tmp_path / "env") in p.stdout and safemap.version() in p.stdout


def test_long_calls_release_the_gil():
    import threading
    import time
    assert not isinstance(sys.modules["safemap._lib"].lib, ctypes.PyDLL)  # ctypes.CDLL drops the GIL for each call
    done = threading.Event()
    ticks = []

    def work():
        safemap.scan(POINTS, WARDS, max_window=6, permutations=999, seed=1, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t0 = time.perf_counter()
    t.start()
    while not done.is_set():
        time.sleep(0.001)
        ticks.append(time.perf_counter())
    t.join()
    span = time.perf_counter() - t0
    # the main thread kept running through the call: no gap longer than a quarter of it
    gaps = np.diff([t0] + ticks)
    assert span > 0.2 and gaps.max() < span / 4, (span, gaps.max())


def test_plan_same_as_cli(tmp_path, cli):
    cli("plan", POINTS, "--wards", WARDS, "--permutations", 19, "--seed", 1, "-o", tmp_path / "cli.gpkg")
    r = safemap.plan(POINTS, WARDS, permutations=19, seed=1, output=str(tmp_path / "py.gpkg"))
    assert ogr_dump(tmp_path / "cli.gpkg") == ogr_dump(tmp_path / "py.gpkg")
    wards = r["plan_wards"]
    assert len(wards) == 20 and wards["rank"].dtype == np.int64
    assert r.layers["plan_streets"].to_pandas()["street"].notna().all()  # the labels were read


@pytest.mark.parametrize("call,match", [
    (lambda: safemap.hotspots(POINTS, WARDS, permutations=-5), "permutations: '-5' is not a whole number >= 0"),
    (lambda: safemap.scan(POINTS, WARDS, max_window=2.5), "max_window: '2.5' is not a whole number"),
    (lambda: safemap.kde(POINTS, cell="fine"), "cell_m: 'fine' is not a number"),
    (lambda: safemap.emerging(POINTS, WARDS, band="wide"), "band_m: 'wide' is not a number"),
    (lambda: safemap.kde(POINTS, seed=-1), "seed: '-1'"),
    (lambda: safemap.points_from_arrays([1.0, 2.0], [1.0]), "x has 2 values and y 1"),
    (lambda: safemap.points_from_arrays([1.0], [1.0], time=[1, 2]), "time has 2 values for 1 points"),
    (lambda: safemap.nearrepeat(POINTS, space_bands=[0], time_bands=[0, 1]), "space_bands needs at least 2"),
    (lambda: safemap.forecast(POINTS), "give at="),
    (lambda: safemap.kde(POINTS, compare_from="2023-01"), "go with dual"),
    (lambda: safemap.count(safemap.read_points(POINTS), WARDS, from_="2024-01"), "reading options go with files"),
    (lambda: safemap.kde(POINTS, id_field="WD24CD"), "go with wards="),
    (lambda: safemap.audit(streets=os.path.join(SRC, "data", "streets", "holborn_bloomsbury_osm.gpkg"),
                           priority_weights=[1, 2]), "priority_weights needs 5 numbers"),
    (lambda: safemap.emerging(POINTS, WARDS, reference="soon"), "reference 'soon' is not a date"),
], ids=["negative-count", "fraction", "not-a-number", "emerging-band", "seed", "xy-lengths", "time-length",
        "bands", "forecast-at", "dual", "read-options-with-points", "area-options-without-wards", "weights",
        "reference"])
def test_bad_arguments_are_refused_naming_them(tmp_path, call, match):
    with pytest.raises(safemap.InvalidArgumentError, match=re.escape(match)):
        call()
