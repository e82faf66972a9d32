"""What an engine's output is, declared once beside the engine (in the manner of landlab's ``_info``), and the one
function that wraps computed arrays into a dataset that keeps the declaration.

An :class:`OutputSpec` names an output, its units (UDUNITS/CF), dtype, dimensions and meaning, and what the rest
of the house does with it: written as a map of the run (``key``), differenced against the baseline (``compared``),
shown in the report (``report``), coloured by a ramp of :mod:`twin.colours` in viewers (``ramp``). The registry
(:mod:`twin.engines`) gathers the specs of every engine; nothing else lists output names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from .errors import ModelInputError, message

MAP = ("y", "x")  # the dimensions of a map on the territory's grid


@dataclass(frozen=True)
class OutputSpec:
    """One output of an engine.

    Parameters
    ----------
    name : str
        Variable name in the dataset, the NetCDF file and the run folder.
    units : str
        UDUNITS/CF units (``"m"``, ``"m s-1"``, ``"degC"``, ``"1"`` for fractions and codes).
    dtype : str
        NumPy dtype of the values (``"float32"``, ``"uint8"``...).
    dims : tuple of str
        Dimensions: ``("y", "x")`` for a map, with ``"time"`` (or another first dimension) for a series.
    meaning : str
        What it is, in English, for the file's ``long_name``; ``{field}`` is filled from the engine's parameters
        (``"maximum speed where deeper than {wet_threshold_m} m"``).
    key : bool
        Written as a Cloud-Optimized GeoTIFF in the run folder (``events/<event>/<name>.tif``).
    compared : bool
        ``twin compare`` writes its difference scenario − baseline as a map.
    report : bool
        The map the report shows for the engine's events (one per engine).
    ramp : str or None
        The colour ramp of :mod:`twin.colours` viewers draw it with; ``None``: not a viewer layer.
    delta_ramp : str or None
        The ramp of its difference against the baseline, for a Δ layer; ``None``: no Δ layer.
    style : str or None
        The ramp of :mod:`twin.colours` its file is styled with when it is no viewer layer (``ramp`` None): a class
        map's classes (its GeoTIFF's colour table, category names and QGIS style, :mod:`twin.styles`).
    menu : bool
        Offered in the page's layer list (the others are reachable by id).
    optional : bool
        Produced only with some parameters (hourly maps, gauges); required otherwise.
    packed_step : float or None
        Stored in NetCDF as 16-bit integers of this step, in the output's units (CF ``scale_factor``): a stack of
        hourly temperatures to 0.01 °C is half the size and three times as fast to write. ``None``: as computed.
    attrs : mapping
        Further attributes of the variable (CF ``flag_values``, ``flag_meanings``).
    """

    name: str
    units: str
    dtype: str
    dims: tuple[str, ...]
    meaning: str
    key: bool = False
    compared: bool = False
    report: bool = False
    ramp: str | None = None
    delta_ramp: str | None = None
    style: str | None = None
    menu: bool = False
    optional: bool = False
    attrs: Mapping[str, Any] = field(default_factory=dict)
    packed_step: float | None = None

    @property
    def colours(self) -> str | None:
        """The ramp of :mod:`twin.colours` its file is drawn with: its viewer ramp, else its ``style``."""
        return self.ramp or self.style

    @property
    def is_map(self) -> bool:
        """A single map on the grid (no time or other dimension)."""
        return self.dims == MAP


def dataset(
    specs: Iterable[OutputSpec],
    values: Mapping[str, Any],
    *,
    coords: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    where: str,
) -> xr.Dataset:
    """The dataset of ``values`` as ``specs`` declare them: each cast to its dtype, on its dims, with its units
    and meaning.

    Parameters
    ----------
    specs : iterable of OutputSpec
        What the engine declares.
    values : mapping of str to array_like
        What the engine computed, by output name.
    coords : mapping
        Coordinates of the dataset (``y``, ``x``, ``time``...), as xarray takes them.
    params : mapping, optional
        The engine's parameters, to fill the ``{field}`` of meanings.
    where : str
        Names the engine in errors.

    Returns
    -------
    xarray.Dataset
        One variable per output computed, with ``units`` and ``long_name`` (and the spec's further attributes).

    Raises
    ------
    twin.errors.ModelInputError
        A computed output the specs do not declare, a declared output missing (unless ``optional``), or values
        whose number of dimensions is not the declared one: an engine that breaks its own contract.
    """
    specs = {s.name: s for s in specs}
    undeclared = sorted(set(values) - set(specs))
    if undeclared:
        raise ModelInputError(message(where, "outputs", f"declared in its specs ({sorted(specs)})", undeclared))
    missing = sorted(n for n, s in specs.items() if n not in values and not s.optional)
    if missing:
        raise ModelInputError(message(where, "outputs", "every required output of its specs", f"missing {missing}"))
    ds = xr.Dataset(coords=coords)
    for name, spec in specs.items():
        if name not in values:
            continue
        array = values[name]
        if not hasattr(array, "chunks"):  # a lazy (dask) stack stays lazy: a flood's frames are read when written
            array = np.asarray(array)
        if array.ndim != len(spec.dims):
            raise ModelInputError(message(where, f"output {name!r}", f"dims {spec.dims}", f"shape {array.shape}"))
        meaning = spec.meaning.format(**params) if params else spec.meaning
        attrs = {"units": spec.units, "long_name": meaning, **spec.attrs}
        if "flag_values" in attrs:  # CF: flag values of the variable's own type
            attrs["flag_values"] = np.asarray(attrs["flag_values"], dtype=spec.dtype)
        ds[name] = (spec.dims, array.astype(spec.dtype, copy=False), attrs)
        if spec.packed_step is not None:
            ds[name].encoding.update(dtype="int16", scale_factor=spec.packed_step, _FillValue=np.int16(-32768))
    return ds
