"""Sky view factor and walls of the heat engine: analytical geometries and kernel-vs-py_func checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.heat import _kernels, geometry


def _canyon(hw: float, *, width: int = 21, length: int = 401, wall_depth: int = 20) -> tuple[np.ndarray, float]:
    """An east-west street ``width`` cells wide between two blocks of height H = hw·width (1 m cells)."""
    height = hw * width
    z = np.full((2 * wall_depth + width, length), height, dtype=np.float32)
    z[wall_depth : wall_depth + width, :] = 0.0
    return z, height


def test_svf_of_open_flat_ground_is_one():
    # Tolerance 0.01 (issue 5); flat ground has no horizon at all, so the value is exactly 1.
    svf = geometry.sky_view_factor(np.full((40, 50), 37.5), cell_size=5.0, n_azimuths=32, radius_m=100.0)
    assert np.abs(svf - 1.0).max() <= 0.01


@pytest.mark.parametrize("hw", [0.5, 1.0, 2.0])
def test_svf_at_the_centre_of_an_infinite_canyon(hw):
    # Analytical SVF at the floor centre of an infinite canyon: cos(arctan(2H/W)) (Oke 1987). Tolerance 0.02.
    # The canyon is 401 m long and the radius 200 m, so the rays from its centre never run out of walls.
    z, _ = _canyon(hw)
    svf = geometry.sky_view_factor(z, cell_size=1.0, n_azimuths=32, radius_m=200.0)
    centre = svf[z.shape[0] // 2, z.shape[1] // 2]
    assert centre == pytest.approx(math.cos(math.atan(2.0 * hw)), abs=0.02)


def test_svf_at_the_foot_of_a_single_infinite_wall():
    # A 30 m wall along the grid's x axis; the cell touching it sees half the sky. Tolerance 0.02.
    z = np.zeros((60, 401), dtype=np.float32)
    z[:20, :] = 30.0
    svf = geometry.sky_view_factor(z, cell_size=1.0, n_azimuths=32, radius_m=200.0)
    assert svf[20, 200] == pytest.approx(0.5, abs=0.02)


def test_svf_grows_away_from_a_wall_and_stays_in_0_1():
    z = np.zeros((60, 201), dtype=np.float32)
    z[:20, :] = 30.0
    svf = geometry.sky_view_factor(z, cell_size=1.0, n_azimuths=32, radius_m=100.0)
    column = svf[20:, 100]
    assert (np.diff(column) >= -1e-6).all()
    assert svf.min() >= 0.0 and svf.max() <= 1.0


def test_horizon_steps_go_outward_along_each_azimuth():
    di, dj, inv, starts = geometry.horizon_steps(n_azimuths=8, radius_m=10.0, cell_size=2.0)
    assert starts.size == 9 and starts[-1] == di.size
    for a in range(8):
        seg = slice(starts[a], starts[a + 1])
        dist = np.hypot(di[seg], dj[seg])
        assert (np.diff(dist) > 0).all()  # nearest first
        # 1 / (centre distance − half a cell): the near face of the obstacle cell, m⁻¹
        np.testing.assert_allclose(inv[seg], 1.0 / (2.0 * dist - 1.0), rtol=1e-6)
    # the first azimuth is 11.25° east of north: its first step is one cell north (row − 1)
    assert (di[0], dj[0]) == (-1, 0)


def test_svf_kernel_matches_its_python_function():
    rng = np.random.default_rng(5)
    z = (rng.random((9, 11)) * 10.0).astype(np.float32)
    di, dj, inv, starts = geometry.horizon_steps(n_azimuths=8, radius_m=4.0, cell_size=1.0)
    fast, slow = np.empty_like(z), np.empty_like(z)
    _kernels.svf_horizon(z, di, dj, inv, starts, 4, np.empty_like(z), fast)
    _kernels.svf_horizon.py_func(z, di, dj, inv, starts, 4, np.empty_like(z), slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-6)


def test_svf_does_not_depend_on_the_parallel_block_size():
    rng = np.random.default_rng(6)
    z = (rng.random((23, 17)) * 10.0).astype(np.float32)
    di, dj, inv, starts = geometry.horizon_steps(n_azimuths=16, radius_m=6.0, cell_size=1.0)
    a, b = np.empty_like(z), np.empty_like(z)
    _kernels.svf_horizon(z, di, dj, inv, starts, 1, np.empty_like(z), a)
    _kernels.svf_horizon(z, di, dj, inv, starts, 8, np.empty_like(z), b)
    np.testing.assert_array_equal(a, b)


def test_walls_of_a_block():
    z = np.zeros((8, 8))
    z[2:5, 3:6] = 12.0  # a 3 x 3 block of 12 m
    height, aspect = geometry.walls(z, cell_size=2.0, min_height_m=2.0)
    assert height[3, 4] == 0.0 and aspect[3, 4] == -1.0  # the roof's middle cell has no wall
    assert height[2, 4] == 12.0 and aspect[2, 4] == pytest.approx(0.0)  # north face looks north
    assert height[3, 5] == 12.0 and aspect[3, 5] == pytest.approx(90.0)  # east face
    assert height[4, 4] == 12.0 and aspect[4, 4] == pytest.approx(180.0)  # south face
    assert height[3, 3] == 12.0 and aspect[3, 3] == pytest.approx(270.0)  # west face
    assert aspect[2, 5] == pytest.approx(45.0)  # north-east corner
    assert height[0, 0] == 0.0 and (height[z == 0] == 0).all()


def test_wall_kernel_matches_its_python_function():
    rng = np.random.default_rng(7)
    z = rng.random((7, 9)) * 20.0
    out = [np.empty_like(z) for _ in range(4)]
    _kernels.wall_geometry(z, 2.0, out[0], out[1])
    _kernels.wall_geometry.py_func(z, 2.0, out[2], out[3])
    np.testing.assert_allclose(out[0], out[2])
    np.testing.assert_allclose(out[1], out[3])


def test_tree_surfaces():
    top, base, trans = geometry.tree_surfaces(
        np.full((2, 2), 10.0),
        np.array([[0.0, 0.5], [1.0, 0.2]]),
        tree_height_m=12.0,
        trunk_height_m=3.0,
        transmissivity=0.05,
    )
    assert top[0, 0] < 10.0 and base[0, 0] < 10.0  # no crown where no canopy
    assert top[1, 0] == 22.0 and base[1, 0] == 13.0
    # a ray crossing the cell keeps 1 − c·(1 − τ) of the beam
    np.testing.assert_allclose(trans, [[1.0, 1 - 0.5 * 0.95], [0.05, 1 - 0.2 * 0.95]])
