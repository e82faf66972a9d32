"""The steps of a layer shown on the ground over time (the heat engine's hours of the day): their instants and
labels, the step to show first, and the map of one step.

A layer whose timeline is ``"steps"`` (:data:`viewer.layers.STEPS`: an output with a time dimension and a ramp
that is not a surface) is a stack of maps in the event's ``hazard.nc``, one per step. Each step is labelled with
the legal local time the engine wrote beside it (the coordinate ``local_time``, ``"HH:MM"``, in the zone of the
dataset's ``time_zone``); a run without it is labelled in UTC.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.engines import engine_for
from twin.errors import DataSourceError, MissingFileError, message

from .layers import LAYERS, STEPS, TIME, Layer

# netCDF-C and HDF5 are not safe when two threads of the server open the same file at once (an "HDF error", or a
# crash): every read of a hazard.nc by the viewer holds this lock (viewer.scene's flood frames too).
HAZARD_LOCK = threading.RLock()
AFTERNOON_H = 15.0  # the step shown first when the layer has no value at any step: the nearest to 15:00, h


@dataclass(frozen=True)
class Step:
    """One step of the day.

    Attributes
    ----------
    time : str
        Its instant, UTC, ISO 8601 (``"2019-07-25T13:00:00Z"``).
    local_time : str
        The legal local time, ``"HH:MM"``: the label people read.
    solar_hour : float or None
        The local solar time, h (None when the run does not say).
    """

    time: str
    local_time: str
    solar_hour: float | None


@dataclass(frozen=True)
class Steps:
    """The steps of a layer over an event.

    Attributes
    ----------
    layer : str
        The id of the layer (:data:`viewer.layers.LAYERS`).
    time_zone : str
        The zone of the local times (``"Europe/Paris"``, ``"UTC+1"``, ``"UTC"``).
    steps : tuple of Step
        In time order.
    peak : int
        The step to show first: the one where the layer's mean over the ground is highest (for the felt
        temperature, the day's hottest hour); the step nearest 15:00 when the layer has no value at all.
    """

    layer: str
    time_zone: str
    steps: tuple[Step, ...]
    peak: int


def _where(record) -> str:
    return f"run {record.name!r} ({record.folder})"


def stepped_layers(record, event: str) -> list[Layer]:
    """The layers that show ``event`` step by step (empty for an event whose engine has none, a flood's).

    Raises
    ------
    twin.errors.DataSourceError
        If the run has no event ``event``.
    """
    kinds = {e["name"]: e["kind"] for e in record.events}
    if event not in kinds:
        raise DataSourceError(message(_where(record), "event", f"one of {list(kinds)}", event))
    family = engine_for(kinds[event]).name
    return [lay for lay in LAYERS.values() if lay.timeline == STEPS and lay.family == family]


def stepped_layer(record, event: str, layer: str | None = None) -> Layer:
    """The layer ``layer`` (by default the first) that shows ``event`` step by step; a clear error if none does.

    Raises
    ------
    twin.errors.DataSourceError
        An unknown event, an event with no steps (the message lists the run's events that have them), or a
        ``layer`` that does not show this event step by step.
    """
    found = stepped_layers(record, event)
    if not found:
        with_steps = [e["name"] for e in record.events if stepped_layers(record, e["name"])]
        kind = next(e["kind"] for e in record.events if e["name"] == event)
        raise DataSourceError(message(_where(record), "event with steps over the day", f"one of {with_steps}",
                                      event) + f" ({kind})")  # fmt: skip
    if layer is None:
        return found[0]
    chosen = [lay for lay in found if lay.id == layer]
    if not chosen:
        raise DataSourceError(message(f"{_where(record)}, event {event!r}", "layer with steps",
                                      f"one of {[lay.id for lay in found]}", layer))  # fmt: skip
    return chosen[0]


def _open(record, event: str, lay: Layer):
    """The event's ``hazard.nc``, open (the caller holds :data:`HAZARD_LOCK` until it is closed)."""
    import xarray as xr

    path = Path(record.hazard_path(event))
    if not path.is_file():
        raise MissingFileError(path, role=f"steps of event {event!r} (hazard.nc)")
    ds = xr.open_dataset(path)
    if lay.var not in ds or TIME not in ds[lay.var].dims:
        ds.close()
        raise DataSourceError(message(f"{_where(record)}, event {event!r}", f"hazard.nc (map {lay.var!r})",
                                      "a stack of maps over time (run again with this version of twin)",
                                      "none"))  # fmt: skip
    return ds


def _utc(values) -> list[str]:
    stamps = np.asarray(values)
    if np.issubdtype(stamps.dtype, np.datetime64):
        return [f"{s}Z" for s in np.datetime_as_string(stamps.astype("datetime64[s]"), unit="s")]
    return [str(s) for s in stamps]


def _clock_hours(labels: list[str]) -> np.ndarray:
    """``"HH:MM"`` labels as hours (NaN for a label that is not one)."""
    out = np.full(len(labels), np.nan)
    for i, label in enumerate(labels):
        if len(label) == 5 and label[2] == ":" and (label[:2] + label[3:]).isdigit():
            out[i] = int(label[:2]) + int(label[3:]) / 60.0
    return out


def _peak(stack: np.ndarray, labels: list[str]) -> int:
    """The step of the highest mean over the cells with a value; the step nearest 15:00 (else the middle) when no
    step has one."""
    finite = np.isfinite(stack)
    counts = finite.sum(axis=(1, 2))
    if not counts.any():
        gap = np.abs(_clock_hours(labels) - AFTERNOON_H)
        return int(np.nanargmin(gap)) if np.isfinite(gap).any() else len(labels) // 2
    means = np.where(finite, stack, 0.0).sum(axis=(1, 2)) / np.maximum(counts, 1)
    return int(np.argmax(np.where(counts > 0, means, -np.inf)))


def read_steps(record, event: str, layer: str | None = None) -> Steps:
    """The steps of ``event`` for its stepped layer ``layer`` (by default the first), with their labels.

    Parameters
    ----------
    record : twin.results.RunRecord
        A run folder, as :func:`twin.results.load_run` reads it.
    event : str
        One of its events that has steps (a heat event).
    layer : str, optional
        A layer of :data:`viewer.layers.LAYERS` whose timeline is ``"steps"``.

    Returns
    -------
    Steps

    Raises
    ------
    twin.errors.DataSourceError
        See :func:`stepped_layer`; or the run's ``hazard.nc`` has no stack of the layer (an older run).
    twin.errors.MissingFileError
        The event has no ``hazard.nc``.
    """
    lay = stepped_layer(record, event, layer)
    with HAZARD_LOCK, _open(record, event, lay) as ds:
        stack = ds[lay.var]
        times = _utc(stack[TIME].values)
        zone = str(ds.attrs.get("time_zone") or "UTC")
        if "local_time" in stack.coords:
            labels = [str(s) for s in stack["local_time"].values]
        else:
            labels, zone = [t[11:16] for t in times], "UTC"
        solar = stack["solar_hour"].values.astype(float) if "solar_hour" in stack.coords else [np.nan] * len(times)
        peak = _peak(stack.values.astype(np.float64), labels)
    rows = zip(times, labels, solar, strict=True)
    steps = tuple(Step(t, lab, float(h) if np.isfinite(h) else None) for t, lab, h in rows)
    return Steps(lay.id, zone, steps, peak)


def step_map(record, event: str, layer: str | None, step: int) -> np.ndarray:
    """The map of step ``step`` of ``event``'s stepped layer (row 0 is north, NaN where no value).

    Raises
    ------
    twin.errors.DataSourceError
        See :func:`read_steps`; or ``step`` is not a step of the event.
    """
    lay = stepped_layer(record, event, layer)
    with HAZARD_LOCK, _open(record, event, lay) as ds:
        count = ds.sizes[TIME]
        if not isinstance(step, (int, np.integer)) or not 0 <= step < count:
            raise DataSourceError(message(f"{_where(record)}, event {event!r}", "step",
                                          f"a whole number in [0, {count - 1}]", step))  # fmt: skip
        return ds[lay.var].isel({TIME: int(step)}).values.astype(np.float64)


__all__ = ["HAZARD_LOCK", "Step", "Steps", "read_steps", "step_map", "stepped_layer", "stepped_layers"]
