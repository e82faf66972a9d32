"""The land-cover table: parsing, checks, derivation in SI units, and its documented sources."""

from __future__ import annotations

import numpy as np
import pytest

from twin.datasets import data_dir
from twin.errors import DataSourceError
from twin.landcover import COLUMNS, LandCoverTable

RAWLS_1983 = {  # texture: (Ks cm/h, psi cm, effective porosity), Rawls, Brakensiek & Miller (1983)
    "sandy_loam": (1.09, 11.01, 0.412),
    "loam": (0.34, 8.89, 0.434),
    "silt_loam": (0.65, 16.68, 0.486),
}


def test_shipped_table_defines_every_column_in_range():
    t = LandCoverTable.read()
    assert t.codes.tolist() == list(range(1, 10))
    for col, (_, (lo, hi), _, _) in COLUMNS.items():
        assert np.all((t.values[col] >= lo) & (t.values[col] <= hi)), col


def test_green_ampt_defaults_are_rawls_1983_values():
    import csv

    rows = list(csv.DictReader((data_dir() / "landcover.csv").open(encoding="utf-8")))
    for row in rows:
        if row["soil_texture"] in RAWLS_1983:
            ks, psi, theta_e = RAWLS_1983[row["soil_texture"]]
            assert float(row["ks_mm_per_h"]) == pytest.approx(ks * 10, abs=0.05)
            assert float(row["psi_mm"]) == pytest.approx(psi * 10, abs=0.05)
            assert float(row["delta_theta"]) == pytest.approx(theta_e * (1 - 0.3), abs=5e-4)  # Se0 = 0.3


def test_every_column_has_its_source_documented():
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    for needle in ("Oke", "FAO-56", "Chow", "Rawls", "TR-55", "InVEST"):
        assert needle in readme


def test_derive_converts_to_si_and_maps_each_code():
    t = LandCoverTable.read()
    codes = np.array([[1, 6], [8, 3]], dtype=np.uint8)
    layers = t.derive(codes)
    assert layers["soil_ks"][0, 1] == pytest.approx(3.4 / 3.6e6)
    assert layers["manning_n"][1, 1] == pytest.approx(0.015)
    assert layers["tree_canopy"][1, 0] == pytest.approx(0.9)
    assert all(v.dtype == np.float32 and v.shape == codes.shape for v in layers.values())


def test_unknown_codes_are_listed():
    t = LandCoverTable.read()
    assert t.unknown_codes(np.array([1, 2, 42, 0, 42])) == [0, 42]
    assert t.unknown_codes(np.array([1, 2, 255]), nodata=255) == []


def test_bad_table_values_name_the_line_and_column(tmp_path):
    text = (data_dir() / "landcover.csv").read_text(encoding="utf-8").replace("1,water,0.07", "1,water,1.7")
    (tmp_path / "lc.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"lc\.csv line 2: albedo must be within \[0\.0, 1\.0\], got 1\.7"):
        LandCoverTable.read(tmp_path / "lc.csv")
    (tmp_path / "lc2.csv").write_text("code,name\n1,water\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"lc2\.csv: columns must be complete \(missing \['albedo',"):
        LandCoverTable.read(tmp_path / "lc2.csv")
