"""Gi* hot and cold spots on cells chosen from the data: python3 hotspot_cells.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

r = safemap.hotspots(POINTS, WARDS, grid="fishnet", optimised=True)
cells = r["hotspots"]  # a GeoDataFrame (a DataFrame without geopandas)
print(f"{len(cells)} cells of {r.figures['cell_m']:g} m, band {r.figures['band_m']:g} m: "
      f"{r.figures['hot']:.0f} hot and {r.figures['cold']:.0f} cold after FDR")
print(f"global Moran's I {r.figures['global_moran_i']:.3f} (p {r.figures['global_moran_p']:.2g})")
r.write(os.path.join(OUT, "camden_hotspots.gpkg"), overwrite=True)
r.to_tiles(os.path.join(OUT, "camden_hotspot_map"), overwrite=True)
