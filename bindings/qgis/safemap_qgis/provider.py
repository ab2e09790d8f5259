"""The Processing provider "safemap" (algorithm ids safemap:kde, safemap:hotspots, ...)."""
from qgis.core import QgsProcessingProvider

from . import algorithms


class SafemapProvider(QgsProcessingProvider):
    def id(self):
        return "safemap"

    def name(self):
        return "safemap"

    def longName(self):  # noqa: N802
        v = algorithms.safemap_version()
        return f"safemap {v}" if v else "safemap (the safemap Python package is missing)"

    def loadAlgorithms(self):  # noqa: N802
        for cls in algorithms.ALGORITHMS:
            self.addAlgorithm(cls())

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802
        return ["tif"]  # safemap writes its rasters as GeoTIFF with the QGIS style beside them

    def defaultRasterFileExtension(self):  # noqa: N802
        return "tif"
