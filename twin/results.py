"""The results folder of a run: its layout, written whole or not at all, and read back.

::

    RUN/
      indicators.json        the scenario (title, description, cost), its measures (area, cells), its events
                             and every indicator as a tidy record with units
      provenance.json        scenario and territory SHA-256, every input file (the territory's sources, the
                             scenario and the files it names) with its role and SHA-256, the land-cover table,
                             the loading notes, the layers the measures changed, twin version, engine
                             parameters, timings per stage, flood results reused from another run and why
      scenario.toml          the resolved scenario (inherited measures and events written out)
      impacts.gpkg           per event, layers buildings_<event> (depth and damage, or UTCI and stress, per
                             building) and sites_<event>
      territory/*.tif        elevation, land cover, canopy, imperviousness and building heights after the measures,
                             and every other layer the measures changed (albedo, green roofs, Manning's n...), so
                             that QGIS can check them
      events/<event>/*.tif   the key maps of each event's engine (twin.engines) as Cloud-Optimized GeoTIFF (units
                             as the band's unit; a class map with its colour table, its class names in
                             ``<map>.tif.aux.xml``)
      */<map>.qml            beside each map, its QGIS style in the report's colours (twin.styles)
      events/<event>/hazard.nc  every map of the engine as CF NetCDF (flood depth frames included)

Everything is written in a hidden sibling folder which is renamed into place at
the end, so that a folder named like a run is always a complete run.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rasterio

from .engines import engine_for
from .errors import DataSourceError, MissingFileError, OutputError, OutputExistsError, message
from .impacts import Indicator
from .io import write_netcdf, write_vector
from .scenario.io import save_scenario
from .styles import output_style, territory_style, write_map
from .words import text, translated

TERRITORY_MAPS = ("elevation", "land_cover", "tree_canopy", "imperviousness", "building_height")
log = logging.getLogger(__name__)
FORMAT_VERSION = 1
PARTIAL = ".partial-"  # a run folder being written is ".NAME.partial-PID" beside it (hidden from the catalogue)


def check_output(out: Path, *, overwrite: bool, marker: str | None = "provenance.json") -> None:
    """Refuse, before any work, an output folder that exists (unless ``overwrite``).

    With ``overwrite``, only a folder twin wrote (it holds ``marker``) or an empty one is replaced, never a
    file or a folder of other things: ``--out ~/Documents --overwrite`` must not delete documents.

    Parameters
    ----------
    out : pathlib.Path
        The output folder to be written.
    overwrite : bool
        Whether an existing ``out`` may be replaced.
    marker : str or None
        A file that proves twin wrote the folder; ``None`` accepts any folder.

    Raises
    ------
    OutputExistsError
        ``out`` exists and ``overwrite`` is false.
    OutputError
        ``out`` is a file, or a folder holding other things than twin's.
    """
    if not out.exists():
        return
    if not overwrite:
        raise OutputExistsError(out)
    if not out.is_dir():
        raise OutputError(message(out, "output", "a folder (it is replaced whole)", "an existing file"))
    if marker is not None and any(out.iterdir()) and not (out / marker).is_file():
        raise OutputError(
            message(
                out, "output", f"a folder twin wrote (with {marker}) or an empty one, to be replaced", "other files"
            )
        )


def layer_name(kind: str, event: str) -> str:
    """GeoPackage layer of an event's impacts: ``buildings_storm_100y_1h``.

    Parameters
    ----------
    kind : str
        ``"buildings"`` or ``"sites"``.
    event : str
        The event's name; its hyphens become underscores.

    Returns
    -------
    str
        The layer name in ``impacts.gpkg``.
    """
    return f"{kind}_{event.replace('-', '_')}"


def write_run(result, out: Path, *, overwrite: bool = False):
    """Write a :class:`~twin.runner.RunResult` to ``out`` atomically; returns it with ``folder`` set.

    Parameters
    ----------
    result : twin.runner.RunResult
        A run, in memory.
    out : pathlib.Path
        The results folder to write (layout in this module's summary).
    overwrite : bool
        Replace an existing run folder (see :func:`check_output`).

    Returns
    -------
    twin.runner.RunResult
        ``result`` with ``folder``, its provenance and its timings (the write included, s) updated.

    Raises
    ------
    OutputExistsError, OutputError
        ``out`` exists and may not be replaced, or the results could not be written.
    """
    check_output(out, overwrite=overwrite)
    started = time.perf_counter()
    with folder_in_place(out, what="the results") as tmp:
        _write_contents(result, tmp)
        timings = result.timings | {"write": round(time.perf_counter() - started, 3)}
        provenance = result.provenance | {"timings_s": timings, "format_version": FORMAT_VERSION}
        _write_json(tmp / "provenance.json", provenance)
    log.info("wrote the results of %s in %s", result.scenario.name, out)
    return replace(result, folder=out, provenance=provenance, timings=timings)


@contextmanager
def folder_in_place(out: Path, *, what: str):
    """Yield a hidden sibling folder to write ``what`` into; it replaces ``out`` whole if the block succeeds and
    is removed if it fails, so a folder named ``out`` is never half written. Disk errors become OutputError.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write; its parent is created.
    what : str
        What is written, for the error message (``"the results"``).

    Yields
    ------
    pathlib.Path
        The hidden folder to write into (not yet created).

    Raises
    ------
    OutputError
        A disk error (full, no permission) while writing or moving the folder into place.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}{PARTIAL}{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        yield tmp
        replace_folder(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: {what} could not be written: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_partial(out: Path) -> None:
    """Remove what writers killed before the end left of ``out`` (their hidden folders beside it)."""
    for tmp in out.parent.glob(f".{out.name}{PARTIAL}*"):
        shutil.rmtree(tmp, ignore_errors=True)


def replace_folder(new: Path, out: Path) -> None:
    """Move the complete folder ``new`` to ``out``, replacing what is there; the old one is kept on failure.

    Parameters
    ----------
    new : pathlib.Path
        The complete folder, a sibling of ``out``.
    out : pathlib.Path
        Where it goes.
    """
    if not out.exists():
        new.rename(out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_contents(result, folder: Path) -> None:
    """Every file of the run. The GeoTIFFs are written on a second thread (GDAL releases the GIL) while this one
    writes the NetCDF files and the GeoPackage (the netCDF library is not thread-safe: one writer at a time)."""
    scenario = result.scenario
    folder.mkdir(parents=True)
    _write_json(folder / "indicators.json", summary(result))
    save_scenario(scenario.model_copy(update={"extends": None}), folder / "scenario.toml")
    territory = result.territory
    maps = []  # (values, path, style, units, description, nodata)
    changed = (result.provenance.get("territory") or {}).get("changed_layers") or []
    for name in dict.fromkeys([*TERRITORY_MAPS, *changed]):
        layer = territory.layers[name]
        units = layer.attrs.get("units", "")
        style = territory_style(name, layer.values, units, territory.landcover)
        maps.append((layer.values, folder / "territory" / f"{name}.tif", style, units,
                     layer.attrs.get("long_name", ""), None))  # fmt: skip
    for name, event in result.events.items():
        engine = engine_for(event.event)
        for var in engine.key_maps:
            da = event.hazard[var]
            nodata = float("nan") if da.dtype.kind == "f" else da.attrs.get("missing_value")
            style = output_style(engine.output(var), da.values)
            maps.append((da.values, folder / "events" / name / f"{var}.tif", style, da.attrs.get("units", ""),
                         da.attrs.get("long_name", var), nodata))  # fmt: skip
    gpkg = folder / "impacts.gpkg"
    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.map(
            lambda m: write_map(m[0], m[1], territory.grid, m[2], units=m[3], description=m[4], nodata=m[5]), maps
        )
        for name, event in result.events.items():
            write_netcdf(event.hazard, folder / "events" / name / "hazard.nc")
            write_vector(event.impacts.buildings, gpkg, layer=layer_name("buildings", name), add_layer=True)
            write_vector(event.impacts.sites, gpkg, layer=layer_name("sites", name), add_layer=True)
        list(written)  # raises the first error of a GeoTIFF, if any


def summary(result) -> dict[str, Any]:
    """The JSON of ``indicators.json``: the scenario for people, its measures, events and indicators.

    Parameters
    ----------
    result : twin.runner.RunResult
        A run, in memory.

    Returns
    -------
    dict
        The content of ``indicators.json``, before it is written as JSON.
    """
    s = result.scenario
    return {
        "format_version": FORMAT_VERSION,
        "scenario": {
            "name": s.name,
            "title": s.title,
            "description": s.description.strip(),
            "author": s.author,
            "status": s.status,
            "cost_eur": s.cost_eur,
            "lifetime_years": s.lifetime_years,
        }
        | _words(s.i18n),
        "measures": [e.as_dict() | _words(m.i18n) for e, m in zip(result.effects, s.measures, strict=True)],
        "events": [
            {"name": n, "kind": e.event.kind, "forcing": result.provenance["events"][n]["forcing"]}
            | ({"title": e.event.title} if e.event.title else {})
            | _words(e.event.i18n)
            | ({"reused_from": e.reused} if e.reused else {})
            for n, e in result.events.items()
        ],
        "indicators": [i.to_dict() for i in result.indicators],
    }


def _words(i18n: dict) -> dict:
    """``{"i18n": {lang: {field: text}}}`` of a model's texts in other languages, or nothing when it has none."""
    given = {lang: words.model_dump(exclude_none=True) for lang, words in i18n.items()}
    return {"i18n": given} if given else {}


def _no_nan(value):
    """JSON has no NaN: a float that is not finite becomes null, wherever it is."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def _write_json(path: Path, data: dict) -> None:
    data = _no_nan(data)
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable, allow_nan=False) + "\n", encoding="utf-8"
    )


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass(frozen=True)
class RunRecord:
    """A results folder read back: what :func:`twin.compare` and the report work from.

    Parameters
    ----------
    folder : pathlib.Path
        The run folder.
    scenario : dict
        The scenario for people (``indicators.json``): name, title, description, author, status, ``cost_eur``
        (€), ``lifetime_years`` (years).
    measures : list of dict
        One record per measure (area, cells).
    events : list of dict
        One record per event: name, kind, forcing figures and, if reused, where from.
    indicators : list of Indicator
        Every indicator of the run.
    provenance : dict
        The content of ``provenance.json``.
    event_folders : dict of str to pathlib.Path
        Where an event's maps are, if not in ``folder`` (a batch shares the floods of several runs).
    """

    folder: Path
    scenario: dict[str, Any]
    measures: list[dict[str, Any]]
    events: list[dict[str, Any]]
    indicators: list  # twin.impacts.Indicator
    provenance: dict[str, Any]
    event_folders: dict[str, Path] = field(default_factory=dict)  # where an event's maps are, if not in ``folder``

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario["name"]

    def title(self, lang: str) -> str:
        """The scenario's title in ``lang`` (its ``[i18n.<lang>]`` title, else its own, else its name)."""
        return translated(self.scenario, "title", lang) or self.name

    def description(self, lang: str) -> str:
        """The scenario's description in ``lang`` (else its own)."""
        return translated(self.scenario, "description", lang)

    def event_title(self, event: str, lang: str) -> str:
        """What people call the event ``event`` in ``lang``: its title there, else its own, else its name."""
        record = next((e for e in self.events if e.get("name") == event), {})
        return translated(record, "title", lang) or event

    def measure_label(self, index: int, lang: str) -> str:
        """The label of measure ``index`` in ``lang`` (else its own label, else its type in words)."""
        record = self.measures[index]
        return translated(record, "label", lang) or text(f"measure.{record.get('type')}", lang)

    def map_path(self, event: str, var: str) -> Path:
        """The COG of map ``var`` of ``event``; a clear error if the run has no such map.

        Parameters
        ----------
        event : str
            The event's name.
        var : str
            The map, one of the engine's key maps (``max_depth``, ``utci``...).

        Returns
        -------
        pathlib.Path
            ``events/<event>/<var>.tif``.

        Raises
        ------
        MissingFileError
            The run has no such map; the message lists the events it has.
        """
        events = self.event_folders.get(event, self.folder) / "events"
        path = events / event / f"{var}.tif"
        if not path.is_file():
            have = sorted(p.name for p in events.iterdir()) if events.is_dir() else []
            raise MissingFileError(path, role=f"map {var!r} of event {event!r} (events here: {have})")
        return path

    def hazard_path(self, event: str) -> Path:
        """The NetCDF of every output of ``event`` (``events/<event>/hazard.nc``; it may not exist).

        Parameters
        ----------
        event : str
            The event's name.

        Returns
        -------
        pathlib.Path
            The file's path, whether it exists or not.
        """
        return self.event_folders.get(event, self.folder) / "events" / event / "hazard.nc"

    def read_map(self, event: str, var: str):
        """Map ``var`` of ``event`` as a 2-D numpy array (NaN where no data) with its units.

        Parameters
        ----------
        event : str
            The event's name.
        var : str
            The map, one of the engine's key maps.

        Returns
        -------
        values : numpy.ndarray
            The map, on the territory's grid; NaN where no data (float maps).
        units : str
            Its units, from the band metadata (``"m"``, ``"degC"``...).

        Raises
        ------
        MissingFileError
            The run has no such map.
        """
        with rasterio.open(self.map_path(event, var)) as src:
            values = src.read(1, masked=True)
            units = src.tags(1).get("units") or src.tags().get("units", "")
        return values.filled(float("nan")) if values.dtype.kind == "f" else values.data, units

    def value(self, key: str, *, event: str | None = None, district: str | None = None) -> float | None:
        """The value of one indicator, or ``None`` if the run does not have it.

        Parameters
        ----------
        key : str
            The indicator's key in :data:`twin.impacts.CATALOGUE`.
        event : str, optional
            The event's name; ``None`` for figures of no one event (land, expected annual damage).
        district : str, optional
            The district's name; ``None`` for the whole territory.

        Returns
        -------
        float or None
            The value, in the indicator's units.
        """
        for i in self.indicators:
            if i.key == key and i.event == event and i.district == district:
                return i.value
        return None


def load_run(folder: str | Path) -> RunRecord:
    """Read a results folder written by :func:`write_run`.

    Parameters
    ----------
    folder : str or pathlib.Path
        The run folder.

    Returns
    -------
    RunRecord

    Raises
    ------
    MissingFileError
        No such folder.
    DataSourceError
        ``indicators.json`` or ``provenance.json`` missing or unreadable, or of another format version.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError(folder, role="run folder")
    data = {}
    for name in ("indicators.json", "provenance.json"):
        path = folder / name
        if not path.is_file():
            raise DataSourceError(message(folder, name, "present in a run folder (written by `twin run`)", "missing"))
        try:
            data[name] = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataSourceError(message(path, "content", "JSON", str(exc))) from None
    summary_ = data["indicators.json"]
    version = summary_.get("format_version") if isinstance(summary_, dict) else None
    if version != FORMAT_VERSION:
        raise DataSourceError(
            message(folder / "indicators.json", "format_version", f"{FORMAT_VERSION} (written by this twin)", version)
        )
    try:
        indicators = [
            Indicator(
                r["key"], math.nan if r["value"] is None else float(r["value"]), r.get("event"), r.get("district")
            )
            for r in summary_["indicators"]
        ]
        return RunRecord(
            folder,
            summary_["scenario"],
            summary_["measures"],
            summary_["events"],
            indicators,
            data["provenance.json"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataSourceError(message(folder / "indicators.json", "content", "a twin run summary", repr(exc))) from None
