"""The land-cover table: what each class code means physically.

Engines never read class codes. They read the physical layers derived here
(albedo, Manning's n, Green-Ampt parameters, ...). The table is a CSV so that a
city can bring its own classes (OSO, CORINE, a local nomenclature) without code.
The shipped defaults and their sources are documented in ``data/README.md``.

Only ``code`` and ``name`` are required: a table may give the physical columns of some engines only (a flood-only
table needs no albedo). The layers of the columns it lacks are NaN, and the engine registry
(:mod:`twin.engines`) refuses to run an engine that reads a missing column.

Special classes (open water, the cover of buildings, the lawn of a green roof) are known by the table's ``role``
column (:data:`ROLES`), never by a code number or a class name: a UMEP raster's 7 is water and the demo's 1 is.
A territory names its table, a CSV file or one of the shipped :data:`PRESETS` (OSO, CORINE, UMEP, the demo's).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .datasets import data_dir
from .errors import DataSourceError, MissingFileError, message
from .paths import is_file

# column -> (units, valid range, layer it derives, conversion factor to SI)
COLUMNS: Mapping[str, tuple[str, tuple[float, float], str | None, float]] = {
    "albedo": ("1", (0.0, 1.0), "albedo", 1.0),
    "emissivity": ("1", (0.5, 1.0), "emissivity", 1.0),
    "impervious_fraction": ("1", (0.0, 1.0), "imperviousness", 1.0),
    "tree_canopy_fraction": ("1", (0.0, 1.0), "tree_canopy", 1.0),
    "crop_coefficient": ("1", (0.0, 1.5), "crop_coefficient", 1.0),
    "manning_n": ("s m-1/3", (0.005, 0.5), "manning_n", 1.0),
    "ks_mm_per_h": ("mm h-1", (0.0, 1000.0), "soil_ks", 1.0 / 3.6e6),  # -> m s-1
    "psi_mm": ("mm", (0.0, 2000.0), "soil_psi", 1e-3),  # -> m
    "delta_theta": ("1", (0.0, 1.0), "soil_delta_theta", 1.0),
    "curve_number": ("1", (30.0, 100.0), "curve_number", 1.0),
    "green_area": ("1", (0.0, 1.0), "green_area", 1.0),
}
TEXT_COLUMNS = ("name", "soil_texture", "role", "source")
# role -> what a class of that role is and who reads it; a class has at most one role, most classes none
ROLES: Mapping[str, str] = {
    "water": "permanent open water: a river's inflow enters it, a river flood's initial level fills it, it is a cool "
    "island, its depth is not flooding, a water feature measure makes it, no tree is planted on it",
    "building": "the cover of building footprints: the cells of a new building take it, no tree is planted on it",
    "grass": "a lawn: the vegetated share of a green roof takes its albedo, emissivity and crop coefficient",
}
# preset name -> its table, under data/ (documented in data/README.md)
PRESETS: Mapping[str, str] = {
    "twin": "landcover.csv",  # the demo's nine classes
    "oso": "landcover/oso.csv",  # CESBIO's Theia OSO land cover, the 23-class nomenclature (2018 on)
    "corine": "landcover/corine.csv",  # Copernicus CORINE Land Cover, the raster's grid codes 1..44
    "umep": "landcover/umep.csv",  # UMEP's 7 ground cover classes
}
# Optional columns: column -> (units, valid range); read when the header has them, kept in ``values``.
OPTIONAL_COLUMNS: Mapping[str, tuple[str, tuple[float, float]]] = {
    "building_intensity": ("1", (0.0, 1.0)),  # InVEST's night mode: floor area over footprint, normalised to 0..1
    "residential": ("1", (0.0, 1.0)),  # 1 where people live (residents go there without buildings), 0 elsewhere
}


def columns_of(layers: Iterable[str]) -> list[str]:
    """The columns of :data:`COLUMNS` that derive one of ``layers``, in the table's order."""
    wanted = set(layers)
    return [col for col, spec in COLUMNS.items() if spec[2] in wanted]


def default_table_path() -> Path:
    """Path of the shipped table of the demo's classes, ``data/landcover.csv`` (the preset ``twin``)."""
    return preset_path("twin")


