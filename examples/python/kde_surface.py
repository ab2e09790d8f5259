"""A kernel density surface as a NumPy array, and as a GeoTIFF: python3 kde_surface.py [POINTS WARDS OUTDIR]"""
import os

import numpy as np

import safemap
from _data import OUT, POINTS, WARDS

r = safemap.kde(POINTS, WARDS, bandwidth=250, cell=25, hotspot_areas=[50, 75, 90])
a = r.array  # height x width, float64, NaN outside the wards; a view of the library's memory
print(f"{a.shape[0]} x {a.shape[1]} cells of {r.geotransform[1]:g} m in {r.crs}, "
      f"{r.texts['units']}: max {np.nanmax(a):.1f}")
print(r["kde_hotspot_areas"][["percent", "area_km2"]].to_string(index=False))
r.to_geotiff(os.path.join(OUT, "camden_kde.tif"), overwrite=True)
