"""twin: a digital twin of a territory for comparing urban heat and flood scenarios.

Nothing is imported here on purpose: ``twin --help`` must stay fast and must not
pull in numba, rasterio or pyvista. Import the submodules you need.
"""

__version__ = "0.1.0"
