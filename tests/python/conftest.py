import os
import subprocess

import pytest

SRC = os.environ.get("SRCDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
POINTS = os.path.join(SRC, "data", "police", "camden_burglary")
WARDS = os.path.join(SRC, "data", "wards", "camden_wards_2024.gpkg")


@pytest.fixture
def cli(tmp_path):
    """Runs the command line (SAFEMAP) quietly; returns its output file's path."""
    exe = os.environ.get("SAFEMAP", os.path.join(SRC, "build", "cli", "safemap"))

    def run(*args):
        p = subprocess.run([exe, *map(str, args), "-q"], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p
    return run