def preset_path(name: str) -> Path:
    """Path of the shipped table of preset ``name`` (a key of :data:`PRESETS`).

    Raises
    ------
    DataSourceError
        An unknown preset; the message lists the presets.
    """
    if name not in PRESETS:
        raise DataSourceError(message("land cover", "preset", f"one of {list(PRESETS)}", name))
    return data_dir() / PRESETS[name]


@dataclass(frozen=True)
class LandCoverTable:
    """Class codes and their physical parameters, one row per code.

    Attributes
    ----------
    codes : numpy.ndarray
        Integer class codes, sorted.
    names : tuple of str
        Class names, aligned with ``codes``.
    values : dict of str to numpy.ndarray
        Column name -> values aligned with ``codes``, in the CSV's units, for the columns of :data:`COLUMNS` and
        :data:`OPTIONAL_COLUMNS` the file has (see :meth:`missing_columns`).
    source : str
        Where the table was read from, for provenance.
    roles : tuple of str, optional
        Each class's role (a key of :data:`ROLES`, or ``""`` for none), aligned with ``codes``; None when the file
        has no ``role`` column: it says nothing about which classes are water or buildings.
    preset : str, optional
        The name of the shipped preset it is (:data:`PRESETS`), None for a table of the territory's own.
    """

    codes: np.ndarray
    names: tuple[str, ...]
    values: Mapping[str, np.ndarray]
    source: str
    roles: tuple[str, ...] | None = None
    preset: str | None = None

    @classmethod
    def read_preset(cls, name: str) -> LandCoverTable:
        """Read the shipped table of preset ``name`` (:data:`PRESETS`); an unknown name lists the presets."""
        return replace(cls.read(preset_path(name)), preset=name)

    @classmethod
    def read(cls, path: str | Path | None = None) -> LandCoverTable:
        """Read and check a land-cover CSV (the preset ``twin``, ``data/landcover.csv``, by default)."""
        if path is None:
            return cls.read_preset("twin")
        path = Path(path)
        if not is_file(path):
            raise MissingFileError(path, role="land-cover table")
        try:
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        except UnicodeDecodeError as exc:
            raise DataSourceError(
                message(path, "encoding", "UTF-8", f"byte {exc.object[exc.start]:#x} at position {exc.start}")
            ) from None
        if not rows:
            raise DataSourceError(message(path, "land-cover table", "at least one class row", "an empty file"))
        missing = [c for c in ("code", *TEXT_COLUMNS[:1]) if c not in rows[0]]
        if missing:
            raise DataSourceError(message(path, "columns", f"complete (missing {sorted(missing)})", sorted(rows[0])))
        ranges = {col: spec[1] for col, spec in {**COLUMNS, **OPTIONAL_COLUMNS}.items() if col in rows[0]}
        codes, values = [], {c: [] for c in ranges}
        for i, row in enumerate(rows, start=2):  # line 1 is the header
            codes.append(_number(row["code"], path, i, "code", int))
            for col, (lo, hi) in ranges.items():
                v = _number(row[col], path, i, col, float)
                if not lo <= v <= hi:
                    raise DataSourceError(message(f"{path} line {i}", col, f"within [{lo}, {hi}]", v))
                values[col].append(v)
        if len(set(codes)) != len(codes) or min(codes) < 0 or max(codes) > 255:
            raise DataSourceError(message(path, "code", "unique integers in 0..255", codes))
        roles = [_role(row.get("role"), path, i) for i, row in enumerate(rows, start=2)] if "role" in rows[0] else None
        order = np.argsort(codes)
        return cls(
            codes=np.asarray(codes, dtype=np.int64)[order],
            names=tuple(rows[k]["name"] for k in order),
            values={c: np.asarray(v, dtype=np.float64)[order] for c, v in values.items()},
            source=str(path),
            roles=None if roles is None else tuple(roles[k] for k in order),
        )

    @property
    def label(self) -> str:
        """What ``twin info`` and provenance call the table: ``preset umep (path)`` or its path."""
        return f"preset {self.preset} ({self.source})" if self.preset else self.source

    def has_column(self, column: str) -> bool:
        """Whether the file has ``column``: a column of :data:`COLUMNS` or :data:`OPTIONAL_COLUMNS`, or ``role``."""
        return column in self.values or (column == "role" and self.roles is not None)

    def codes_with_role(self, role: str, *, where: str = "land cover") -> np.ndarray:
        """The codes of the classes of ``role`` (a key of :data:`ROLES`), maybe none.

        Raises
        ------
        DataSourceError
            A table without a ``role`` column: it cannot say which classes are ``role``; the message names the table,
            the role and what needs it (``where``).
        """
        if role not in ROLES:
            raise AssertionError(f"unknown role {role!r}; the roles are {list(ROLES)}")
        if self.roles is None:
            expected = f"in the table: {where} needs the classes of role {role!r}"
            raise DataSourceError(message(self.source, "column 'role'", expected, "no such column"))
        return self.codes[[r == role for r in self.roles]]

    def mask(self, land_cover: np.ndarray, role: str, *, where: str = "land cover") -> np.ndarray:
        """Boolean raster: the cells of ``land_cover`` whose class has ``role`` (see :meth:`codes_with_role`)."""
        return np.isin(land_cover, self.codes_with_role(role, where=where))

    def code_with_role(self, role: str, *, where: str = "land cover") -> int:
        """The code of the one class of ``role``; a :class:`DataSourceError` naming the table, the role and ``where``
        when the table has no ``role`` column, no class of that role, or several."""
        codes = self.codes_with_role(role, where=where).tolist()
        if len(codes) != 1:
            expected = f"one class of role {role!r} ({where} needs it)"
            got = "none" if not codes else f"classes {codes}"
            raise DataSourceError(message(self.source, "column 'role'", expected, got))
        return int(codes[0])

    def missing_columns(self, layers: Iterable[str] | None = None) -> list[str]:
        """The columns of :data:`COLUMNS` the table lacks, sorted; only those deriving one of ``layers`` if given
        (a layer whose values are unknown, NaN, is one whose column is missing)."""
        return sorted(col for col in (COLUMNS if layers is None else columns_of(layers)) if col not in self.values)

    def unknown_codes(self, land_cover: np.ndarray, *, nodata: int | None = None) -> list[int]:
        """Codes present in ``land_cover`` (except ``nodata``) that the table does not define."""
        present = np.unique(land_cover)
        if nodata is not None:
            present = present[present != nodata]
        return sorted(int(c) for c in np.setdiff1d(present, self.codes))

    def code_of(self, name: str, *, where: str = "land cover") -> int:
        """The class code named ``name``; raises :class:`DataSourceError` listing the known names."""
        if name not in self.names:
            raise DataSourceError(
                message(where, "land-cover class", f"one of {list(self.names)} ({self.source})", name)
            )
        return int(self.codes[self.names.index(name)])

    def name_of(self, code: int) -> str:
        """The class name of ``code``."""
        return self.names[int(np.searchsorted(self.codes, code))]

    def derive(self, land_cover: np.ndarray) -> dict[str, np.ndarray]:
        """Physical layers (SI units, float32) for a raster of known class codes; NaN for the columns it lacks.

        Call :meth:`unknown_codes` first: an unknown code here is a programming error.
        """
        lut_index = np.full(256, -1, dtype=np.int64)
        lut_index[self.codes] = np.arange(self.codes.size)
        idx = lut_index[land_cover.astype(np.int64)]
        if (idx < 0).any():
            raise AssertionError("derive() called on unknown land-cover codes; check unknown_codes() first")
        unknown = np.full(self.codes.size, np.nan)  # a column the table lacks: no value, never a default
        return {
            layer: (self.values.get(col, unknown) * factor).astype(np.float32)[idx]
            for col, (_, _, layer, factor) in COLUMNS.items()
            if layer is not None
        }


def _role(text: str | None, path: Path, line: int) -> str:
    role = (text or "").strip()
    if role and role not in ROLES:
        raise DataSourceError(message(f"{path} line {line}", "role", f"empty or one of {list(ROLES)}", text))
    return role


def _number(text: str | None, path: Path, line: int, column: str, kind: type) -> float:
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise DataSourceError(message(f"{path} line {line}", column, f"a number ({kind.__name__})", text)) from None
