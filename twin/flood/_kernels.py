"""Numba kernels of the local-inertial flood model (Bates et al. 2010; de Almeida et al. 2012).

Contract (DESIGN §4): contiguous float64 arrays in, outputs written into arrays
the caller gives; no validation, no xarray, no exceptions, no allocation in the
loops; physical constants passed in. ``model.py`` validates and wraps them.

Layout: ``h``, ``z`` are (ny, nx) at cell centres; ``qx`` (ny, nx + 1) holds
the unit discharge (m²/s) through the face west of each column (positive
towards +x); ``qy`` (ny + 1, nx) through the face north of each row (positive
towards +row, i.e. southwards). Blocked cells (buildings as walls) close their
four faces.
"""

from __future__ import annotations

import math

import numba as nb
from numba import prange

_OPTS = {"cache": True, "nogil": True}
# fastmath lets LLVM vectorize the face and cell loops; benchmarks/flood.py measured the gain and
# tests/test_flood_kernels.py checks the kernels still agree with their plain-Python py_func.
_FAST = {"cache": True, "nogil": True, "fastmath": True}

GA_NONE, GA_GREEN_AMPT, GA_SCS_CN = 0, 1, 2
EDGE_CLOSED, EDGE_FREE, EDGE_STAGE = 0, 1, 2


@nb.njit(inline="always", fastmath=True)
def _pow_7_3(x):
    """x^(7/3) for x > 0 without libm's cbrt, which cost two thirds of a face update.

    x^(5/16) from four square roots is within 30 % of x^(1/3) for 1e-6 < x < 1e4; three Halley steps
    y <- y(y³ + 2x)/(2y³ + x), each cubing the relative error, bring it to round-off.
    """
    y = math.sqrt(math.sqrt(math.sqrt(math.sqrt(x * x * x * x * x))))
    for _ in range(3):
        y3 = y * y * y
        y = y * (y3 + 2.0 * x) / (2.0 * y3 + x)
    return x * x * y


@nb.njit(inline="always")
def _face_flux(q0, q_left, q_right, q_cross, eta_l, eta_r, z_l, z_r, n_face, dt, dx, g, theta, h_min):
    """One face of the momentum equation with θ-centring and semi-implicit friction, m²/s."""
    hf = max(eta_l, eta_r) - max(z_l, z_r)
    if hf <= h_min:
        return 0.0
    slope = (eta_r - eta_l) / dx
    qbar = theta * q0 + 0.5 * (1.0 - theta) * (q_left + q_right)
    if qbar * slope > 0.0:  # the centred value points uphill: fall back to the face's own (de Almeida 2012)
        qbar = q0
    qmag = math.sqrt(qbar * qbar + q_cross * q_cross)
    hf73 = _pow_7_3(hf)
    return (qbar - g * hf * dt * slope) / (1.0 + g * dt * n_face * n_face * qmag / hf73)


@nb.njit(inline="always")
def _celerity(q, eta_l, eta_r, z_l, z_r, g, h_min):
    """|u| + sqrt(g·h) at a face, m/s: the speed the next time step must not let water outrun."""
    hf = max(eta_l, eta_r) - max(z_l, z_r)
    if hf <= h_min:
        return 0.0
    return abs(q) / hf + math.sqrt(g * hf)


@nb.njit(parallel=True, **_FAST)
def update_qx(h, z, n, blocked, qx, qy, out, row_speed, dt, dx, g, theta, h_min):
    """Interior x-faces: ``out[:, 1:nx]`` from the old ``qx``, ``qy``; edges are left to ``update_edges``.

    ``row_speed[i]`` receives the largest face celerity of row ``i`` (for the next time step).
    """
    ny, nx = h.shape
    for i in prange(ny):
        speed = 0.0
        for j in range(1, nx):
            if blocked[i, j - 1] or blocked[i, j]:
                out[i, j] = 0.0
                continue
            q0 = qx[i, j]
            ql = qx[i, j - 1] if j > 1 else q0
            qr = qx[i, j + 1] if j < nx - 1 else q0
            qc = 0.25 * (qy[i, j - 1] + qy[i + 1, j - 1] + qy[i, j] + qy[i + 1, j])
            eta_l, eta_r = z[i, j - 1] + h[i, j - 1], z[i, j] + h[i, j]
            q = _face_flux(
                q0,
                ql,
                qr,
                qc,
                eta_l,
                eta_r,
                z[i, j - 1],
                z[i, j],
                0.5 * (n[i, j - 1] + n[i, j]),
                dt,
                dx,
                g,
                theta,
                h_min,
            )
            out[i, j] = q
            speed = max(speed, _celerity(q, eta_l, eta_r, z[i, j - 1], z[i, j], g, h_min))
        row_speed[i] = speed


