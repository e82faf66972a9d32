"""Where a comment is: the building under a point of a scenario's run, and the territory's CRS."""

from __future__ import annotations

import threading

from twin.errors import TwinError

from ..catalogue import Catalogue


class Places:
    """Footprints of each run's buildings (from its impacts.gpkg), read once per run version."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._cache: dict[str, object] = {}
        self._lock = threading.Lock()

    def footprints(self, run: str):
        """The run's building footprints (id and geometry; None without buildings), read once per run version."""
        import geopandas as gpd
        import pyogrio

        stamp = self.catalogue.stamp(run)
        with self._lock:
            if stamp in self._cache:
                return self._cache[stamp]
        path = self.catalogue.run(run).folder / "impacts.gpkg"
        layers = [name for name, _ in pyogrio.list_layers(path) if name.startswith("buildings_")]
        frame = gpd.read_file(path, layer=layers[0], columns=["id"]) if layers else None
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if not k.startswith(f"{run}-")} | {stamp: frame}
        return frame

    def loaded(self, run: str) -> bool:
        """Whether the run's footprints (of its current version) are in memory: finding a building is then quick
        enough for the event loop; otherwise it reads a file."""
        try:
            stamp = self.catalogue.stamp(run)
        except (TwinError, OSError, ValueError):
            return True  # no such run: building_at answers None at once
        with self._lock:
            return stamp in self._cache

    def building_at(self, run: str, x: float, y: float) -> str | None:
        """The id of the building whose footprint holds (x, y) in the run's CRS, or None."""
        from shapely.geometry import Point

        try:
            frame = self.footprints(run)
        except (TwinError, OSError, ValueError):
            return None
        if frame is None or not frame.sindex:
            return None
        hits = frame.sindex.query(Point(x, y), predicate="intersects")
        return str(frame["id"].iat[int(hits[0])]) if len(hits) else None

    def crs(self, run: str) -> str | None:
        """The run's CRS (of its elevation map), for exports in WGS 84."""
        import rasterio

        try:
            with rasterio.open(self.catalogue.run(run).folder / "territory" / "elevation.tif") as src:
                return src.crs.to_string() if src.crs else None
        except (TwinError, OSError, rasterio.errors.RasterioError):
            return None
