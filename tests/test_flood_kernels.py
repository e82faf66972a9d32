"""Each numba kernel of the flood engine gives what its plain-Python ``py_func`` gives, on tiny random grids."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy import ndimage

from twin.flood import _kernels as k

NY, NX = 7, 9
G = 9.80665
LO, HI = np.zeros(NY, np.int64), np.full(NY, NX, np.int64)  # every column active: the whole grid


def _state(seed: int):
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.0, 0.5, (NY, NX)) * (rng.random((NY, NX)) > 0.2)  # some dry cells
    z = rng.uniform(0.0, 1.0, (NY, NX))
    n = rng.uniform(0.012, 0.1, (NY, NX))
    blocked = rng.random((NY, NX)) > 0.85
    h[blocked] = 0.0
    qx = rng.normal(0.0, 0.05, (NY, NX + 1))
    qy = rng.normal(0.0, 0.05, (NY + 1, NX))
    return rng, h, z, n, blocked, qx, qy


def _named(kernel, args) -> dict:
    """A kernel's arguments by name (the model calls every kernel with keywords)."""
    names = list(inspect.signature(kernel.py_func).parameters)
    assert len(names) == len(args), f"{kernel.__name__} takes {names}"
    return dict(zip(names, args, strict=True))


def _both(kernel, *args, **kwargs):
    """Run the compiled kernel and its py_func, with keywords, on separate copies of the array arguments; returns
    both argument lists (in the kernel's order) and both results."""
    named = _named(kernel, args) if args else kwargs
    a = {n: x.copy() if isinstance(x, np.ndarray) else x for n, x in named.items()}
    b = {n: x.copy() if isinstance(x, np.ndarray) else x for n, x in named.items()}
    ra, rb = kernel(**a), kernel.py_func(**b)
    return list(a.values()), list(b.values()), ra, rb


def _same(a, b):
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("seed", range(3))
def test_face_updates(seed):
    _, h, z, n, blocked, qx, qy = _state(seed)
    for kernel, q_self, q_other, shape in ((k.update_qx, qx, qy, qx.shape), (k.update_qy, qy, qx, qy.shape)):
        out, speed = np.zeros(shape), np.zeros(NY + 1)
        a, b, _, _ = _both(kernel, h, z, n, blocked, q_self, q_other, out, speed, LO, HI, 0.5, 5.0, G, 0.7, 1e-3)
        _same(a, b)
        assert np.abs(a[6]).max() > 0  # something flowed


@pytest.mark.parametrize("seed", range(3))
def test_edges_limiter_and_volumes(seed):
    _, h, z, n, blocked, qx, qy = _state(seed)
    modes, stages = np.array([k.EDGE_FREE, k.EDGE_STAGE, k.EDGE_CLOSED, k.EDGE_FREE]), np.array([0, 1.2, 0, 0])
    a, b, _, _ = _both(
        k.update_edges, h, z, n, blocked, qx, qy, qx.copy(), qy.copy(), modes, stages, 0.001, 0.5, 5.0, G, 1e-3
    )
    _same(a, b)
    factor, limited = np.ones((NY, NX)), np.zeros(NY, np.int8)
    a, b, _, _ = _both(k.outflow_factor, h, qx, qy, factor, limited, LO, HI, 20.0, 5.0)
    _same(a, b)
    assert (a[3] < 1).any() and a[4].any()  # a large step makes some cells ration their outflow
    a, b, _, _ = _both(k.limit_faces, qx, qy, a[3], a[4], LO, HI)
    _same(a, b)
    _, _, ra, rb = _both(k.edge_volumes, qx, qy, 0.5, 5.0)
    assert ra == pytest.approx(rb, rel=1e-12)