@nb.njit(parallel=True, **_FAST)
def update_qy(h, z, n, blocked, qy, qx, out, row_speed, dt, dx, g, theta, h_min):
    """Interior y-faces: ``out[1:ny, :]`` from the old ``qy``, ``qx``; ``row_speed[i]`` as in ``update_qx``."""
    ny, nx = h.shape
    for i in prange(1, ny):
        speed = 0.0
        for j in range(nx):
            if blocked[i - 1, j] or blocked[i, j]:
                out[i, j] = 0.0
                continue
            q0 = qy[i, j]
            ql = qy[i - 1, j] if i > 1 else q0
            qr = qy[i + 1, j] if i < ny - 1 else q0
            qc = 0.25 * (qx[i - 1, j] + qx[i - 1, j + 1] + qx[i, j] + qx[i, j + 1])
            eta_l, eta_r = z[i - 1, j] + h[i - 1, j], z[i, j] + h[i, j]
            q = _face_flux(
                q0,
                ql,
                qr,
                qc,
                eta_l,
                eta_r,
                z[i - 1, j],
                z[i, j],
                0.5 * (n[i - 1, j] + n[i, j]),
                dt,
                dx,
                g,
                theta,
                h_min,
            )
            out[i, j] = q
            speed = max(speed, _celerity(q, eta_l, eta_r, z[i - 1, j], z[i, j], g, h_min))
        row_speed[i] = speed


@nb.njit(inline="always")
def _edge_flux(q0, h_in, z_in, z_next, n_in, mode, stage, slope, outward, dt, dx, g, h_min):
    """Flux through a domain edge face; ``outward`` is +1 when positive q leaves the domain.

    A free edge lets water out down a water-surface slope: the larger of ``slope`` and the bed slope
    from the next cell inwards (``z_next``) to the edge cell, so that a stream keeps its gradient.
    """
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
    q = (q0 - g * hf * dt * s) / (1.0 + g * dt * n_in * n_in * abs(q0) / _pow_7_3(hf))
    if mode == EDGE_FREE and q * outward < 0.0:
        return 0.0  # a free edge only lets water out
    return q


@nb.njit(**_OPTS)
def update_edges(h, z, n, blocked, qx, qy, qx_new, qy_new, modes, stages, slope, dt, dx, g, h_min):
    """Edge faces (west, east, north, south = modes[0..3]) with closed, free or stage conditions."""
    ny, nx = h.shape
    iw, ie = min(1, nx - 1), max(nx - 2, 0)
    jn, js = min(1, ny - 1), max(ny - 2, 0)
    for i in range(ny):
        qx_new[i, 0] = (
            0.0
            if blocked[i, 0]
            else _edge_flux(
                qx[i, 0], h[i, 0], z[i, 0], z[i, iw], n[i, 0], modes[0], stages[0], slope, -1.0, dt, dx, g, h_min
            )
        )
        qx_new[i, nx] = (
            0.0
            if blocked[i, nx - 1]
            else _edge_flux(
                qx[i, nx],
                h[i, nx - 1],
                z[i, nx - 1],
                z[i, ie],
                n[i, nx - 1],
                modes[1],
                stages[1],
                slope,
                1.0,
                dt,
                dx,
                g,
                h_min,
            )
        )
    for j in range(nx):
        qy_new[0, j] = (
            0.0
            if blocked[0, j]
            else _edge_flux(
                qy[0, j], h[0, j], z[0, j], z[jn, j], n[0, j], modes[2], stages[2], slope, -1.0, dt, dx, g, h_min
            )
        )
        qy_new[ny, j] = (
            0.0
            if blocked[ny - 1, j]
            else _edge_flux(
                qy[ny, j],
                h[ny - 1, j],
                z[ny - 1, j],
                z[js, j],
                n[ny - 1, j],
                modes[3],
                stages[3],
                slope,
                1.0,
                dt,
                dx,
                g,
                h_min,
            )
        )


