"""Numba kernels of the local-inertial flood model (Bates et al. 2010; de Almeida et al. 2012).

Contract (docs/architecture.md, "The plan it grew from"): contiguous float arrays in, outputs written into arrays
the caller gives; no validation, no xarray, no exceptions, no allocation in the
loops; physical constants passed in. ``model.py`` validates and wraps them.

Precision: the state (``h``, ``z``, ``n``, ``qx``, ``qy``, ``factor`` and the per-cell arrays) is all float64
or all float32; numba compiles one specialisation per dtype. Scalars and literals in the hot loops are cast
to the state's type (``ft = h.dtype.type``, ``_like``) so that float32 math is not promoted to float64;
volume sums (row infiltration, drainage, clipping, edge volumes) stay float64.

Layout: ``h``, ``z`` are (ny, nx) at cell centres; ``qx`` (ny, nx + 1) holds
the unit discharge (m²/s) through the face west of each column (positive
towards +x); ``qy`` (ny + 1, nx) through the face north of each row (positive
towards +row, i.e. southwards). Blocked cells (buildings as walls) close their
four faces.

Calls: the model calls every kernel with keyword arguments (``update_qx(h=h, z=z, ...)``), so that two arrays of
one dtype cannot be swapped without a word; numba folds them into its positional signature. Arrays are never
passed in tuples to a ``prange`` kernel: numba 0.68 silently loses writes into an array unpacked from a tuple
argument inside a parallel region (tuples of scalars, and of views read only, are safe and used below).

Active ranges: the grid kernels take ``lo``, ``hi`` (ny,), the columns ``[lo[i], hi[i])`` of row ``i`` that
can change in the step (empty when ``lo[i] >= hi[i]``), and leave the rest alone. A cell can change only if
it or a neighbour holds water (a face between two dry cells carries nothing, whatever its old discharge), so
``grow_active`` keeps every wet cell and its four neighbours inside; ranges only grow, so faces and factors
outside them still hold their initial zeros and ones. The results are bitwise those of a full sweep. LLVM
splits each loop into a peeled first iteration, a vector body and a scalar (or narrower) remainder, and under
fast-math these round differently (a vector ``fdiv`` is a reciprocal estimate, a scalar one is exact); so each
loop is widened by ``_MARGIN`` indices on either side (or to the row's end) and starts on a multiple of
``_BLOCK``: every element that can be non-zero then takes the same path, in the same lane (the float64 row
sums are summed lane by lane), as in a full sweep, and only dry elements, which give exact zeros on any path,
can land on another. With every range full (rain, or ``model._SKIP_DRY`` off) the kernels sweep the whole
grid as they did before the ranges.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba import prange
from numba.core import cgutils, types
from numba.extending import intrinsic, overload

_OPTS = {"cache": True, "nogil": True}
# fastmath and numpy's error model (no ZeroDivisionError branch on each division) let LLVM vectorize the
# face and cell loops; benchmarks/flood.py measured the gain and tests/test_flood_kernels.py checks the
# kernels still agree with their plain-Python py_func.
_FAST = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}

GA_NONE, GA_GREEN_AMPT, GA_SCS_CN = 0, 1, 2
EDGE_CLOSED, EDGE_FREE, EDGE_STAGE = 0, 1, 2
# Loops over an active range start on a multiple of _BLOCK and reach _MARGIN indices past it on each side:
# both at least the widest vector step x unroll LLVM takes on these loops (32 with AVX2, at most 16 float32
# lanes x 4 with AVX-512), so that the peel and the remainder only see dry elements.
_BLOCK = _MARGIN = 64


@intrinsic
def _rroot6_bits(typingctx, x):
    """A first guess of x^(-1/6) for x > 0, within 3.1 %: the float32 bit pattern of x divided by -6, plus a
    magic constant (the exponent field is a log2), in LLVM IR so that the face loops still vectorise."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):
        f32, i32 = ir.FloatType(), ir.IntType(32)
        v = args[0]
        f = builder.fptrunc(v, f32) if x.bitwidth == 64 else v
        bits = builder.sub(ir.Constant(i32, _RROOT6_MAGIC), builder.udiv(builder.bitcast(f, i32), ir.Constant(i32, 6)))
        g = builder.bitcast(bits, f32)
        return builder.fpext(g, v.type) if x.bitwidth == 64 else g

    return x(x), codegen


