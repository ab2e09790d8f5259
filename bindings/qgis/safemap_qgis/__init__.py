"""The safemap QGIS plugin: a Processing provider whose algorithms call the safemap Python package."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import SafemapPlugin
    return SafemapPlugin(iface)
