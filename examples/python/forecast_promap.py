"""Next month's ProMap surface, and the back-test of ProMap, KDE and last month:
python3 forecast_promap.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

f = safemap.forecast(POINTS, WARDS, at="2025-03")
print(f"{f.texts['method']} for {f.texts['at']}: {f.array.shape[1]} x {f.array.shape[0]} cells of "
      f"{f.figures['cell_m']:g} m")
f.write(os.path.join(OUT, "camden_promap.gpkg"), overwrite=True)
b = safemap.backtest(POINTS, WARDS)
print(f"mean PAI at 5%: ProMap {b.figures['mean_pai_promap']:.2f}, KDE {b.figures['mean_pai_kde']:.2f}, "
      f"last month {b.figures['mean_pai_last']:.2f}")