@nb.njit(parallel=True, **_OPTS)
def outflow_factor(h, qx, qy, factor, row_limited, dt, dx):
    """Share of its outflows each cell can give without going below zero (1 when it has enough water).

    ``row_limited[i]`` is 1 when some cell of row ``i`` has to ration, so that ``limit_faces`` can skip
    the rows where nothing changes. Returns nothing; the caller skips ``limit_faces`` when no row is.
    """
    ny, nx = h.shape
    c = dt / dx
    for i in prange(ny):
        limited = 0
        for j in range(nx):
            out = c * (max(0.0, -qx[i, j]) + max(0.0, qx[i, j + 1]) + max(0.0, -qy[i, j]) + max(0.0, qy[i + 1, j]))
            if out > h[i, j]:
                factor[i, j] = h[i, j] / out
                limited = 1
            else:
                factor[i, j] = 1.0
        row_limited[i] = limited


@nb.njit(parallel=True, **_OPTS)
def limit_faces(qx, qy, factor, row_limited):
    """Scale every face by the factor of the cell the water leaves (its donor), in the rows that ration."""
    ny, nx = factor.shape
    for i in prange(ny):
        if not row_limited[i]:
            continue
        for j in range(nx + 1):
            q = qx[i, j]
            if q > 0.0 and j > 0:
                qx[i, j] = q * factor[i, j - 1]
            elif q < 0.0 and j < nx:
                qx[i, j] = q * factor[i, j]
    for i in prange(ny + 1):
        if not ((i > 0 and row_limited[i - 1]) or (i < ny and row_limited[i])):
            continue
        for j in range(nx):
            q = qy[i, j]
            if q > 0.0 and i > 0:
                qy[i, j] = q * factor[i - 1, j]
            elif q < 0.0 and i < ny:
                qy[i, j] = q * factor[i, j]


@nb.njit(**_OPTS)
def route_roofs(roof_rows, roof_cols, target_rows, target_cols, rain_depth, pattern, retention, store, h):
    """Rain on blocked roofs: fill the green-roof store, send the rest down to the nearest open cell.

    Returns the depth sent (m, summed over roof cells) so that the caller can check the budget.
    """
    sent = 0.0
    for k in range(roof_rows.size):
        i, j = roof_rows[k], roof_cols[k]
        r = rain_depth * pattern[i, j]
        room = retention[i, j] - store[i, j]
        held = min(r, room) if room > 0.0 else 0.0
        store[i, j] += held
        h[target_rows[k], target_cols[k]] += r - held
        sent += r - held
    return sent


