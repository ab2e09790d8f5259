"""Per-ward burglary plans as pages: python3 burglary_plan.py [POINTS WARDS OUTDIR]"""
import os

import safemap
from _data import OUT, POINTS, WARDS

r = safemap.plan(POINTS, WARDS, permutations=99, seed=1, output=os.path.join(OUT, "camden_plans"), overwrite=True)
w = r["plan_wards"].sort_values("rank")
print(w[["rank", "ward_name", "total", "trend"]].head(5).to_string(index=False))
print("open", os.path.join(OUT, "camden_plans", "index.html"))
