"""Burglaries per ward: python3 count_wards.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

r = safemap.count(POINTS, WARDS)
wards = r["ward_counts"].sort_values("total", ascending=False)
print(f"{r.figures['points']:.0f} burglaries, {r.figures['points_outside_areas']:.0f} outside every ward")
print(wards[["area_name", "total"]].head(5).to_string(index=False))
r.write(os.path.join(OUT, "camden_counts.gpkg"), overwrite=True)
