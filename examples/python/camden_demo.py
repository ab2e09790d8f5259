"""The README's demo in Python: every analysis on the bundled Camden burglaries and the Holborn safety audit,
writing the same files as `./build.sh demo` into OUTDIR (default out_python).

    python3 examples/python/camden_demo.py [OUTDIR]
"""
import os
import sys

import safemap

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
POINTS = os.path.join(DATA, "police", "camden_burglary")
WARDS = os.path.join(DATA, "wards", "camden_wards_2024.gpkg")
OUT = sys.argv[1] if len(sys.argv) > 1 else "out_python"
os.makedirs(OUT, exist_ok=True)


def out(name):
    return os.path.join(OUT, name)


# read once, use everywhere: the points and the wards as the library's objects
points = safemap.read_points(POINTS)
wards = safemap.read_areas(WARDS, analysis_crs=points.crs)
print(f"{len(points)} burglaries in {points.crs}, {len(wards)} wards")

counts = safemap.count(points, wards, output=out("camden_burglary_counts.gpkg"), overwrite=True)
print(counts["ward_counts"].nlargest(5, "total")[["area_name", "total"]].to_string(index=False))

kde = safemap.kde(points, wards, bandwidth=250, cell=25, hotspot_areas=[50, 75, 90],
                  output=out("camden_burglary_kde.gpkg"), overwrite=True, tiles=out("camden_map"))
print(f"kde: {kde.array.shape[1]} x {kde.array.shape[0]} cells, bandwidth {kde.figures['bandwidth_m']:g} m")

hot = safemap.hotspots(points, wards, output=out("camden_burglary_hotspots.gpkg"), overwrite=True)
opt = safemap.hotspots(points, wards, grid="fishnet", optimised=True,
                       output=out("camden_burglary_hotspots_optimised.gpkg"), overwrite=True)
opt.to_tiles(out("camden_map"), overwrite=True)
print(f"hotspots: {hot.figures['hot']:.0f} hot wards; optimised: {opt.figures['hot']:.0f} hot cells of "
      f"{opt.figures['cell_m']:g} m")

emerging = safemap.emerging(points, wards, output=out("camden_burglary_emerging.gpkg"), overwrite=True)
knox = safemap.nearrepeat(points, time_unit="month", space_bands=[0, 100, 200, 400], time_bands=[0, 1, 2, 3],
                          permutations=99, seed=1, output=out("camden_burglary_near_repeat.csv"), overwrite=True)
scan = safemap.scan(points, wards, max_window=6, permutations=999, seed=1,
                    output=out("camden_burglary_scan.gpkg"), overwrite=True)
now = safemap.scan(points, wards, centres="incidents", max_radius=500, max_window=3, prospective=True,
                   permutations=999, seed=1, output=out("camden_burglary_scan_now.gpkg"), overwrite=True)
promap = safemap.forecast(points, wards, at="2025-03", output=out("camden_burglary_promap.gpkg"), overwrite=True)
back = safemap.backtest(points, wards, output=out("camden_burglary_backtest.csv"), overwrite=True)
print(f"scan: {scan.figures['clusters']:.0f} clusters; back-test mean PAI: ProMap "
      f"{back.figures['mean_pai_promap']:.2f}, KDE {back.figures['mean_pai_kde']:.2f}")

made = safemap.report(POINTS, WARDS, out("camden_report"), permutations=99, seed=1, overwrite=True)
print(f"report: {made['sections']} sections, {made['tiles']} tiles in {made['seconds']:.1f} s")

audit = safemap.audit(
    os.path.join(DATA, "police", "city_of_london_2023_holborn"), WARDS,
    streets=os.path.join(DATA, "streets", "holborn_bloomsbury_osm.gpkg"),
    lights=os.path.join(DATA, "lighting", "camden_lamps_holborn_bloomsbury.csv"),
    defects=os.path.join(DATA, "synthetic", "defects_synthetic.csv"), at="2023-12-31",
    audits=os.path.join(DATA, "synthetic", "walk_audits_synthetic.csv"),
    pins=os.path.join(DATA, "synthetic", "unsafe_pins_synthetic.csv"),
    defect_areas=[os.path.join(DATA, "maintenance", "fixmystreet_holborn")],
    defect_area_polygons=os.path.join(DATA, "maintenance", "lsoa_2011_holborn.gpkg"),
    defect_area_categories=["B19", "B25", "B28"], hour="01:00",
    output=out("holborn_audit.gpkg"), overwrite=True)
walk = safemap.route(out("holborn_audit.gpkg"), from_=(530000, 181500), to=(530800, 181300), hour="01:00",
                     output=out("holborn_route.gpkg"), overwrite=True)
print(f"audit: {len(audit.layers['audit_segments'])} segments; route: shortest {walk.figures['shortest_m']:.0f} m, "
      f"safest {walk.figures['safest_m']:.0f} m")
print(f"done: {OUT}")
