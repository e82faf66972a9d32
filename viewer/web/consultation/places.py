"""Where a comment is: the building under a point of a scenario's run, the territory's extent and its CRS."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from twin.errors import ScenarioError, TwinError, message

from ..catalogue import Catalogue


@dataclass(frozen=True)
class Site:
    """What a run's folder says of its ground: the footprints (id and geometry; None without buildings or without
    ``impacts.gpkg``), the extent ``(xmin, ymin, xmax, ymax)`` of its elevation map (None without it), and its CRS."""

    footprints: object
    extent: tuple[float, float, float, float] | None
    crs: str | None


class Places:
    """The :class:`Site` of each run, read once per run version."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._cache: dict[str, Site] = {}
        self._lock = threading.Lock()

    def site(self, run: str) -> Site:
        """The run's :class:`Site`; a run folder missing a file gives a site without what that file holds."""
        stamp = self.catalogue.stamp(run)
        with self._lock:
            if stamp in self._cache:
                return self._cache[stamp]
        folder = self.catalogue.run(run).folder
        site = Site(_footprints(folder / "impacts.gpkg"), *_ground(folder / "territory" / "elevation.tif"))
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if not k.startswith(f"{run}-")} | {stamp: site}
        return site

    def preload(self, run: str) -> None:
        """Read the run's site into memory (nothing for a run that cannot be read: its comments find no building)."""
        with contextlib.suppress(TwinError, OSError, ValueError):
            self.site(run)

    def footprints(self, run: str):
        """The run's building footprints (id and geometry), or None."""
        return self.site(run).footprints

    def loaded(self, run: str) -> bool:
        """Whether the run's site (of its current version) is in memory: finding a building is then quick enough
        for the event loop; otherwise it reads files."""
        try:
            stamp = self.catalogue.stamp(run)
        except (TwinError, OSError, ValueError):
            return True  # no such run: building_at answers None at once
        with self._lock:
            return stamp in self._cache

    def building_at(self, run: str, x: float, y: float) -> str | None:
        """The id of the building whose footprint holds (x, y) in the run's CRS, or None; a point outside the
        territory is refused (422), naming the extent."""
        from shapely.geometry import Point

        try:
            site = self.site(run)
        except (TwinError, OSError, ValueError):
            return None
        if site.extent is not None:
            xmin, ymin, xmax, ymax = site.extent
            if not (xmin <= x <= xmax and ymin <= y <= ymax):
                extent = f"inside the territory ({xmin:.1f} <= x <= {xmax:.1f}, {ymin:.1f} <= y <= {ymax:.1f})"
                raise ScenarioError(message("body", "point", extent, [x, y]))
        frame = site.footprints
        if frame is None or not frame.sindex:
            return None
        hits = frame.sindex.query(Point(x, y), predicate="intersects")
        return str(frame["id"].iat[int(hits[0])]) if len(hits) else None

    def crs(self, run: str) -> str | None:
        """The run's CRS (of its elevation map), for exports in WGS 84."""
        try:
            return self.site(run).crs
        except (TwinError, OSError, ValueError):
            return None


def _footprints(path):
    """The buildings layer of a run's ``impacts.gpkg`` (id and geometry), or None where there is none to read."""
    import geopandas as gpd
    import pyogrio

    if not path.is_file():
        return None
    try:
        layers = [name for name, _ in pyogrio.list_layers(path) if name.startswith("buildings_")]
        return gpd.read_file(path, layer=layers[0], columns=["id"]) if layers else None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
        return None  # a damaged file: comments find no building, and the run's own pages say what is wrong


def _ground(path) -> tuple[tuple[float, float, float, float] | None, str | None]:
    """The extent and CRS of a run's elevation map, or (None, None)."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            return tuple(src.bounds), (src.crs.to_string() if src.crs else None)
    except (OSError, rasterio.errors.RasterioError):
        return None, None
