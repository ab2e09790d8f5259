"""The Knox near-repeat table, in months: python3 near_repeat.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS

r = safemap.nearrepeat(POINTS, time_unit="month", space_bands=[0, 100, 200, 400], time_bands=[0, 1, 2, 3],
                       permutations=99, seed=1)
t = r.layers["near_repeat"].to_pandas()
print(t[["space_band", "time_band", "observed", "knox_ratio", "p"]].to_string(index=False))
r.write(os.path.join(OUT, "camden_near_repeat.csv"), overwrite=True)
