"""The land-cover table: what each class code means physically.

Engines never read class codes. They read the physical layers derived here
(albedo, Manning's n, Green-Ampt parameters, ...). The table is a CSV so that a
city can bring its own classes (OSO, CORINE, a local nomenclature) without code.
The shipped defaults and their sources are documented in ``data/README.md``.

Only ``code`` and ``name`` are required: a table may give the physical columns of some engines only (a flood-only
table needs no albedo). The layers of the columns it lacks are NaN, and the engine registry
(:mod:`twin.engines`) refuses to run an engine that reads a missing column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
TEXT_COLUMNS = ("name", "soil_texture")
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
    """Path of the shipped table, ``data/landcover.csv``."""
    return data_dir() / "landcover.csv"


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
    """

    codes: np.ndarray
    names: tuple[str, ...]
    values: Mapping[str, np.ndarray]
    source: str

    @classmethod
    def read(cls, path: str | Path | None = None) -> LandCoverTable:
        """Read and check a land-cover CSV (the shipped one by default)."""
        path = Path(path) if path is not None else default_table_path()
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
        order = np.argsort(codes)
        return cls(
            codes=np.asarray(codes, dtype=np.int64)[order],
            names=tuple(rows[k]["name"] for k in order),
            values={c: np.asarray(v, dtype=np.float64)[order] for c, v in values.items()},
            source=str(path),
        )

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


def _number(text: str | None, path: Path, line: int, column: str, kind: type) -> float:
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise DataSourceError(message(f"{path} line {line}", column, f"a number ({kind.__name__})", text)) from None
