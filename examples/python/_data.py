"""The bundled sample's paths (the repository's data/), or the files given on the command line."""
import os
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
POINTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(DATA, "police", "camden_burglary")
WARDS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(DATA, "wards", "camden_wards_2024.gpkg")
OUT = sys.argv[3] if len(sys.argv) > 3 else "."