@nb.njit(parallel=True, **_OPTS)
def continuity(
    h,
    qx,
    qy,
    blocked,
    rain_depth,
    pattern,
    retention,
    store,
    ks,
    psi_dtheta,
    cn_s,
    loss,
    rain_total,
    drain_rate,
    infil_mode,
    t,
    dt,
    dx,
    wet_arrival,
    deep_depth,
    max_h,
    t_max_h,
    arrival,
    deep_time,
    row_infil,
    row_drain,
    row_clip,
    row_hmax,
):
    """Mass conservation for one step, with the sources and sinks of each cell and the running maxima.

    ``rain_depth`` is the rain of the step (m), times ``pattern`` per cell; ``loss`` holds the cumulative
    infiltration (m) per cell; ``drain_rate`` the sewer intake (m/s). Row sums of infiltration,
    drainage and clipping, and each row's largest depth, go to the ``row_*`` arrays.
    """
    ny, nx = h.shape
    c = dt / dx
    for i in prange(ny):
        infil = 0.0
        drain = 0.0
        clip = 0.0
        hmax = 0.0
        for j in range(nx):
            if blocked[i, j]:
                continue
            r = rain_depth * pattern[i, j]
            room = retention[i, j] - store[i, j]
            if room > 0.0:
                held = min(r, room)
                store[i, j] += held
                r -= held
            hn = h[i, j] + c * (qx[i, j] - qx[i, j + 1] + qy[i, j] - qy[i + 1, j]) + r
            # infiltration, limited by the water there is
            f = 0.0
            if infil_mode == GA_GREEN_AMPT and ks[i, j] > 0.0 and hn > 0.0:
                k = ks[i, j] * dt
                a = loss[i, j] - 0.5 * k
                f = -a + math.sqrt(a * a + 2.0 * k * (loss[i, j] + psi_dtheta[i, j]))  # midpoint Green-Ampt step
            elif infil_mode == GA_SCS_CN and cn_s[i, j] > 0.0 and hn > 0.0:
                p0 = rain_total * pattern[i, j]
                p1 = p0 + rain_depth * pattern[i, j]
                f = _scs_loss(p1, cn_s[i, j]) - _scs_loss(p0, cn_s[i, j])
            if f > hn:
                f = hn
            if f > 0.0:
                hn -= f
                loss[i, j] += f
                infil += f
            d = min(drain_rate[i, j] * dt, hn) if hn > 0.0 else 0.0
            hn -= d
            drain += d
            if hn < 0.0:  # round-off only: the outflow limiter keeps depths non-negative
                clip -= hn
                hn = 0.0
            h[i, j] = hn
            hmax = max(hmax, hn)
            if hn > max_h[i, j]:
                max_h[i, j] = hn
                t_max_h[i, j] = t + dt
            if hn >= wet_arrival and arrival[i, j] < 0.0:
                arrival[i, j] = t + dt
            if hn >= deep_depth:
                deep_time[i, j] += dt
        row_infil[i] += infil
        row_drain[i] += drain
        row_clip[i] += clip
        row_hmax[i] = hmax


@nb.njit(inline="always")
def _face_velocity(q, eta_a, eta_b, z_a, z_b, h_min):
    hf = max(eta_a, eta_b) - max(z_a, z_b)
    return q / hf if hf > h_min else 0.0


@nb.njit(parallel=True, **_OPTS)
def velocity_maxima(h, z, qx, qy, blocked, wet, h_min, max_v, max_dv):
    """Update the maximum speed (m/s) and depth x speed (m²/s) of cells deeper than ``wet``.

    Speeds are taken at the faces, ``q / h_face`` with the face flow depth of the scheme, and averaged
    to the cell: dividing a cell's mean discharge by its own depth would blow up as a front arrives.
    """
    ny, nx = h.shape
    for i in prange(ny):
        for j in range(nx):
            hc = h[i, j]
            if blocked[i, j] or hc < wet:
                continue
            eta = z[i, j] + hc
            uw = (
                _face_velocity(qx[i, j], eta, z[i, j - 1] + h[i, j - 1], z[i, j], z[i, j - 1], h_min)
                if j > 0
                else (qx[i, j] / hc)
            )
            ue = (
                _face_velocity(qx[i, j + 1], eta, z[i, j + 1] + h[i, j + 1], z[i, j], z[i, j + 1], h_min)
                if j < nx - 1
                else (qx[i, j + 1] / hc)
            )
            un = (
                _face_velocity(qy[i, j], eta, z[i - 1, j] + h[i - 1, j], z[i, j], z[i - 1, j], h_min)
                if i > 0
                else (qy[i, j] / hc)
            )
            us = (
                _face_velocity(qy[i + 1, j], eta, z[i + 1, j] + h[i + 1, j], z[i, j], z[i + 1, j], h_min)
                if i < ny - 1
                else (qy[i + 1, j] / hc)
            )
            ux = 0.5 * (uw + ue)
            uy = 0.5 * (un + us)
            v = math.sqrt(ux * ux + uy * uy)
            if v > max_v[i, j]:
                max_v[i, j] = v
            if v * hc > max_dv[i, j]:
                max_dv[i, j] = v * hc


@nb.njit(inline="always")
def _scs_loss(p, s):
    """SCS-CN losses (infiltration + initial abstraction) after a cumulative rain ``p``, m; ``s`` is S in m."""
    ia = 0.2 * s
    if p <= ia:
        return p
    return p - (p - ia) * (p - ia) / (p - ia + s)


@nb.njit(**_OPTS)
def add_depth(rows, cols, depth, h):
    """Add ``depth`` (m) to the listed cells: inflow hydrographs entering the grid."""
    for k in range(rows.size):
        h[rows[k], cols[k]] += depth


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