def _continuity_args(mode: int, skips: bool) -> list:
    """Arguments of ``continuity`` on a random state; with ``skips`` the rain is uniform and there is no
    retention or drainage, and the flags say so."""
    rng, h, _, _, blocked, qx, qy = _state(4)
    shape = (NY, NX)
    return [
        h,
        qx * 0.01,
        qy * 0.01,
        blocked,
        0.002,
        np.ones(shape) if skips else rng.uniform(0.5, 1.5, shape),
        np.full(shape, 0.0 if skips else 0.001),
        np.zeros(shape),
        rng.uniform(0, 1e-5, shape),
        np.full(shape, 0.03),
        np.full(shape, 0.05),
        np.zeros(shape),
        0.01,
        np.full(shape, 0.0 if skips else 1e-6),
        mode,
        100.0,
        0.5,
        5.0,
        0.01,
        0.1,
        np.zeros(shape),
        np.zeros(shape),
        np.full(shape, -1.0),
        np.zeros(shape),
        np.zeros(NY),
        np.zeros(NY),
        np.zeros(NY),
        np.zeros(NY),
        LO,
        HI,
        skips,
        not skips,
        not skips,
        np.zeros(shape),  # residual (read in float32 only)
    ]


@pytest.mark.parametrize("mode", [k.GA_NONE, k.GA_GREEN_AMPT, k.GA_SCS_CN])
@pytest.mark.parametrize("skips", [False, True])
def test_continuity(mode, skips):
    """With ``skips`` the rain is uniform and there is no retention or drainage, and the flags say so."""
    args = _continuity_args(mode, skips)
    a, b, _, _ = _both(k.continuity, *args)
    _same(a, b)
    assert a[0].min() >= 0.0


def test_roofs_inflow_and_velocity_maxima():
    _, h, z, _, blocked, qx, qy = _state(5)
    rows, cols = np.nonzero(blocked)
    targets = (np.zeros_like(rows), np.zeros_like(cols))
    args = (rows, cols, *targets, 0.003, np.ones((NY, NX)), np.full((NY, NX), 0.001), np.zeros((NY, NX)), h)
    a, b, ra, rb = _both(k.route_roofs, *args, False, True, np.zeros((NY, NX)))
    _same(a, b)
    assert ra == pytest.approx(rb) and ra == pytest.approx(0.002 * rows.size)  # 3 mm fall, 1 mm held
    empty = np.zeros((NY, 0))  # uniform rain, no green roofs: pattern, retention and store are not read
    a, b, ra, rb = _both(k.route_roofs, rows, cols, *targets, 0.003, empty, empty, empty, h, True, False, empty)
    _same(a, b)
    assert ra == pytest.approx(rb) and ra == pytest.approx(0.003 * rows.size)  # all 3 mm sent down
    a, b, _, _ = _both(k.add_depth, rows, cols, 0.01, h, empty)
    _same(a, b)
    a, b, _, _ = _both(k.add_depth, *_f32([rows, cols, 0.01, h, np.zeros((NY, NX))]))  # with the residual
    _same32(a, b)
    a, b, _, _ = _both(
        k.velocity_maxima, h, z, qx, qy, blocked, LO, HI, 0.01, 1e-3, np.zeros((NY, NX)), np.zeros((NY, NX))
    )
    _same(a, b)


def _f32(args):
    """The 2-D float64 arrays of ``args`` (the state and per-cell arrays) as float32; row sums, stages and scalars
    stay as they are, as in ``simulate(..., params=FloodParams(precision="float32"))``."""
    return [
        x.astype(np.float32) if isinstance(x, np.ndarray) and x.ndim == 2 and x.dtype == np.float64 else x for x in args
    ]


