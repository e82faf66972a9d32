"""Urban geometry from the surface model: sky view factor, walls, and the surfaces the sun sees.

The surface model (DSM) is the ground plus the buildings, ``elevation +
building_height``, read as a raster of flat-topped prisms. Trees are a second,
porous surface (:func:`tree_surfaces`): they shade (see :mod:`twin.heat.sun`)
but are left out of the sky view factor, which describes the built geometry as
Theeuwes et al. (2017) use it.

Sky view factor, horizon method: for ``n`` azimuths, the horizon angle ``β`` is
the highest elevation of the surface seen from the cell within ``radius``, and

    SVF = 1 − (1/n) Σ sin²β = (1/n) Σ 1 / (1 + tan²β),

which is exact for an infinite canyon (cos(arctan(2H/W)) at its centre) and
for a wall (0.5 at its foot) when the azimuths are dense enough. The azimuths
are the midpoints of ``n`` equal sectors; at the foot of a wall the sampling
error is at most 1/(2n) (0.016 for 32 azimuths), zero when the wall runs along
a sector edge, as grid-aligned walls do. Distances go
to the near face of each obstacle cell (centre distance − half a cell), so a
street of W cells between two blocks is W cells wide. References: Zakšek,
Oštir & Kokalj (2011) for the horizon method; Oke (1987) for the canyon.
"""

from __future__ import annotations

import math

import numpy as np

from . import _kernels

SVF_BLOCK_ROWS = 8  # rows per parallel block: a block's scratch rows stay in L1/L2 (benchmarks/heat.py)


def horizon_steps(*, n_azimuths: int, radius_m: float, cell_size: float) -> tuple[np.ndarray, ...]:
    """Cell offsets along each azimuth, nearest first, for :func:`sky_view_factor`.

    Parameters
    ----------
    n_azimuths : int
        Number of azimuths, evenly spaced clockwise from north, at the
        midpoints of ``n`` equal sectors (``(a + 0.5)·360/n`` degrees), so that
        no ray grazes a wall aligned with the grid.
    radius_m : float
        Search radius, m.
    cell_size : float
        Cell edge, m.

    Returns
    -------
    step_di, step_dj : numpy.ndarray of int64
        Row and column offsets (row + 1 is south).
    step_inv : numpy.ndarray of float32
        1 / distance to the near face of the offset cell, m⁻¹.
    az_start : numpy.ndarray of int64
        Steps of azimuth ``a`` are ``az_start[a]:az_start[a + 1]``.
    """
    n_steps = max(1, math.floor(radius_m / cell_size))
    di_all, dj_all, inv_all, starts = [], [], [], [0]
    for a in range(n_azimuths):
        phi = 2.0 * math.pi * (a + 0.5) / n_azimuths  # midpoints: no ray runs exactly along a grid axis
        last = (0, 0)
        for k in range(1, n_steps + 1):
            off = (round(-k * math.cos(phi)), round(k * math.sin(phi)))
            if off == last:
                continue
            last = off
            dist = cell_size * math.hypot(*off)
            di_all.append(off[0])
            dj_all.append(off[1])
            inv_all.append(1.0 / (dist - 0.5 * cell_size))
        starts.append(len(di_all))
    return (
        np.asarray(di_all, dtype=np.int64),
        np.asarray(dj_all, dtype=np.int64),
        np.asarray(inv_all, dtype=np.float32),
        np.asarray(starts, dtype=np.int64),
    )


def sky_view_factor(
    surface: np.ndarray, *, cell_size: float, n_azimuths: int = 32, radius_m: float = 100.0
) -> np.ndarray:
    """Sky view factor of each cell of a surface model, 0..1.

    Parameters
    ----------
    surface : numpy.ndarray
        Surface heights (ground + buildings), m, shape (ny, nx), finite.
    cell_size : float
        Cell edge, m.
    n_azimuths : int, optional
        Azimuths of the horizon search (32 by default).
    radius_m : float, optional
        Search radius, m (100 m by default). Obstacles farther away, or beyond
        the grid edge, are not seen, so SVF is biased high within ``radius_m``
        of the edge.

    Returns
    -------
    numpy.ndarray
        SVF, float32, shape of ``surface``.
    """
    z = np.ascontiguousarray(surface, dtype=np.float32)
    di, dj, inv, starts = horizon_steps(n_azimuths=n_azimuths, radius_m=radius_m, cell_size=cell_size)
    svf = np.empty_like(z)
    scratch = np.empty_like(z)
    _kernels.svf_horizon(z, di, dj, inv, starts, SVF_BLOCK_ROWS, scratch, svf)
    return svf


def walls(surface: np.ndarray, *, cell_size: float, min_height_m: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Wall height and aspect of each cell.

    A wall cell stands more than ``min_height_m`` above one of its four
    neighbours; it lies on the edge of a building (or a terrain step).

    Parameters
    ----------
    surface : numpy.ndarray
        Surface heights (ground + buildings), m.
    cell_size : float
        Cell edge, m (kept for a uniform signature; heights do not depend on it).
    min_height_m : float, optional
        Smallest drop counted as a wall, m.

    Returns
    -------
    height : numpy.ndarray
        Wall height, m (0 where no wall), float32.
    aspect : numpy.ndarray
        Azimuth the wall face looks to, degrees clockwise from north, 0..360
        (-1 where no wall), float32.
    """
    z = np.ascontiguousarray(surface, dtype=np.float64)
    height = np.empty(z.shape, dtype=np.float64)
    aspect = np.empty(z.shape, dtype=np.float64)
    _kernels.wall_geometry(z, float(min_height_m), height, aspect)
    return height.astype(np.float32), aspect.astype(np.float32)


def tree_surfaces(
    ground: np.ndarray,
    tree_canopy: np.ndarray,
    *,
    tree_height_m: float | np.ndarray,
    trunk_height_m: float,
    transmissivity: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tree crowns as a porous second surface for shadows.

    Every cell with some canopy holds a crown from ``ground + trunk_height_m``
    to ``ground + tree_height_m`` (the cell's own height where it is a raster, as a
    canopy DSM gives it). A tree no taller than the trunk height has its crown from
    half its height to its top. The canopy fraction ``c`` is the chance that
    a ray crossing the cell meets leaves, and the leaves pass ``transmissivity``
    of the beam, so the cell passes ``1 − c·(1 − transmissivity)``.

    Parameters
    ----------
    ground : numpy.ndarray
        Ground elevation, m.
    tree_canopy : numpy.ndarray
        Canopy cover of each cell, 0..1.
    tree_height_m : float or numpy.ndarray
        Crown top above the ground, m: one height, or one per cell (finite where there is canopy).
    trunk_height_m : float
        Crown base above the ground, m.
    transmissivity : float
        Share of the direct beam passing through leaves, 0..1.

    Returns
    -------
    top, base : numpy.ndarray
        Crown top and base, m (``ground − 1`` where there is no canopy, so no
        ray is ever inside it), float64.
    transmission : numpy.ndarray
        Share of the beam a crossing ray keeps, 0..1, float64.
    """
    g = np.asarray(ground, dtype=np.float64)
    c = np.clip(np.asarray(tree_canopy, dtype=np.float64), 0.0, 1.0)
    has = c > 0.0
    h = np.asarray(tree_height_m, dtype=np.float64)
    top = np.where(has, g + h, g - 1.0)
    base = np.where(has, g + np.where(h > trunk_height_m, trunk_height_m, 0.5 * h), g - 1.0)
    return top, base, 1.0 - c * (1.0 - transmissivity)
