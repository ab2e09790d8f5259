"""Space-time scan clusters by ward and month: python3 scan_clusters.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

# progress=True: a tqdm bar when tqdm is installed; a function f(fraction, message) returning False cancels
r = safemap.scan(POINTS, WARDS, max_window=6, permutations=999, seed=1, progress=True)
c = r.layers["scan_clusters"].to_pandas()
print(c[["start", "end", "observed", "expected", "llr", "p"]].head(3).to_string(index=False))
r.write(os.path.join(OUT, "camden_scan.gpkg"), overwrite=True)