def _same32(a, b):
    """float32 kernels against their py_func (where NumPy 2 keeps some scalar steps in float64): within
    rtol 1e-5 and atol 1e-6 (m or m²/s; the state is O(0.01..1), so a few float32 ulps). Arrays stay float32."""
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            if x.ndim == 2 and x.dtype.kind == "f":
                assert x.dtype == np.float32
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_float32_kernels(seed):
    _, h, z, n, blocked, qx, qy = _state(seed)
    for kernel, q_self, q_other, shape in ((k.update_qx, qx, qy, qx.shape), (k.update_qy, qy, qx, qy.shape)):
        out, speed = np.zeros(shape), np.zeros(NY + 1)
        args = [h, z, n, blocked, q_self, q_other, out, speed, LO, HI, 0.5, 5.0, G, 0.7, 1e-3]
        a, b, _, _ = _both(kernel, *_f32(args))
        _same32(a, b)
        assert np.abs(a[6]).max() > 0  # something flowed
    modes, stages = np.array([k.EDGE_FREE, k.EDGE_STAGE, k.EDGE_CLOSED, k.EDGE_FREE]), np.array([0, 1.2, 0, 0])
    edge_args = [h, z, n, blocked, qx, qy, qx.copy(), qy.copy(), modes, stages, 0.001, 0.5, 5.0, G, 1e-3]
    a, b, _, _ = _both(k.update_edges, *_f32(edge_args))
    _same32(a, b)
    factor, limited = np.ones((NY, NX)), np.zeros(NY, np.int8)
    a, b, _, _ = _both(k.outflow_factor, *_f32([h, qx, qy, factor, limited, LO, HI, 20.0, 5.0]))
    _same32(a, b)
    assert (a[3] < 1).any() and a[4].any()
    a, b, _, _ = _both(k.limit_faces, *_f32([qx, qy, a[3], a[4], LO, HI]))
    _same32(a, b)
    a, b, _, _ = _both(
        k.velocity_maxima, *_f32([h, z, qx, qy, blocked, LO, HI, 0.01, 1e-3, np.zeros((NY, NX)), np.zeros((NY, NX))])
    )
    _same32(a, b)


@pytest.mark.parametrize("mode", [k.GA_NONE, k.GA_GREEN_AMPT, k.GA_SCS_CN])
def test_float32_continuity(mode):
    """float32 state and per-cell arrays, float64 row sums (which must stay float64)."""
    args = _continuity_args(mode, skips=False)
    a, b, _, _ = _both(k.continuity, *_f32(args))
    _same32(a, b)
    assert a[0].min() >= 0.0 and all(a[i].dtype == np.float64 for i in (24, 25, 26, 27))


def _mostly_dry(seed: int, dtype, ny: int = 16, nx: int = 400):
    """A wide grid wet in one band of varying width per row, the discharges nonzero only on the faces of wet
    cells (as the model keeps them), and the active ranges: the wet cells and their four neighbours."""
    rng = np.random.default_rng(seed)
    wet = np.zeros((ny, nx), bool)
    for i in range(3, ny - 3):
        c, w = rng.integers(80, nx - 80), rng.integers(1, 60)
        wet[i, c - w : c + w] = rng.random(2 * w) > 0.1
    blocked = rng.random((ny, nx)) > 0.9
    wet &= ~blocked
    h = np.where(wet, rng.uniform(0.0, 0.5, (ny, nx)), 0.0)
    z, n = rng.uniform(0.0, 1.0, (ny, nx)), rng.uniform(0.012, 0.1, (ny, nx))
    qx, qy = rng.normal(0.0, 0.05, (ny, nx + 1)), rng.normal(0.0, 0.05, (ny + 1, nx))
    x_wet, y_wet = np.zeros(qx.shape, bool), np.zeros(qy.shape, bool)  # faces of a wet cell
    x_wet[:, :-1] |= wet
    x_wet[:, 1:] |= wet
    y_wet[:-1] |= wet
    y_wet[1:] |= wet
    qx[~x_wet], qy[~y_wet] = 0.0, 0.0
    live = ndimage.binary_dilation(wet)
    rows = live.any(axis=1)
    lo = np.where(rows, live.argmax(axis=1), nx).astype(np.int64)
    hi = np.where(rows, nx - live[:, ::-1].argmax(axis=1), 0).astype(np.int64)
    f = lambda a: a.astype(dtype)  # noqa: E731
    return f(h), f(z), f(n), blocked, f(qx), f(qy), lo, hi


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_active_ranges_give_the_full_sweep_bitwise(dtype, seed):
    """Each grid kernel over the active ranges of a mostly dry grid writes exactly (bit for bit) what it
    writes over the whole grid: the skipped cells and faces cannot change, and the cells that can are done
    on the same code path (vector lanes or scalar remainder) as in the full sweep."""
    h, z, n, blocked, qx, qy, lo, hi = _mostly_dry(seed, dtype)
    ny, nx = h.shape
    assert (hi <= lo).sum() == 4 and ((lo > 64) & (hi < nx - 64)).any()  # empty rows and short ranges
    full_lo, full_hi = np.zeros(ny, np.int64), np.full(ny, nx, np.int64)
    like = np.zeros_like
    factor = np.where(h > 0, 0.5, 1.0).astype(dtype)
    q = dtype(0.01)

    def flux(along, across, lo_, hi_):  # the arguments of update_qx / update_qy: the flux updated, then the other
        return [h, z, n, blocked, along, across, like(along), np.zeros(ny + 1), lo_, hi_, 0.5, 5.0, G, 0.7, 1e-3]

    calls = {
        "update_qx": lambda lo_, hi_: flux(qx, qy, lo_, hi_),
        "update_qy": lambda lo_, hi_: flux(qy, qx, lo_, hi_),
        "outflow_factor": lambda lo_, hi_: [h, qx, qy, np.ones_like(h), np.zeros(ny, np.int8), lo_, hi_, 20.0, 5.0],
        "limit_faces": lambda lo_, hi_: [qx, qy, factor, np.ones(ny, np.int8), lo_, hi_],
        "velocity_maxima": lambda lo_, hi_: [h, z, qx, qy, blocked, lo_, hi_, 0.01, 1e-3, like(h), like(h)],
    }
    for mode in (k.GA_GREEN_AMPT, k.GA_SCS_CN):
        calls[f"continuity_{mode}"] = lambda lo_, hi_, mode=mode: [
            *(h, qx * q, qy * q, blocked, 0.0, np.ones_like(h), like(h), like(h), np.full_like(h, 1e-5)),
            *(np.full_like(h, 0.03), np.full_like(h, 0.05), like(h), 0.01, np.full_like(h, 1e-6), mode),
            *(100.0, 0.5, 5.0, 0.01, 0.1, like(h), like(h), np.full_like(h, -1.0), like(h)),
            *(np.zeros(ny), np.zeros(ny), np.zeros(ny), np.zeros(ny), lo_, hi_, True, False, True, like(h)),
        ]
    for name, args in calls.items():
        kernel = getattr(k, name.split("_")[0] if name.startswith("continuity") else name)
        part = [x.copy() if isinstance(x, np.ndarray) else x for x in args(lo, hi)]
        full = [x.copy() if isinstance(x, np.ndarray) else x for x in args(full_lo, full_hi)]
        kernel(**_named(kernel, part))
        kernel(**_named(kernel, full))
        for i, (x, y) in enumerate(zip(part, full, strict=True)):
            if isinstance(x, np.ndarray) and x.dtype != np.int64:  # not the ranges themselves
                assert np.array_equal(x, y), f"{name}: argument {i}"


