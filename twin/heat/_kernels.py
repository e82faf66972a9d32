"""Numba kernels of the heat engine: sky view factor, shadows and walls.

Contract (docs/architecture.md, "The plan it grew from"): contiguous arrays in, outputs written into arrays the
caller gives; no validation, no xarray, no exceptions, no allocation in the
loops; every length and constant is an argument. The wrappers in
``geometry.py`` and ``sun.py`` validate, build the step tables and call them.

Grid conventions: arrays are (ny, nx), row 0 is the north edge, so a move of
``(di, dj)`` cells goes ``-di`` cells north and ``dj`` cells east. Azimuths are
clockwise from north. The surface (DSM) is a raster of flat-topped prisms.

Caching: every kernel is compiled with ``cache=True``. A cold compile of the
three kernels costs 6-8 s, which every CLI run and batch worker would pay again
without a cache; a fresh process loads them from the cache in about 1 s. Numba
keys its cache by source file and signature and writes its index atomically, so
concurrent workers at worst both compile. ``benchmarks/heat.py`` measures both
costs (``compile_cold_s``, ``compile_cached_s``). ``svf_horizon`` and
``shadow_sunlit`` are row-parallel (``prange``); ``wall_geometry`` is serial.
"""

from __future__ import annotations

import math

import numba as nb
from numba import prange

_OPTS = {"cache": True, "nogil": True}


@nb.njit(parallel=True, **_OPTS)
def svf_horizon(surface, step_di, step_dj, step_inv, az_start, block_rows, horizon, svf):
    """Sky view factor by the horizon-angle method, written into ``svf``.

    For each azimuth ``a`` the steps ``az_start[a] <= s < az_start[a + 1]`` are
    the cell offsets ``(step_di[s], step_dj[s])`` along the ray, nearest first,
    and ``step_inv[s]`` is 1 / (horizontal distance, m) to the near face of
    that cell. The horizon tangent is ``max_s (z[s] - z0) * step_inv[s]``
    (floored at 0: a horizon below the horizontal does not add sky), and
    ``svf = mean_a 1 / (1 + tan²) = 1 - mean_a sin²(horizon angle)``. A ray
    stops at the grid edge (nothing beyond it is seen).

    The loops run block of ``block_rows`` rows by block (``prange``), then
    azimuth, step and row, with the column loop innermost, so that it
    vectorises and a block's ``horizon`` rows stay in cache. ``horizon`` is
    scratch of the shape of ``surface``; all arrays float32 except the int
    tables.
    """
    ny, nx = surface.shape
    zero = surface.dtype.type(0.0)
    n_az = az_start.size - 1
    n_blocks = (ny + block_rows - 1) // block_rows
    for b in prange(n_blocks):
        r0 = b * block_rows
        r1 = min(ny, r0 + block_rows)
        for i in range(r0, r1):
            for j in range(nx):
                svf[i, j] = 0.0
        for a in range(n_az):
            for i in range(r0, r1):
                for j in range(nx):
                    horizon[i, j] = 0.0
            for s in range(az_start[a], az_start[a + 1]):
                di = step_di[s]
                dj = step_dj[s]
                inv = step_inv[s]
                j0 = max(0, -dj)
                j1 = min(nx, nx - dj)
                for i in range(r0, r1):
                    ii = i + di
                    if ii < 0 or ii >= ny:
                        continue
                    # Row views from index 0 and an unconditional store (+0.0): LLVM then vectorises with
                    # plain loads/stores instead of masked stores, which are microcoded on AMD (6x faster).
                    far = surface[ii, j0 + dj : j1 + dj]
                    near = surface[i, j0:j1]
                    hor = horizon[i, j0:j1]
                    for j in range(j1 - j0):
                        t = (far[j] - near[j]) * inv
                        h = hor[j]
                        hor[j] = (t if t > h else h) + zero
            for i in range(r0, r1):
                for j in range(nx):
                    t = horizon[i, j]
                    svf[i, j] += 1.0 / (1.0 + t * t)
        for i in range(r0, r1):
            for j in range(nx):
                svf[i, j] /= n_az


