"""The heat island through the day: when it grows, peaks and fades, in local solar time.

Observations agree on the shape (Oke 1982, Q. J. R. Meteorol. Soc. 108: 1–24; Oke 1987, *Boundary Layer
Climates*; Stewart & Oke 2012, BAMS 93): the canopy-layer heat island is small, sometimes negative, from early
morning to mid-afternoon; it grows fastest in the hours after sunset, as the open country cools faster than the
streets, reaches its daily maximum 3 to 5 hours after sunset, holds through the night where walls release the
heat they stored, and fades within a few hours after sunrise. Theeuwes et al. (2017, Int. J. Climatol. 37) give
that daily maximum, ``UHI_max``, from the sky view factor, the vegetation and the day's weather.

Here, per cell, with ``D`` the daytime heat island, ``N`` the night maximum (``UHI_max``) and ``ρ`` the share of
it left at sunrise, and times in solar hours from sunset ``s`` and sunrise ``r``:

* from ``s − a`` to the peak ``p`` (the step nearest ``s + Δp``): ``D + (N − D)·(1 − cos(π·τ))/2``;
* from the peak to sunrise: ``N`` falling linearly to ``ρ·N``;
* from sunrise to ``r + f``: ``ρ·N + (D − ρ·N)·(1 − cos(π·τ))/2``;
* otherwise (the day): ``D``;

``τ`` running from 0 to 1 over each part. Defaults (:class:`twin.heat.model.HeatParams`): ``a = 1 h``,
``Δp = 4 h`` (Oke 1982: 3–5 h), ``f = 3 h``. The retention ``ρ = ρ_open + (1 − ρ_open)·I`` grows with the
building intensity ``I`` (the stored heat of the building mass); ``ρ_open = 0.6`` is an assumption, not a fit.
Sunrise and sunset are those of the rural day's weather (:func:`twin.heat.weather.sunrise_sunset`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .weather import sunrise_sunset


@dataclass(frozen=True)
class Night:
    """Sunset and sunrise of a day, local solar hours (sunrise in the morning of the same solar day)."""

    sunrise_h: float
    sunset_h: float

    @property
    def length_h(self) -> float:
        return self.sunrise_h + 24.0 - self.sunset_h

    def is_dark(self, hours: np.ndarray) -> np.ndarray:
        """Whether the sun is down at each solar hour."""
        h = np.mod(np.asarray(hours, dtype=float), 24.0)
        return (h < self.sunrise_h) | (h >= self.sunset_h)


def night_of(date: dt.date, *, latitude: float) -> Night:
    """Sunrise and sunset of ``date`` at the latitude, as the rural day's weather takes them
    (:func:`twin.heat.weather.sunrise_sunset`: the day held between 6 and 20 h, so that polar days keep a night)."""
    return Night(*sunrise_sunset(date, latitude=latitude))


@dataclass(frozen=True)
class Shape:
    """The timing of the heat island's day, hours (see the module docstring)."""

    rise_before_sunset_h: float = 1.0
    peak_after_sunset_h: float = 4.0
    fall_after_sunrise_h: float = 3.0


def peak_hour(night: Night, hours: np.ndarray, shape: Shape) -> float:
    """The step hour of the heat island's maximum: the one nearest ``sunset + Δp``, kept in the first half of the
    night when nights are short."""
    target = night.sunset_h + min(shape.peak_after_sunset_h, 0.5 * night.length_h)
    gap = np.abs((np.asarray(hours, dtype=float) - target + 12.0) % 24.0 - 12.0)
    return float(np.asarray(hours, dtype=float)[int(np.argmin(gap))])


def heat_island(
    hours: np.ndarray, night: Night, *, day_k: np.ndarray, night_max_k: np.ndarray, retention: np.ndarray,
    shape: Shape = Shape(),
) -> np.ndarray:  # fmt: skip
    """The heat island at each step, K, shape ``(len(hours), *day_k.shape)``.

    Parameters
    ----------
    hours : numpy.ndarray
        Local solar hours of the steps, 0 ≤ h < 24.
    night : Night
        The day's sunrise and sunset.
    day_k : numpy.ndarray
        The daytime heat island ``D``, K.
    night_max_k : numpy.ndarray
        The night maximum ``N`` (``UHI_max``), K.
    retention : numpy.ndarray
        Share ``ρ`` of ``N`` left at sunrise, 0..1.
    shape : Shape
        Timing of the rise, peak and fall.

    Returns
    -------
    numpy.ndarray
        ``UHI(t)``, float64; it equals ``N`` at the peak step (:func:`peak_hour`).
    """
    hours = np.mod(np.asarray(hours, dtype=float), 24.0)
    d, n, rho = (np.asarray(v, dtype=float) for v in (day_k, night_max_k, retention))
    start = night.sunset_h - shape.rise_before_sunset_h  # τ counts hours from the start of the rise
    to_peak = (peak_hour(night, hours, shape) - start) % 24.0
    to_dawn = (night.sunrise_h - start) % 24.0
    to_day = min(to_dawn + shape.fall_after_sunrise_h, 24.0)
    out = np.empty((hours.size, *d.shape))
    for k, h in enumerate(hours):
        tau = (h - start) % 24.0
        if tau <= to_peak:
            out[k] = d + (n - d) * 0.5 * (1.0 - np.cos(np.pi * tau / to_peak))
        elif tau <= to_dawn:
            out[k] = n - (n - rho * n) * (tau - to_peak) / (to_dawn - to_peak)
        elif tau < to_day:
            out[k] = rho * n + (d - rho * n) * 0.5 * (1.0 - np.cos(np.pi * (tau - to_dawn) / (to_day - to_dawn)))
        else:
            out[k] = d
    return out


def day_night_steps(hours: np.ndarray, night: Night, *, day_k: np.ndarray, night_k: np.ndarray) -> np.ndarray:
    """InVEST's two runs as a day: the day map while the sun is up, the night map while it is down, K."""
    dark = night.is_dark(hours)
    return np.stack([np.asarray(night_k if is_dark else day_k, dtype=float) for is_dark in dark])