def test_grow_active_keeps_every_wet_cell_and_its_neighbours_and_never_shrinks():
    """The ranges after ``grow_active`` are exactly the old ranges joined with the wet cells and their four
    neighbours, row by row (wet cells only ever appear inside the old ranges), and ``full`` says when every
    row is whole."""
    rng = np.random.default_rng(7)
    ny, nx = 30, 50
    cols = np.arange(nx)
    for _ in range(300):
        lo = rng.integers(0, nx - 1, ny)
        hi = np.minimum(lo + rng.integers(1, 30, ny), nx)
        empty = rng.random(ny) < 0.25
        lo[empty], hi[empty] = nx, 0  # as the model writes an empty row
        inside = (cols >= lo[:, None]) & (cols < hi[:, None])
        h = np.where(inside & (rng.random((ny, nx)) < rng.choice([0.02, 0.3])), rng.uniform(0, 1, (ny, nx)), 0.0)
        need = ndimage.binary_dilation(h > 0) | inside
        rows = need.any(axis=1)
        got_lo, got_hi = lo.copy(), hi.copy()
        full = k.grow_active(h, got_lo, got_hi, np.zeros(ny, np.int64), np.zeros(ny, np.int64))
        assert np.array_equal(got_lo, np.where(rows, need.argmax(axis=1), nx))
        assert np.array_equal(got_hi, np.where(rows, nx - need[:, ::-1].argmax(axis=1), 0))
        assert full == bool(need.all())
    lo, hi = np.zeros(ny, np.int64), np.full(ny, nx, np.int64)
    assert k.grow_active(np.zeros((ny, nx)), lo, hi, np.zeros(ny, np.int64), np.zeros(ny, np.int64))
