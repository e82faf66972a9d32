"""Terrain of the demo town: a river valley, its floodplain and two hillsides.

Everything here works in *local* coordinates, metres east (``u``) and north
(``v``) of the lower-left corner of the demo grid; :mod:`twin.synthetic.town`
shifts the results to Lambert-93 at the very end.

The ground is a sum of smooth closed-form terms, evaluated cell by cell, so the
result depends neither on an FFT nor on a library's random-field generator:

* a floodplain at about 21-23 m (NGF-IGN69) that falls 0.5 m per km downstream
  (eastward) and rises by 0.6 m from the river bank to the foot of the hills;
* a river channel about 3 m deep, 40 m wide at the water line;
* two hillsides of half-cosine profile (north up to about 75 m, south up to
  about 55 m), steepest slope about 12 %;
* a few low-frequency sinusoids with seeded phases and directions (a few m on the
  hills, about 0.2 m on the floodplain);
* a few seeded thalwegs (small dry valleys) running down the hillsides to the
  floodplain, the paths of runoff in a storm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

#: Extent of the demo territory, m (local coordinates: 0..WIDTH east, 0..HEIGHT north).
WIDTH = 2000.0
HEIGHT = 1500.0

#: Floodplain level at the river bank at the west edge, m (NGF-IGN69).
FLOODPLAIN_Z0 = 22.2
#: Downstream fall of the floodplain and the river, m per m (0.5 m/km).
DOWNSTREAM_SLOPE = 0.0005
#: Rise of the floodplain from the bank to the foot of the hills, m.
FLOODPLAIN_RISE = 0.6
#: Depth of the river bed below the floodplain at the bank, m.
CHANNEL_DEPTH = 3.0
#: Width of the river at the water line, m.
RIVER_WIDTH = 40.0

_TWO_PI = 2.0 * np.pi


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _half_cosine(t: np.ndarray) -> np.ndarray:
    """0 at t <= 0, 1 at t >= 1, with zero slope at both ends."""
    return 0.5 * (1.0 - np.cos(np.pi * np.clip(t, 0.0, 1.0)))


@dataclass(frozen=True)
class Valley:
    """Seeded shape of the valley, in local coordinates (m).

    Attributes
    ----------
    phases : tuple of float
        Phases of the valley axis, the two meander harmonics and the floodplain
        edge undulation, rad.
    relief : tuple of tuple of float
        ``(wavelength m, amplitude m, direction rad, phase rad)`` of the hillside
        undulations.
    thalwegs : tuple of tuple of float
        ``(u at the hill foot m, side +1 north / -1 south, depth m, drift phase rad)``.
    """

    phases: tuple[float, ...]
    relief: tuple[tuple[float, float, float, float], ...]
    thalwegs: tuple[tuple[float, float, float, float], ...]

    @classmethod
    def from_rng(cls, rng: np.random.Generator) -> Valley:
        """Draw the valley shape; the big geometry stays close to the town plan whatever the seed."""
        phases = tuple(float(p) for p in np.array([0.6, 1.1, 2.3, 0.4]) + rng.uniform(-0.3, 0.3, 4))
        waves = np.array([900.0, 620.0, 430.0, 310.0])
        amps = np.array([2.2, 1.6, 1.0, 0.6])
        dirs = rng.uniform(0.0, np.pi, 4)
        phis = rng.uniform(0.0, _TWO_PI, 4)
        rows = np.column_stack([waves, amps, dirs, phis])
        relief = tuple(tuple(float(x) for x in row) for row in rows)
        # Thalwegs: three on the north hill (one through the station district and the
        # old centre, a pluvial flood path inside the town), two on the south hill.
        base = np.array([260.0, 1010.0, 1640.0, 480.0, 1380.0])
        side = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
        depth = np.array([5.0, 4.0, 5.0, 3.5, 3.0])
        u0 = base + rng.uniform(-40.0, 40.0, 5)
        depth = depth * rng.uniform(0.85, 1.15, 5)
        drift = rng.uniform(0.0, _TWO_PI, 5)
        rows = np.column_stack([u0, side, depth, drift])
        thalwegs = tuple(tuple(float(x) for x in row) for row in rows)
        return cls(phases, relief, thalwegs)

    # -- centre lines ---------------------------------------------------------------------------------------------
    def axis(self, u: np.ndarray) -> np.ndarray:
        """``v`` of the valley axis (middle of the floodplain) at ``u``, m."""
        return 640.0 + 20.0 * np.sin(_TWO_PI * u / 2600.0 + self.phases[0])

    def river_v(self, u: np.ndarray) -> np.ndarray:
        """``v`` of the river centre line at ``u``, m: gentle meanders within the floodplain."""
        return (
            self.axis(u)
            + 45.0 * np.sin(_TWO_PI * u / 1100.0 + self.phases[1])
            + 10.0 * np.sin(_TWO_PI * u / 480.0 + self.phases[2])
        )

    def river_line(self, *, u0: float = 0.0, u1: float = WIDTH, extra: tuple[float, ...] = ()) -> shapely.LineString:
        """River centre line from ``u0`` to ``u1``, a vertex every 10 m plus one at each ``extra`` u, m."""
        u = np.unique(np.concatenate([np.arange(u0, u1, 10.0), [u1], np.asarray(extra, dtype=float)]))
        u = u[(u >= u0) & (u <= u1)]
        return shapely.LineString(np.column_stack([u, np.round(self.river_v(u), 2)]))

    def north_edge(self, u: np.ndarray) -> np.ndarray:
        """Half-width of the floodplain north of the valley axis, m."""
        return 205.0 + 15.0 * np.sin(_TWO_PI * u / 1700.0 + self.phases[3])

    def south_edge(self, u: np.ndarray) -> np.ndarray:
        """Half-width of the floodplain south of the valley axis, m (wider downstream)."""
        return 205.0 + 50.0 * (u / WIDTH)

    # -- the ground -----------------------------------------------------------------------------------------------
    def elevation(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Ground elevation at cell centres, m (NGF-IGN69).

        Parameters
        ----------
        u, v : numpy.ndarray
            1-D local coordinates of the columns (east, m) and rows (north, m).

        Returns
        -------
        numpy.ndarray
            float64 array of shape ``(len(v), len(u))``, rounded to 1 mm.
        """
        uu, vv = np.meshgrid(u, v)
        dv = vv - self.axis(uu)
        # Distance to the river centre line (a line longer than the grid, so that the
        # channel does not end in a bowl at the edges).
        line = self.river_line(u0=-200.0, u1=WIDTH + 200.0)
        r = shapely.distance(shapely.points(uu.ravel(), vv.ravel()), line).reshape(uu.shape)

        z = FLOODPLAIN_Z0 - DOWNSTREAM_SLOPE * uu
        z = z + FLOODPLAIN_RISE * _smoothstep((r - 28.0) / 220.0)
        # Channel: flat bed within 10 m of the centre line, cosine banks out to 28 m.
        z = z - CHANNEL_DEPTH * (1.0 - _half_cosine((r - 10.0) / 18.0))

        s_north = dv - self.north_edge(uu)
        s_south = -dv - self.south_edge(uu)
        f_north = _half_cosine(s_north / 700.0)
        f_south = _half_cosine(s_south / 400.0)
        h_north = 50.0 + 3.0 * np.sin(_TWO_PI * uu / 1300.0 + self.phases[1])
        z = z + h_north * f_north + 30.0 * f_south

        hill = _smoothstep(np.maximum(s_north, s_south) / 120.0)
        for wave, amp, direction, phase in self.relief:
            k = _TWO_PI / wave
            z = z + hill * amp * np.sin(k * (uu * np.cos(direction) + vv * np.sin(direction)) + phase)
        flat = 1.0 - hill
        z = z + flat * (0.12 * np.sin(_TWO_PI * uu / 350.0 + self.phases[2]) * np.sin(_TWO_PI * vv / 260.0))
        z = z + flat * (0.08 * np.sin(_TWO_PI * (uu + vv) / 210.0 + self.phases[0]))

        for u0, side, depth, drift in self.thalwegs:
            f = f_north if side > 0 else f_south
            centre = u0 + 35.0 * np.sin((vv - 640.0) / 260.0 + drift)
            z = z - depth * 4.0 * f * (1.0 - f) * np.exp(-0.5 * ((uu - centre) / 45.0) ** 2)
        return np.round(z, 3)
