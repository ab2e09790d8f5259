"""Emerging hot spots by ward and month: python3 emerging_wards.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

r = safemap.emerging(POINTS, WARDS)
print(r["emerging"]["category"].value_counts().to_string())
r.write(os.path.join(OUT, "camden_emerging.gpkg"), overwrite=True)
