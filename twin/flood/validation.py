"""Public validation cases of the flood engine, set up once for the tests, the documentation and the tutorials.

:func:`ea_test4` is the UK Environment Agency's 2D benchmark Test 4 (Néelz & Pender 2013): its territory, event,
parameters, gauges, reference figures and gates, with what the gates read in a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..territory import Territory
from ..testing import grid_territory
from .boundaries import cell_of, edge_positions
from .events import RiverFlood
from .model import FloodParams, simulate


@dataclass(frozen=True)
class FloodBenchmark:
    """A published flood benchmark set up for the flood engine, with its reference figures and its gates.

    Parameters
    ----------
    name : str
        The benchmark, as its report names it.
    territory : Territory
        The domain, made with :func:`twin.testing.grid_territory`.
    event : RiverFlood
        The forcing, a :class:`~twin.flood.events.RiverFlood`.
    params : FloodParams
        The engine's options for the case (:class:`~twin.flood.model.FloodParams`), gauges included.
    gauges : Mapping of str to (float, float)
        The output points in the benchmark's own coordinates: m from the domain's west and south edges
        (``params.gauges`` holds the same points in the territory's CRS).
    reference_peak_m : Mapping of str to float
        Reference peak depth at each gauge, m.
    reference_arrival_min : Mapping of str to float
        Reference arrival time at each gauge (the first time deeper than ``params.wet_threshold_m``), min.
    reference_model : str
        Where the reference figures come from.
    peak_tolerance_m : float
        Gate: the largest allowed |peak − reference| at any gauge, m.
    arrival_tolerance_min : float
        Gate: the largest allowed |arrival − reference| at any gauge, min.
    volume_tolerance : float
        Gate: the largest allowed relative difference between the water stored at the end and the inflow volume.
    inflow_volume_m3 : float
        The water the event brings in over the run, m³: the inflow segment's width (its cells × the cell size)
        times the integral of the discharge per unit width.
    """

    name: str
    territory: Territory
    event: Any
    params: Any
    gauges: Mapping[str, tuple[float, float]]
    reference_peak_m: Mapping[str, float]
    reference_arrival_min: Mapping[str, float]
    reference_model: str
    peak_tolerance_m: float
    arrival_tolerance_min: float
    volume_tolerance: float
    inflow_volume_m3: float

    def run(self, **kwargs):
        """The case through :func:`twin.flood.model.simulate` (keywords go to it): an ``xarray.Dataset``.

        Parameters
        ----------
        **kwargs
            More keywords of :func:`twin.flood.model.simulate` (``progress``...).

        Returns
        -------
        xarray.Dataset
            The flood engine's outputs.
        """
        return simulate(self.territory, self.event, params=self.params, **kwargs)

    def gauge_cells(self) -> dict[str, tuple[int, int]]:
        """(row, column) of each gauge's cell. A gauge on the face between two cells is read in the cell to its
        east (and to its south), as LISFLOOD-FP does for x.

        Returns
        -------
        dict of str to (int, int)
            Gauge name -> (row, column) on the territory's grid.
        """
        grid = self.territory.grid
        return {name: cell_of(grid, *xy, where=f"gauge {name}") for name, xy in self.params.gauges.items()}

    def measure(self, ds) -> dict[str, Any]:
        """What the gates look at, in a result of :meth:`run`.

        Parameters
        ----------
        ds : xarray.Dataset
            The flood engine's outputs for the case.

        Returns
        -------
        dict
            ``peak_m`` and ``arrival_min`` by gauge, read on the ``max_depth`` and ``arrival_time`` maps at the
            gauge cells (so they do not depend on ``gauge_interval_s``); ``peak_error_m`` and
            ``arrival_error_min`` (model minus reference); ``stored_m3``, the water on the grid at the end, and
            ``volume_error``, its relative difference from ``inflow_volume_m3``; ``passed``, every gate met.
        """
        cells = self.gauge_cells()
        peak = {name: float(ds.max_depth.values[rc]) for name, rc in cells.items()}
        arrival = {name: float(ds.arrival_time.values[rc]) / 60.0 for name, rc in cells.items()}
        stored = float(json.loads(ds.attrs["mass_balance"])["stored_m3"])
        out: dict[str, Any] = {
            "peak_m": peak,
            "arrival_min": arrival,
            "peak_error_m": {g: peak[g] - self.reference_peak_m[g] for g in peak},
            "arrival_error_min": {g: arrival[g] - self.reference_arrival_min[g] for g in arrival},
            "stored_m3": stored,
            "volume_error": (stored - self.inflow_volume_m3) / self.inflow_volume_m3,
        }
        out["passed"] = bool(
            all(abs(e) <= self.peak_tolerance_m for e in out["peak_error_m"].values())
            and all(abs(e) <= self.arrival_tolerance_min for e in out["arrival_error_min"].values())
            and abs(out["volume_error"]) <= self.volume_tolerance
        )
        return out


# EA Test 4 (Néelz & Pender 2013): the output points (m from the west and south edges) and the reference figures.
_EA4_GAUGES = {"P1": (50.0, 1000.0), "P2": (100.0, 1000.0), "P3": (200.0, 1000.0), "P4": (300.0, 1000.0),
               "P5": (400.0, 1000.0), "P6": (300.0, 1300.0)}  # fmt: skip
_EA4_PEAK_M = {"P1": 0.3251, "P2": 0.2745, "P3": 0.2275, "P4": 0.2002, "P5": 0.1800, "P6": 0.1755}
_EA4_ARRIVAL_MIN = {"P1": 10.2, "P2": 16.4, "P3": 30.4, "P4": 45.5, "P5": 61.5, "P6": 66.2}
# The inflow per metre of the west edge between y = 990 and 1010 m, m²/s, at these times, s.
_EA4_TIME_S = (0.0, 300.0, 3600.0, 14_400.0, 18_000.0)
_EA4_Q_M2_S = (0.0, 0.0, 1.0, 1.0, 0.0)
_EA4_SEGMENT_M = (990.0, 1010.0)


def ea_test4(cell_size: float = 5.0) -> FloodBenchmark:
    """The UK Environment Agency's 2D benchmark Test 4: a flood wave spreading over a flat floodplain.

    A flat, dry domain of 1000 m (x) × 2000 m (y), Manning's n = 0.05 everywhere, closed edges, no infiltration
    and no sewer. Water comes in by the west edge between y = 990 and 1010 m (from the south edge) as a discharge
    per unit width: 0 until 300 s, rising linearly to 1 m²/s at 3600 s, held until 14 400 s, falling linearly to
    0 at 18 000 s. The run lasts 5 h. The reference figures are LISFLOOD-FP's DG2 solver at 5 m; the gates are
    5 mm on every peak depth, 2 min on every arrival time (the first time deeper than 1 cm) and 1e-6 (relative)
    between the water stored at the end and the inflow volume.

    Parameters
    ----------
    cell_size : float
        Cell size, m; it must divide 1000 m into whole cells. The gates hold at 5 m (at 10 m the arrivals miss
        theirs).

    Returns
    -------
    FloodBenchmark
        The territory, event, parameters, gauges, reference figures and gates; ``run()`` runs the case and
        ``measure(ds)`` reads what the gates look at.

    Raises
    ------
    ValueError
        A cell size that does not divide 1000 m into whole cells.

    References
    ----------
    Néelz, S., Pender, G. (2013). Benchmarking the latest generation of 2D hydraulic modelling packages.
    Environment Agency, report SC120002.
    """
    cells_x = 1000.0 / cell_size if cell_size > 0 else 0.5
    if cells_x != round(cells_x):
        raise ValueError(f"ea_test4: cell_size must divide 1000 m into whole cells, got {cell_size!r}")
    nx, ny = round(cells_x), 2 * round(cells_x)
    territory = grid_territory(np.zeros((ny, nx)), cell_size=cell_size, land_cover=6, name="ea-test4")
    territory = territory.with_layers(manning_n=np.full((ny, nx), 0.05))
    xmin, ymin = territory.grid.bounds[:2]
    event = RiverFlood.model_validate(
        {
            "kind": "river_flood",
            "name": "ea-test4",
            "inflow_location": "west",
            "inflow_segment_m": list(_EA4_SEGMENT_M),
            "discharge_per_unit_width": True,
            "hydrograph_series": {"time_h": [t / 3600.0 for t in _EA4_TIME_S], "discharge": list(_EA4_Q_M2_S)},
            "duration_h": 5.0,
        }
    )
    params = FloodParams(
        infiltration="none",
        sewer_return_period_years=None,
        edges=dict.fromkeys(("west", "east", "north", "south"), "closed"),
        duration_s=18_000.0,
        gauges={name: (xmin + x, ymin + y) for name, (x, y) in _EA4_GAUGES.items()},
        gauge_interval_s=10.0,
        frame_interval_s=1800.0,
        wet_threshold_m=0.01,
    )
    along = edge_positions("west", territory.grid.shape, cell_size)
    width_m = float(((along >= _EA4_SEGMENT_M[0]) & (along <= _EA4_SEGMENT_M[1])).sum()) * cell_size
    return FloodBenchmark(
        name="EA 2D benchmark Test 4 (Néelz & Pender 2013)",
        territory=territory,
        event=event,
        params=params,
        gauges=dict(_EA4_GAUGES),
        reference_peak_m=dict(_EA4_PEAK_M),
        reference_arrival_min=dict(_EA4_ARRIVAL_MIN),
        reference_model="LISFLOOD-FP DG2 at 5 m",
        peak_tolerance_m=0.005,
        arrival_tolerance_min=2.0,
        volume_tolerance=1e-6,
        inflow_volume_m3=width_m * float(np.trapezoid(_EA4_Q_M2_S, _EA4_TIME_S)),
    )