@nb.njit(parallel=True, **_OPTS)
def shadow_sunlit(surface, veg_top, veg_base, veg_trans, d_row, d_col, step, rise, z_max, sunlit, clear):
    """Share of the direct beam reaching each cell (0..1), written into ``sunlit``.

    A ray leaves each cell centre towards the sun: it moves ``step`` cells per
    sample along the unit direction ``(d_row, d_col)`` and rises by ``rise``
    m per cell of horizontal distance (tan(elevation) × cell size). The cell is in shadow
    (0) as soon as a sample's ``surface`` is above the ray. Where the ray passes
    through a tree crown (``veg_base < ray < veg_top``) the beam is multiplied
    by that cell's ``veg_trans`` once per crossed cell. The march stops when the
    ray rises above ``z_max`` (the highest surface or crown) or leaves the grid.
    The cell's own crown is not counted here (the caller applies it). Heights
    in m; a cell without trees has ``veg_top`` below its ground. ``clear`` gets
    1 where no surface blocks the ray and 0 where one does, so that the beam
    the crowns intercept is ``clear − sunlit``.
    """
    ny, nx = surface.shape
    for i in prange(ny):
        for j in range(nx):
            z0 = surface[i, j]
            trans = 1.0
            seen = 1.0
            last_i = i
            last_j = j
            k = 1
            while True:
                dist = k * step
                z_ray = z0 + dist * rise
                if z_ray > z_max:
                    break
                fi = i + dist * d_row
                fj = j + dist * d_col
                ii = math.floor(fi + 0.5)
                jj = math.floor(fj + 0.5)
                if ii < 0 or ii >= ny or jj < 0 or jj >= nx:
                    break
                if surface[ii, jj] > z_ray:
                    trans = 0.0
                    seen = 0.0
                    break
                if (ii != last_i or jj != last_j) and veg_top[ii, jj] > z_ray and veg_base[ii, jj] < z_ray:
                    trans *= veg_trans[ii, jj]
                last_i = ii
                last_j = jj
                k += 1
            sunlit[i, j] = trans
            clear[i, j] = seen


@nb.njit(**_OPTS)  # serial: one pass over four neighbours is memory-bound and takes milliseconds
def wall_geometry(surface, min_height, height, aspect):
    """Wall height (m) and the azimuth its face looks to (degrees from north), per cell.

    A cell holds a wall when it stands more than ``min_height`` m above one of
    its four neighbours; the wall height is the largest such drop. The aspect
    is the direction of the height-weighted sum of the drops (north = row - 1,
    east = column + 1), i.e. where the face looks; cells without a wall get
    height 0 and aspect -1. Cells on the grid edge compare with their in-grid
    neighbours only.
    """
    ny, nx = surface.shape
    for i in range(ny):
        for j in range(nx):
            z = surface[i, j]
            h_max = 0.0
            north = 0.0
            east = 0.0
            if i > 0:
                d = z - surface[i - 1, j]
                if d > min_height:
                    north += d
                    h_max = max(h_max, d)
            if i < ny - 1:
                d = z - surface[i + 1, j]
                if d > min_height:
                    north -= d
                    h_max = max(h_max, d)
            if j < nx - 1:
                d = z - surface[i, j + 1]
                if d > min_height:
                    east += d
                    h_max = max(h_max, d)
            if j > 0:
                d = z - surface[i, j - 1]
                if d > min_height:
                    east -= d
                    h_max = max(h_max, d)
            height[i, j] = h_max
            if h_max > 0.0:
                if north == 0.0 and east == 0.0:  # walls on opposite sides cancel: a thin wall, say north
                    aspect[i, j] = 0.0
                else:
                    aspect[i, j] = math.degrees(math.atan2(east, north)) % 360.0
            else:
                aspect[i, j] = -1.0