@intrinsic
def _maxnum(typingctx, a, b):
    """llvm.maxnum without NaN handling: the one form of a running maximum that LLVM vectorises."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, signature, args):
        t = args[0].type
        name = "llvm.maxnum.f64" if a.bitwidth == 64 else "llvm.maxnum.f32"
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(t, [t, t]), name)
        return builder.call(fn, args, fastmath=("nnan", "nsz"))

    return a(a, b), codegen


def _like(x, v):
    """``v`` in the floating type of ``x``: a literal that does not promote float32 arithmetic to float64."""
    return type(x)(v)


@overload(_like, inline="always")
def _like_impl(x, v):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x, v: np.float32(v)
    return lambda x, v: np.float64(v)


def _rroot6_steps(x):
    """Fourth-order steps ``_rroot6`` needs before its Newton step: 1 in float32, 2 in float64."""
    return 1 if isinstance(x, np.float32) else 2


@overload(_rroot6_steps, inline="always")
def _rroot6_steps_impl(x):
    n = 1 if isinstance(x, types.Float) and x.bitwidth == 32 else 2
    return lambda x: n


def _compensated(x):
    """Whether the depths of ``x``'s type carry a residual (``continuity``'s ``residual``): float32 only."""
    return isinstance(x, np.float32)


@overload(_compensated, inline="always")
def _compensated_impl(x):
    flag = isinstance(x, types.Float) and x.bitwidth == 32
    return lambda x: flag


@nb.njit(inline="always")
def _settle(h, e, d):
    """A float32 depth ``h`` and its residual ``e`` (m, what rounding to float32 left out of it) after a change
    ``d``: the sum in float64, rounded to ``h``'s type, and what that rounding left out. ``h + e`` is the depth to
    float64 round-off, so that no water is lost to rounding (a change under half an ulp of a deep cell would
    otherwise vanish, the same way every step). Fast-math does not fold it: ``x - f64(f32(x))`` is no algebra."""
    x = np.float64(h) + (np.float64(e) + np.float64(d))
    hn = _like(h, x)
    return hn, _like(h, x - np.float64(hn))


@nb.njit(inline="always")
def _fmax(a, b):
    return _maxnum(a, _like(a, b))  # compiled, so that py_func can call it (b cast: a no-op in the kernels)


_RROOT6_MAGIC = 0x4A0E2965  # minimises the largest error of the guess over 1e-7 <= x <= 1e5


@nb.njit(inline="always")
def _rroot6_seed(x):
    return _rroot6_bits(x)  # a compiled call, so that the kernels' py_func can use it too


@nb.njit(inline="always")
def _rroot6(x):
    """x^(-1/6) for x > 0 to round-off, with multiplications only (no cbrt, sqrt or division).

    From the 3 % guess, two fourth-order steps v <- v(1 + r/6 + 7r²/72 + 91r³/1296), r = 1 - x·v⁶, bring the
    error to 1e-14 and a Newton step to round-off. Then h^(-7/3) = v¹⁴, 1/h = v⁶ and sqrt(h) = h·v³.
    In float32 one fourth-order step (7e-5) and the Newton step reach round-off (1.0e-7, as with two;
    float32's half ulp is 6e-8), all in float32 arithmetic.
    """
    one, c1, c2, c3 = _like(x, 1.0), _like(x, 1.0 / 6.0), _like(x, 7.0 / 72.0), _like(x, 91.0 / 1296.0)
    v = _rroot6_seed(x)
    for _ in range(_rroot6_steps(x)):
        v3 = v * v * v
        r = one - x * v3 * v3
        v = v * (one + r * (c1 + r * (c2 + r * c3)))
    v3 = v * v * v
    return v + v * (one - x * v3 * v3) * c1


@nb.njit(inline="always")
def _span(a, b, end):
    """The loop range ``[a, b)`` widened by ``_MARGIN`` each side, started on a multiple of ``_BLOCK``, cut
    to ``[0, end)`` (see the module's docstring)."""
    a = max(a - _MARGIN, 0) // _BLOCK * _BLOCK
    b = min(b + _MARGIN, end)
    return a, max(a, b)


@nb.njit(inline="always")
def _active_rows(lo, hi):
    """The rows from the first to the last with a non-empty range (``r0 >= r1`` when there is none).

    The kernels run ``prange`` over these only, so that the two halves the threads get both hold water.
    """
    r0, r1 = lo.size, 0
    for i in range(lo.size):
        if lo[i] < hi[i]:
            r0 = min(r0, i)
            r1 = i + 1
    return r0, r1


@nb.njit(inline="always")
def _zero_outside(values, r0, r1):
    """Zero the per-row results of the rows before ``r0`` and from ``r1`` on (what a full sweep finds there)."""
    for i in range(min(r0, values.size)):
        values[i] = 0
    for i in range(max(r1, r0), values.size):
        values[i] = 0


@nb.njit(inline="always")
def _face(q0, q_left, q_right, q_cross, eta_l, eta_r, z_l, z_r, n_face, is_open, c):
    """One face of the momentum equation with θ-centring and semi-implicit friction: (q m²/s, celerity m/s).

    ``c`` is ``(g·dt, 1/dx, sqrt(g), θ, h_min)``. The celerity |u| + sqrt(g·h) bounds the next time step. Dry
    (h_f <= h_min) and closed faces give (0, 0). Written without branches (selects only) so that the loops over
    faces vectorise. The scalars come in the type of the state (float32 or float64) and the literals follow it.
    """
    gdt, inv_dx, sqrt_g, theta, h_min = c
    zero, one, half = _like(q0, 0.0), _like(q0, 1.0), _like(q0, 0.5)
    hf = max(eta_l, eta_r) - max(z_l, z_r)
    wet = (hf > h_min) & is_open
    hf = max(hf, h_min)
    slope = (eta_r - eta_l) * inv_dx
    qbar = theta * q0 + half * (one - theta) * (q_left + q_right)
    qbar = q0 if qbar * slope > zero else qbar  # centred value points uphill: the face's own (de Almeida 2012)
    qmag = math.sqrt(qbar * qbar + q_cross * q_cross)
    v = _rroot6(hf)
    v2 = v * v
    v6 = v2 * v2 * v2
    q = (qbar - gdt * hf * slope) / (one + gdt * n_face * n_face * qmag * (v6 * v6 * v2))
    q = q if wet else zero
    speed = abs(q) * v6 + sqrt_g * hf * v2 * v
    return q, (speed if wet else zero)


@nb.njit(inline="always")
def _x_face(j, q_left, q_right, row, c):
    """The x-face west of column ``j`` of a row, from that row's views ``(h, z, n, blocked, qx, qy north,
    qy south)``, read only (for the first and last faces)."""
    hr, zr, nr, br, q, qn, qs = row
    return _face(
        q[j],
        q_left,
        q_right,
        _like(q[j], 0.25) * (qn[j - 1] + qs[j - 1] + qn[j] + qs[j]),
        zr[j - 1] + hr[j - 1],
        zr[j] + hr[j],
        zr[j - 1],
        zr[j],
        _like(q[j], 0.5) * (nr[j - 1] + nr[j]),
        (not br[j - 1]) & (not br[j]),
        c,
    )


@nb.njit(parallel=True, **_FAST)
def update_qx(h, z, n, blocked, qx, qy, out, row_speed, lo, hi, dt, dx, g, theta, h_min):
    """Interior x-faces: ``out[:, 1:nx]`` from the old ``qx``, ``qy``; edges are left to ``update_edges``.

    Only the faces of the active range ``[lo[i], hi[i]]`` of each row (see the module's docstring) are
    written. ``row_speed[i]`` receives the largest face celerity of row ``i`` (for the next time step). The
    first and last interior faces, whose centring uses their own value for the missing neighbour, are peeled
    off; the others run over row views offset so that every index is ``j`` (an index ``j - 1`` makes
    numba's negative-index wraparound a select that stops LLVM vectorising: 5x slower).
    """
    nx = h.shape[1]
    ft = h.dtype.type
    c = ft(g * dt), ft(1.0 / dx), ft(math.sqrt(g)), ft(theta), ft(h_min)  # as _face takes them
    quarter, half = ft(0.25), ft(0.5)
    r0, r1 = _active_rows(lo, hi)
    _zero_outside(row_speed, r0, r1)
    for i in prange(r0, r1):
        speed = ft(0.0)
        if lo[i] >= hi[i]:
            row_speed[i] = speed
            continue
        a, b = _span(lo[i] - 2, hi[i] - 1, nx - 3)  # face j + 2 is index j below: faces lo .. hi
        if b > a:  # faces 2 .. nx - 2: west cell j + 1, east cell j + 2 in the views below
            hw, he, zw, ze, nw, ne = (
                h[i, 1 + a :],
                h[i, 2 + a :],
                z[i, 1 + a :],
                z[i, 2 + a :],
                n[i, 1 + a :],
                n[i, 2 + a :],
            )
            bw, be, qw, q0, qe = (
                blocked[i, 1 + a :],
                blocked[i, 2 + a :],
                qx[i, 1 + a :],
                qx[i, 2 + a :],
                qx[i, 3 + a :],
            )
            yw_n, ye_n, yw_s, ye_s = qy[i, 1 + a :], qy[i, 2 + a :], qy[i + 1, 1 + a :], qy[i + 1, 2 + a :]
            o = out[i, 2 + a :]
            for j in range(b - a):
                f, celerity = _face(
                    q0[j],
                    qw[j],
                    qe[j],
                    quarter * (yw_n[j] + yw_s[j] + ye_n[j] + ye_s[j]),
                    zw[j] + hw[j],
                    ze[j] + he[j],
                    zw[j],
                    ze[j],
                    half * (nw[j] + ne[j]),
                    (not bw[j]) & (not be[j]),
                    c,
                )
                o[j] = f
                speed = _fmax(speed, celerity)
        row, q = (h[i], z[i], n[i], blocked[i], qx[i], qy[i], qy[i + 1]), qx[i]
        if nx >= 2:
            f, celerity = _x_face(1, q[1], q[2] if nx > 2 else q[1], row, c)
            out[i, 1] = f
            speed = max(speed, celerity)
        if nx >= 3:
            f, celerity = _x_face(nx - 1, q[nx - 2], q[nx - 1], row, c)
            out[i, nx - 1] = f
            speed = max(speed, celerity)
        row_speed[i] = speed


@nb.njit(parallel=True, **_FAST)
def update_qy(h, z, n, blocked, qy, qx, out, row_speed, lo, hi, dt, dx, g, theta, h_min):
    """Interior y-faces: ``out[1:ny, :]`` from the old ``qy``, ``qx``; ``row_speed[i]`` as in ``update_qx``.

    Face row ``i`` (between cell rows ``i - 1`` and ``i``) is done over the columns active in either row.
    """
    ny, nx = h.shape
    ft = h.dtype.type
    c = ft(g * dt), ft(1.0 / dx), ft(math.sqrt(g)), ft(theta), ft(h_min)  # as _face takes them
    quarter, half = ft(0.25), ft(0.5)
    r0, r1 = _active_rows(lo, hi)
    f0, f1 = max(r0, 1), min(r1 + 1, ny)  # the face rows next to an active row
    for i in range(1, ny):
        if i < f0 or i >= f1:
            row_speed[i] = 0.0
    for i in prange(f0, f1):
        a, b = _span(min(lo[i - 1], lo[i]), max(hi[i - 1], hi[i]), nx)
        hu, hd, zu, zd, nu, nd = h[i - 1, a:], h[i, a:], z[i - 1, a:], z[i, a:], n[i - 1, a:], n[i, a:]
        bu, bd, q, xu, xd, o = blocked[i - 1, a:], blocked[i, a:], qy[i, a:], qx[i - 1, a:], qx[i, a:], out[i, a:]
        ql = qy[i - 1, a:] if i > 1 else qy[i, a:]
        qr = qy[i + 1, a:] if i < ny - 1 else qy[i, a:]
        speed = ft(0.0)
        for j in range(b - a):
            f, celerity = _face(
                q[j],
                ql[j],
                qr[j],
                quarter * (xu[j] + xu[j + 1] + xd[j] + xd[j + 1]),
                zu[j] + hu[j],
                zd[j] + hd[j],
                zu[j],
                zd[j],
                half * (nu[j] + nd[j]),
                (not bu[j]) & (not bd[j]),
                c,
            )
            o[j] = f
            speed = _fmax(speed, celerity)
        row_speed[i] = speed


@nb.njit(inline="always")
def _edge_flux(q0, cell, mode, stage, slope, outward, c):
    """Flux through a domain edge face; ``outward`` is +1 when positive q leaves the domain.

    ``cell`` is the edge cell's ``(h, z, z of the next cell inwards, n)``, ``c`` is ``(dt, dx, g, h_min)``. A free
    edge lets water out down a water-surface slope: the larger of ``slope`` and the bed slope from the next cell
    inwards (``z_next``) to the edge cell, so that a stream keeps its gradient.
    """
    h_in, z_in, z_next, n_in = cell
    dt, dx, g, h_min = c
    if mode == EDGE_CLOSED:
        return 0.0
    eta_in = z_in + h_in
    if mode == EDGE_FREE:
        eta_out = eta_in - max(slope, (z_next - z_in) / dx) * dx  # normal-depth outflow
        hf = h_in
    else:
        eta_out = stage
        hf = max(eta_in, stage) - z_in
    if hf <= h_min:
        return 0.0
    s = outward * (eta_out - eta_in) / dx  # gradient along +q
    v2 = _rroot6(hf) ** 2
    q = (q0 - g * hf * dt * s) / (1.0 + g * dt * n_in * n_in * abs(q0) * v2**7)  # v2⁷ = h^(-7/3)
    if mode == EDGE_FREE and q * outward < 0.0:
        return 0.0  # a free edge only lets water out
    return q


@nb.njit(**_OPTS)
def update_edges(h, z, n, blocked, qx, qy, qx_new, qy_new, modes, stages, slope, dt, dx, g, h_min):
    """Edge faces (west, east, north, south = modes[0..3]) with closed, free or stage conditions."""
    c = (dt, dx, g, h_min)
    ny, nx = h.shape
    iw, ie = min(1, nx - 1), max(nx - 2, 0)
    jn, js = min(1, ny - 1), max(ny - 2, 0)
    for i in range(ny):
        west, east = (h[i, 0], z[i, 0], z[i, iw], n[i, 0]), (h[i, nx - 1], z[i, nx - 1], z[i, ie], n[i, nx - 1])
        qx_new[i, 0] = 0.0 if blocked[i, 0] else _edge_flux(qx[i, 0], west, modes[0], stages[0], slope, -1.0, c)
        qx_new[i, nx] = (
            0.0 if blocked[i, nx - 1] else _edge_flux(qx[i, nx], east, modes[1], stages[1], slope, 1.0, c)
        )
    for j in range(nx):
        north, south = (h[0, j], z[0, j], z[jn, j], n[0, j]), (h[ny - 1, j], z[ny - 1, j], z[js, j], n[ny - 1, j])
        qy_new[0, j] = 0.0 if blocked[0, j] else _edge_flux(qy[0, j], north, modes[2], stages[2], slope, -1.0, c)
        qy_new[ny, j] = (
            0.0 if blocked[ny - 1, j] else _edge_flux(qy[ny, j], south, modes[3], stages[3], slope, 1.0, c)
        )


@nb.njit(parallel=True, **_OPTS)
def outflow_factor(h, qx, qy, factor, row_limited, lo, hi, dt, dx):
    """Share of its outflows each cell can give without going below zero (1 when it has enough water).

    Written over the active ranges only: elsewhere every face is 0 and the factor stays 1.
    ``row_limited[i]`` is 1 when some cell of row ``i`` has to ration, so that ``limit_faces`` can skip
    the rows where nothing changes. Returns nothing; the caller skips ``limit_faces`` when no row is.
    """
    nx = h.shape[1]
    ft = h.dtype.type
    c, zero, one = ft(dt / dx), ft(0.0), ft(1.0)
    r0, r1 = _active_rows(lo, hi)
    _zero_outside(row_limited, r0, r1)
    for i in prange(r0, r1):
        limited = 0
        a, b = _span(lo[i], hi[i], nx)
        hr, fr, qw, qe, qn, qs = h[i, a:], factor[i, a:], qx[i, a:], qx[i, a + 1 :], qy[i, a:], qy[i + 1, a:]
        for j in range(b - a):
            out = c * (max(zero, -qw[j]) + max(zero, qe[j]) + max(zero, -qn[j]) + max(zero, qs[j]))
            if out > hr[j]:
                fr[j] = hr[j] / out
                limited = 1
            else:
                fr[j] = one
        row_limited[i] = limited


@nb.njit(parallel=True, **_FAST)
def limit_faces(qx, qy, factor, row_limited, lo, hi):
    """Scale every face by the factor of the cell the water leaves (its donor), in the rows that ration.

    Only the faces of the active ranges can carry water (the others are 0 and stay 0). Written with
    selects over offset row views (every index ``j``) so that the loops vectorise.
    """
    ny, nx = factor.shape
    zero = factor.dtype.type(0.0)
    for i in prange(ny):
        if not row_limited[i]:
            continue
        a, b = _span(lo[i] - 1, hi[i], nx - 1)  # face j + 1 is index j: faces lo .. hi
        q, fw, fe = qx[i, 1 + a : nx], factor[i, a : nx - 1], factor[i, 1 + a :]
        for j in range(b - a):  # interior faces: donor west when q > 0, east when q < 0
            v = q[j]
            q[j] = max(v, zero) * fw[j] + min(v, zero) * fe[j]  # a select of two loads would not vectorise
        v = qx[i, 0]
        qx[i, 0] = v * factor[i, 0] if v < zero else v
        v = qx[i, nx]
        qx[i, nx] = v * factor[i, nx - 1] if v > zero else v
    for i in prange(ny + 1):
        if not ((i > 0 and row_limited[i - 1]) or (i < ny and row_limited[i])):
            continue
        if i == 0:
            a, b = _span(lo[0], hi[0], nx)
            q, f = qy[0, a:], factor[0, a:]
            for j in range(b - a):
                v = q[j]
                q[j] = v * f[j] if v < zero else v
        elif i == ny:
            a, b = _span(lo[ny - 1], hi[ny - 1], nx)
            q, f = qy[ny, a:], factor[ny - 1, a:]
            for j in range(b - a):
                v = q[j]
                q[j] = v * f[j] if v > zero else v
        else:
            a, b = _span(min(lo[i - 1], lo[i]), max(hi[i - 1], hi[i]), nx)
            q, fn, fs = qy[i, a:], factor[i - 1, a:], factor[i, a:]
            for j in range(b - a):
                v = q[j]
                q[j] = max(v, zero) * fn[j] + min(v, zero) * fs[j]


@nb.njit(**_OPTS)
def route_roofs(
    roof_rows, roof_cols, target_rows, target_cols, rain_depth, pattern, retention, store, h, uniform_rain,
    has_retention, residual,
):  # fmt: skip
    """Rain on blocked roofs: fill the green-roof store, send the rest down to the nearest open cell.

    ``uniform_rain``: ``pattern`` is 1 everywhere and not read; without ``has_retention`` no roof holds water and
    ``retention`` and ``store`` are not read (the run may then pass them empty). Returns the depth sent (m, summed
    over roof cells) so that the caller can check the budget. A float32 ``h`` keeps what rounding leaves out in
    ``residual`` (see ``continuity``).
    """
    sent = 0.0
    for k in range(roof_rows.size):
        i, j = roof_rows[k], roof_cols[k]
        r = rain_depth if uniform_rain else rain_depth * pattern[i, j]
        held = 0.0
        if has_retention:
            room = retention[i, j] - store[i, j]
            held = min(r, room) if room > 0.0 else 0.0
            store[i, j] += held
        ti, tj = target_rows[k], target_cols[k]
        if _compensated(h[ti, tj]):
            h[ti, tj], residual[ti, tj] = _settle(h[ti, tj], residual[ti, tj], r - held)
        else:
            h[ti, tj] += r - held
        sent += r - held
    return sent


@nb.njit(parallel=True, **_FAST)
def continuity(
    h, qx, qy, blocked, rain_depth, pattern, retention, store, ks, psi_dtheta, cn_s, loss, rain_total, drain_rate,
    infil_mode, t, dt, dx, wet_arrival, deep_depth, max_h, t_max_h, arrival, deep_time, row_infil, row_drain,
    row_clip, row_hmax, lo, hi, uniform_rain, has_retention, has_drainage, residual,
):  # fmt: skip
    """Mass conservation for one step, with the sources and sinks of each cell and the running maxima.

    ``rain_depth`` is the rain of the step (m), times ``pattern`` per cell; ``loss`` holds the cumulative
    infiltration (m) per cell; ``drain_rate`` the sewer intake (m/s). Row sums of infiltration,
    drainage and clipping, and each row's largest depth, go to the ``row_*`` arrays. Blocked cells get no
    rain here (their faces are closed and their depth stays 0). Only the active ranges ``[lo[i], hi[i])`` are
    done: the caller makes them full when it rains (elsewhere a cell is dry, with dry neighbours, and all
    its terms are 0).

    The flags say what the run can skip: ``uniform_rain`` (``pattern`` is 1 everywhere: not read),
    ``has_retention`` (some ``retention`` > 0), ``has_drainage`` (some ``drain_rate`` > 0); ``infil_mode``
    ``GA_NONE`` skips infiltration. Each row is done in passes over ``h[i]`` (in L1 cache), one per
    process the run has (:func:`_water_in`, :func:`_green_ampt`, :func:`_scs_cn`, :func:`_drainage`,
    :func:`_clip_and_maxima`), each without branches so that it vectorises.

    A float32 state keeps, per cell, what rounding the depth to float32 left out in ``residual`` (m, float32; the
    depth is ``h + residual`` to float64 round-off): :func:`_water_in` sums each step's flows and rain into the
    depth in float64 (:func:`_settle`), so that a change under half an ulp of a deep cell is not lost the same
    way every step; so do the sinks (:func:`_green_ampt`, :func:`_scs_cn`, :func:`_drainage`), whose small takes
    from a deep cell round the same way (with the sinks in plain float32 the 8-hour river test stays at 2.3e-5).
    The mass balance counts ``h + residual``. A float64 state does not read ``residual`` (the run passes an empty
    one) and compiles to the same code as before.
    """
    nx = h.shape[1]
    ft = h.dtype.type  # the state's precision; the row sums of volumes stay float64
    c = ft(dt / dx)
    flags = (uniform_rain, has_retention)
    marks = (ft(t + dt), ft(dt), ft(wet_arrival), ft(deep_depth))  # end of the step, step, arrival and deep depths
    r0, r1 = _active_rows(lo, hi)
    _zero_outside(row_hmax, r0, r1)
    for i in prange(r0, r1):
        ja, jb = _span(lo[i], hi[i], nx)
        hr = h[i, ja:jb]
        faces = (qx[i, ja:jb], qx[i, ja + 1 : jb + 1], qy[i, ja:jb], qy[i + 1, ja:jb])
        rain = (ft(rain_depth), pattern[i, ja:jb], retention[i, ja:jb])
        er = residual[i, ja:jb]
        _water_in(hr, blocked[i, ja:jb], faces, c, rain, store[i, ja:jb], flags, er)
        infil = 0.0
        if infil_mode == GA_GREEN_AMPT:
            infil = _green_ampt(hr, ks[i, ja:jb], psi_dtheta[i, ja:jb], loss[i, ja:jb], ft(dt), er)
        elif infil_mode == GA_SCS_CN:
            infil = _scs_cn(hr, cn_s[i, ja:jb], loss[i, ja:jb], rain, ft(rain_total), uniform_rain, er)
        drain = 0.0
        if has_drainage:
            drain = _drainage(hr, drain_rate[i, ja:jb], ft(dt), er)
        clip, hmax = _clip_and_maxima(
            hr, max_h[i, ja:jb], t_max_h[i, ja:jb], arrival[i, ja:jb], deep_time[i, ja:jb], marks
        )
        row_infil[i] += infil
        row_drain[i] += drain
        row_clip[i] += clip
        row_hmax[i] = hmax


@nb.njit(inline="always")
def _water_in(hr, br, faces, c, rain, st, flags, er):
    """A row's depths after the step's flows through the four faces and the rain (less what green roofs hold in
    ``st``). ``faces`` are the row's west, east, north and south discharges; ``rain`` is ``(depth of the step,
    pattern, retention)``; ``flags`` ``(uniform_rain, has_retention)``. A float32 row adds the change to its
    depth and residual ``er`` in float64 (:func:`_settle`)."""
    qw, qe, qn, qs = faces
    depth, pat, ret = rain
    uniform_rain, has_retention = flags
    zero = hr.dtype.type(0.0)
    if uniform_rain and not has_retention:  # no store to write: the loop vectorises
        for j in range(hr.size):
            _add_in(hr, er, j, c * (qw[j] - qe[j] + qn[j] - qs[j]), zero if br[j] else depth)
    else:
        for j in range(hr.size):
            r = zero if br[j] else (depth if uniform_rain else depth * pat[j])
            if has_retention:
                held = min(r, max(ret[j] - st[j], zero))
                st[j] += held
                r -= held
            _add_in(hr, er, j, c * (qw[j] - qe[j] + qn[j] - qs[j]), r)


@nb.njit(inline="always")
def _add_in(hr, er, j, flow, r):
    """``hr[j] += flow + r``; in float32 summed with the residual ``er[j]`` in float64 (:func:`_settle`)."""
    if _compensated(flow):
        hr[j], er[j] = _settle(hr[j], er[j], flow + r)
    else:
        hr[j] = hr[j] + flow + r


@nb.njit(inline="always")
def _take(hr, er, j, hn, f):
    """``hr[j] = hn - f``; in float32 with the residual ``er[j]`` (:func:`_settle`)."""
    if _compensated(hn):
        hr[j], er[j] = _settle(hn, er[j], -f)
    else:
        hr[j] = hn - f


@nb.njit(inline="always")
def _green_ampt(hr, k_r, pd, ls, dt_, er):
    """Green-Ampt infiltration of a row (midpoint step), limited by the water there is; returns its sum (m)."""
    ft = hr.dtype.type
    zero, half, two = ft(0.0), ft(0.5), ft(2.0)
    infil = 0.0
    for j in range(hr.size):
        hn = hr[j]
        k = k_r[j] * dt_
        a = ls[j] - half * k
        f = -a + math.sqrt(max(a * a + two * k * (ls[j] + pd[j]), zero))  # midpoint Green-Ampt step
        f = max(min(f if (k_r[j] > zero) & (hn > zero) else zero, hn), zero)
        _take(hr, er, j, hn, f)
        ls[j] += f
        infil += f
    return infil


@nb.njit(inline="always")
def _scs_cn(hr, s_r, ls, rain, rain_tot, uniform_rain, er):
    """SCS curve-number losses of a row over the step's rain, limited by the water there is; returns their sum."""
    ft = hr.dtype.type
    zero, one = ft(0.0), ft(1.0)
    depth, pat, _ = rain
    infil = 0.0
    for j in range(hr.size):
        hn = hr[j]
        p = one if uniform_rain else pat[j]
        p0 = rain_tot * p
        p1 = p0 + depth * p
        f = _scs_loss(p1, s_r[j]) - _scs_loss(p0, s_r[j])
        f = max(min(f if (s_r[j] > zero) & (hn > zero) else zero, hn), zero)
        _take(hr, er, j, hn, f)
        ls[j] += f
        infil += f
    return infil


@nb.njit(inline="always")
def _drainage(hr, dr, dt_, er):
    """Sewer intake of a row over the step, limited by the water there is; returns its sum (m)."""
    zero = hr.dtype.type(0.0)
    drain = 0.0
    for j in range(hr.size):
        hn = hr[j]
        d = min(dr[j] * dt_, max(hn, zero))
        _take(hr, er, j, hn, d)
        drain += d
    return drain


@nb.njit(inline="always")
def _clip_and_maxima(hr, mh, tm, ar, dp, marks):
    """Round-off clipping (the outflow limiter keeps depths non-negative) and the running maxima of a row: depth
    ``mh`` and its time ``tm``, arrival ``ar``, time spent deep ``dp``; ``marks`` is ``(end of the step, step,
    arrival depth, deep depth)``. Returns (clipped depth summed, the row's largest depth)."""
    t1, dt_, wet_, deep_ = marks
    zero = hr.dtype.type(0.0)
    clip = 0.0
    hmax = zero
    for j in range(hr.size):
        hn = hr[j]
        clip += max(-hn, zero)
        hn = max(hn, zero)
        hr[j] = hn
        hmax = _fmax(hmax, hn)
        m = mh[j]
        up = hn > m
        mh[j] = hn if up else m
        tm[j] = t1 if up else tm[j]
        a = ar[j]
        ar[j] = t1 if (hn >= wet_) & (a < zero) else a
        dp[j] += dt_ if hn >= deep_ else zero
    return clip, hmax


@nb.njit(inline="always")
def _face_speed(q, eta_a, eta_b, z_a, z_b, h_min):
    """q / h_f at a face (0 where the face is dry), without a branch."""
    hf = max(eta_a, eta_b) - max(z_a, z_b)
    return q / max(hf, h_min) if hf > h_min else _like(q, 0.0)


@nb.njit(inline="always")
def _cell_speed(hc, eta, zc, q, w, e, n, s, h_min):
    """Speed (m/s) in a cell from its four face velocities.

    ``q`` holds the discharges through the west, east, north and south faces; ``w``, ``e``, ``n``, ``s`` the
    neighbour's ``(h, z, on the domain edge)`` on each side: a face on the edge divides by the cell's own depth.
    """
    qw, qe, qn, qs = q
    half = _like(hc, 0.5)
    inv = _like(hc, 1.0) / hc
    uw = qw * inv if w[2] else _face_speed(qw, eta, w[1] + w[0], zc, w[1], h_min)
    ue = qe * inv if e[2] else _face_speed(qe, eta, e[1] + e[0], zc, e[1], h_min)
    un = qn * inv if n[2] else _face_speed(qn, eta, n[1] + n[0], zc, n[1], h_min)
    us = qs * inv if s[2] else _face_speed(qs, eta, s[1] + s[0], zc, s[1], h_min)
    ux = half * (uw + ue)
    uy = half * (un + us)
    return math.sqrt(ux * ux + uy * uy)


@nb.njit(parallel=True, **_FAST)
def velocity_maxima(h, z, qx, qy, blocked, lo, hi, wet, h_min, max_v, max_dv):
    """Update the maximum speed (m/s) and depth x speed (m²/s) of cells deeper than ``wet``.

    Speeds are taken at the faces, ``q / h_face`` with the face flow depth of the scheme, and averaged
    to the cell: dividing a cell's mean discharge by its own depth would blow up as a front arrives.
    Only the active ranges ``[lo[i], hi[i])`` are looked at (the cells outside are dry). Interior columns
    run over offset row views with selects (vectorised); the edge columns are peeled
    (:func:`_edge_column_speeds`).
    """
    ny, nx = h.shape
    ft = h.dtype.type
    wet, h_min, zero = ft(wet), ft(h_min), ft(0.0)
    r0, r1 = _active_rows(lo, hi)
    for i in prange(r0, r1):
        if lo[i] >= hi[i]:
            continue
        north, south = i == 0, i == ny - 1
        inn, iss = max(i - 1, 0), min(i + 1, ny - 1)  # the cell's own row on an edge (not used there)
        hr, zr, br, mv, mdv = h[i], z[i], blocked[i], max_v[i], max_dv[i]
        hn_, zn_, hs_, zs_ = h[inn], z[inn], h[iss], z[iss]
        qxr, qn_, qs_ = qx[i], qy[i], qy[i + 1]
        a, b = _span(lo[i] - 1, hi[i] - 1, nx - 2)  # cell j + 1 is index j
        if b > a:
            hc_, zc_, bc, mvc, mdvc = hr[1 + a :], zr[1 + a :], br[1 + a :], mv[1 + a :], mdv[1 + a :]
            hw_, zw_, he_, ze_ = hr[a:], zr[a:], hr[2 + a :], zr[2 + a :]
            hn1, zn1, hs1, zs1 = hn_[1 + a :], zn_[1 + a :], hs_[1 + a :], zs_[1 + a :]
            qw_, qe_, qnn, qss = qxr[1 + a :], qxr[2 + a :], qn_[1 + a :], qs_[1 + a :]
            for j in range(b - a):
                hc = hc_[j]
                ok = (hc >= wet) & (not bc[j])
                hc = max(hc, wet)
                v = _cell_speed(
                    hc,
                    zc_[j] + hc,
                    zc_[j],
                    (qw_[j], qe_[j], qnn[j], qss[j]),
                    (hw_[j], zw_[j], False),
                    (he_[j], ze_[j], False),
                    (hn1[j], zn1[j], north),
                    (hs1[j], zs1[j], south),
                    h_min,
                )
                v = v if ok else zero
                mvc[j] = _fmax(mvc[j], v)
                mdvc[j] = _fmax(mdvc[j], v * hc)
        _edge_column_speeds(hr, zr, br, mv, mdv, (hn_, zn_, hs_, zs_), (qxr, qn_, qs_), (north, south), wet, h_min)


@nb.njit(inline="always")
def _edge_column_speeds(hr, zr, br, mv, mdv, around, q, edges, wet, h_min):
    """The maxima ``mv``, ``mdv`` of the west and east columns of a row, whose faces on the domain edge use the
    cell's own depth. ``around`` holds the north and south rows' ``(h, z)`` views, ``q`` the row's face
    discharges ``(qx, qy north, qy south)``, ``edges`` whether the row is the north or south one (read only)."""
    hn_, zn_, hs_, zs_ = around
    qxr, qn_, qs_ = q
    north, south = edges
    nx = hr.size
    for e in range(min(nx, 2)):  # the west and east columns
        j = e * (nx - 1)
        hc = hr[j]
        if br[j] or hc < wet:
            continue
        jw, je = max(j - 1, 0), min(j + 1, nx - 1)
        v = _cell_speed(
            hc,
            zr[j] + hc,
            zr[j],
            (qxr[j], qxr[j + 1], qn_[j], qs_[j]),
            (hr[jw], zr[jw], j == 0),
            (hr[je], zr[je], j == nx - 1),
            (hn_[j], zn_[j], north),
            (hs_[j], zs_[j], south),
            h_min,
        )
        if v > mv[j]:
            mv[j] = v
        if v * hc > mdv[j]:
            mdv[j] = v * hc


@nb.njit(inline="always")
def _scs_loss(p, s):
    """SCS-CN losses (infiltration + initial abstraction) after a cumulative rain ``p``, m; ``s`` is S in m."""
    ia = _like(s, 0.2) * s
    if p <= ia:
        return p
    return p - (p - ia) * (p - ia) / (p - ia + s)


@nb.njit(**_OPTS)
def add_depth(rows, cols, depth, h, residual):
    """Add ``depth`` (m) to the listed cells: inflow hydrographs entering the grid (a float32 ``h`` keeps what
    rounding leaves out in ``residual``, see ``continuity``)."""
    for k in range(rows.size):
        i, j = rows[k], cols[k]
        if _compensated(h[i, j]):
            h[i, j], residual[i, j] = _settle(h[i, j], residual[i, j], depth)
        else:
            h[i, j] += depth


@nb.njit(**_OPTS)
def edge_volumes(qx, qy, dt, dx):
    """Volumes leaving and entering through the four edges during a step, m³: (out, in)."""
    ny = qx.shape[0]
    nx = qy.shape[1]
    out = 0.0
    inn = 0.0
    for i in range(ny):
        w, e = -qx[i, 0], qx[i, nx]
        out += max(w, 0.0) + max(e, 0.0)
        inn += max(-w, 0.0) + max(-e, 0.0)
    for j in range(nx):
        s_n, s_s = -qy[0, j], qy[ny, j]
        out += max(s_n, 0.0) + max(s_s, 0.0)
        inn += max(-s_n, 0.0) + max(-s_s, 0.0)
    return out * dt * dx, inn * dt * dx


@nb.njit(**_OPTS)
def grow_active(h, lo, hi, first, last):
    """Widen the active ranges ``[lo[i], hi[i])`` so that they hold every wet cell (h > 0) and its four
    neighbours; returns True when every range is the whole row (the caller then stops calling).

    Water only appears inside the ranges (or at inflow cells, which the caller puts in from the start), so
    each row is scanned from its ends inwards only as far as a wet cell would need a range to grow:
    ``first[i]``, ``last[i]`` get the first and last wet columns found there (``nx + 1``, ``-2``: none).
    Ranges never shrink, so that the faces and factors outside them have never been written.
    """
    ny, nx = h.shape
    zero = h.dtype.type(0.0)
    for i in range(ny):
        f, g = nx + 1, -2
        a, b = lo[i], hi[i]
        if a < b:
            # a wet cell before ``stop`` needs a column left of its row's range, or of a neighbour row's
            stop = min(b, max(a + 1, lo[i - 1] if i > 0 else 0, lo[i + 1] if i < ny - 1 else 0))
            j = a
            while j < stop and not h[i, j] > zero:
                j += 1
            f = j if j < stop else f
            stop = max(a - 1, min(b - 2, hi[i - 1] - 1 if i > 0 else nx, hi[i + 1] - 1 if i < ny - 1 else nx))
            j = b - 1
            while j > stop and not h[i, j] > zero:
                j -= 1
            g = j if j > stop else g
        first[i], last[i] = f, g
    full = True
    for i in range(ny):
        a = min(lo[i], first[i] - 1, first[i - 1] if i > 0 else nx, first[i + 1] if i < ny - 1 else nx)
        b = max(hi[i], last[i] + 2, last[i - 1] + 1 if i > 0 else 0, last[i + 1] + 1 if i < ny - 1 else 0)
        lo[i], hi[i] = max(a, 0), min(b, nx)
        full = full and lo[i] == 0 and hi[i] == nx
    return full
