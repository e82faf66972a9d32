"""The analysis grid: one CRS, one square cell size, north-up bounds.

Every raster layer of a territory lives on the same :class:`Grid`. Coordinates
are cell centres in metres of a projected CRS, ``y`` decreasing (north-up), as
GeoTIFF and QGIS expect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from .errors import CRSError, message


def parse_crs(value: object, *, where: str) -> CRS:
    """Return a projected CRS in metres, or raise :class:`CRSError` naming ``where``.

    Parameters
    ----------
    value : object
        A :class:`rasterio.crs.CRS`, or anything ``CRS.from_user_input`` reads (``"EPSG:2154"``, WKT, an EPSG code).
    where : str
        What the CRS belongs to, for the error message.

    Returns
    -------
    rasterio.crs.CRS

    Raises
    ------
    CRSError
        Not a CRS, a geographic CRS, or one whose units are not metres.
    """
    try:
        crs = value if isinstance(value, CRS) else CRS.from_user_input(value)
    except Exception as exc:  # rasterio raises its own CRSError subclasses
        raise CRSError(message(where, "crs", "a CRS such as 'EPSG:2154'", value)) from exc
    if not crs.is_projected:
        raise CRSError(message(where, "crs", "a projected CRS in metres (e.g. EPSG:2154)", crs.to_string()))
    if crs.linear_units_factor[1] != 1.0:
        raise CRSError(message(where, "crs units", "metres", crs.linear_units_factor[0]))
    return crs


@dataclass(frozen=True)
class Grid:
    """A regular north-up grid of square cells.

    Parameters
    ----------
    crs : rasterio.crs.CRS
        A projected CRS in metres.
    x0, y0 : float
        Coordinates of the upper-left corner of the upper-left cell, m.
    cell_size : float
        Cell edge length, m.
    width, height : int
        Number of columns (``x``) and rows (``y``).
    """

    crs: CRS
    x0: float
    y0: float
    cell_size: float
    width: int
    height: int

    @classmethod
    def from_bounds(
        cls, *, crs: object, bounds: tuple[float, float, float, float], cell_size: float, where: str = "grid"
    ) -> Grid:
        """Grid covering ``bounds = (xmin, ymin, xmax, ymax)`` in m, snapped outward to whole cells.

        Parameters
        ----------
        crs : object
            A projected CRS in metres, as :func:`parse_crs` takes it.
        bounds : tuple of float
            ``(xmin, ymin, xmax, ymax)``, m.
        cell_size : float
            Cell edge length, m.
        where : str
            What the grid is for, for the error messages.

        Returns
        -------
        Grid
            Its upper-left corner at ``(xmin, ymax)``; the right and bottom edges may extend past the bounds.

        Raises
        ------
        CRSError
            A CRS :func:`parse_crs` refuses, a cell size that is not a positive number, or empty bounds.
        """
        xmin, ymin, xmax, ymax = (float(b) for b in bounds)
        if not (cell_size > 0 and math.isfinite(cell_size)):
            raise CRSError(message(where, "cell_size", "a positive number of metres", cell_size))
        if not (xmax > xmin and ymax > ymin):
            raise CRSError(
                message(where, "bounds", "[xmin, ymin, xmax, ymax] with xmax > xmin and ymax > ymin", bounds)
            )
        width = math.ceil(round((xmax - xmin) / cell_size, 6))
        height = math.ceil(round((ymax - ymin) / cell_size, 6))
        return cls(parse_crs(crs, where=where), xmin, ymax, float(cell_size), width, height)

    @classmethod
    def from_transform(cls, *, crs: object, transform: Affine, width: int, height: int, where: str = "grid") -> Grid:
        """Grid from a rasterio affine transform; the cells must be square and north-up.

        Parameters
        ----------
        crs : object
            A projected CRS in metres, as :func:`parse_crs` takes it.
        transform : affine.Affine
            From (column, row) to (x, y) of a cell's upper-left corner, m.
        width, height : int
            Number of columns and rows.
        where : str
            What the grid is for, for the error messages.

        Returns
        -------
        Grid

        Raises
        ------
        CRSError
            A CRS :func:`parse_crs` refuses, or a rotated, sheared or non-square transform.
        """
        a, b, c, d, e, f = transform[:6]
        if b != 0 or d != 0 or e >= 0 or not math.isclose(a, -e, rel_tol=1e-6):
            raise CRSError(message(where, "transform", "north-up with square cells", tuple(transform[:6])))
        return cls(parse_crs(crs, where=where), c, f, float(a), int(width), int(height))

    @property
    def transform(self) -> Affine:
        """Affine transform from (col, row) to (x, y) of the cell's upper-left corner."""
        return Affine(self.cell_size, 0.0, self.x0, 0.0, -self.cell_size, self.y0)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``, the shape of every raster layer."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` in m."""
        return (self.x0, self.y0 - self.height * self.cell_size, self.x0 + self.width * self.cell_size, self.y0)

    @property
    def cell_area(self) -> float:
        """Area of one cell, m²."""
        return self.cell_size * self.cell_size

    @property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates, m (increasing)."""
        return self.x0 + (np.arange(self.width) + 0.5) * self.cell_size

    @property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates, m (decreasing: row 0 is the north edge)."""
        return self.y0 - (np.arange(self.height) + 0.5) * self.cell_size

    def centre_lonlat(self) -> tuple[float, float]:
        """Longitude and latitude of the grid's centre, degrees (WGS 84): where the sun is computed.

        Returns
        -------
        lon : float
            Longitude, degrees east.
        lat : float
            Latitude, degrees north.
        """
        from pyproj import Transformer

        xmin, ymin, xmax, ymax = self.bounds
        to_wgs84 = Transformer.from_crs(self.crs.to_wkt(), "EPSG:4326", always_xy=True)
        lon, lat = to_wgs84.transform((xmin + xmax) / 2, (ymin + ymax) / 2)
        return float(lon), float(lat)

    def describe(self) -> str:
        """One line for humans: size, cell size, CRS and extent.

        Returns
        -------
        str
            Such as ``"400 x 300 cells of 5 m, EPSG:2154, x 431000.0..433000.0 m, y 6711000.0..6712500.0 m"``.
        """
        xmin, ymin, xmax, ymax = self.bounds
        return (
            f"{self.width} x {self.height} cells of {self.cell_size:g} m, {self.crs.to_string()}, "
            f"x {xmin:.1f}..{xmax:.1f} m, y {ymin:.1f}..{ymax:.1f} m"
        )
