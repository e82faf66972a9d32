"""Design rain: Montana depths, Chicago and double-triangle hyetographs, rain series.

Formulas under test (t, T in min; a in mm/min^(1-b); i in mm/min):
- Montana depth H(T) = a·T^(1−b).
- Chicago, peak at tp = r·T: depth fallen between the peak and τ minutes before it is a·r^b·τ^(1−b),
  and τ minutes after it a·(1−r)^b·τ^(1−b). So the whole storm holds a·T^(1−b), and any window
  [tp − r·W, tp + (1−r)·W] holds a·W^(1−b).
- Double triangle: i_a = 2(H(T) − H(t1))/(T − t1) at the edges of the intense period t1,
  i_max = 2H(t1)/t1 − i_a at the peak; the intense period holds H(t1), the storm H(T).
"""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.flood.rainfall import (
    chicago,
    double_triangle,
    montana_depth_mm,
    montana_for,
    read_montana_table,
    read_rain_series,
    storm_hyetograph,
)
from twin.scenario.models import Scenario
from twin.synthetic.files import RAINFALL

A, B = 8.7, 0.60  # data/demo/rainfall.csv, 100 years, 6-60 min


@pytest.mark.parametrize(("duration", "r", "step"), [(60, 0.4, 1.0), (60, 0.5, 5.0), (180, 0.3, 6.0), (47, 0.37, 2.0)])
def test_chicago_volume_is_the_idf_depth_within_half_a_percent(duration, r, step):
    h = chicago(a=A, b=B, duration_min=duration, peak_position=r, step_min=step)
    assert h.depth_mm == pytest.approx(A * duration ** (1 - B), rel=0.005)  # acceptance: 0.5 %


def test_chicago_peak_sits_at_r_times_duration_with_the_intensity_the_coefficients_give():
    r, duration, dt = 0.4, 60.0, 1.0
    h = chicago(a=A, b=B, duration_min=duration, peak_position=r, step_min=dt)
    top_two = sorted(np.argsort(h.intensity_mm_per_h)[-2:].tolist())
    peak_step = round(r * duration / dt) - 1  # the step ending at the peak, tp = r·T = 24 min
    assert top_two == [peak_step, peak_step + 1]  # the two steps on either side of the peak
    before = A * r**B * dt ** (1 - B)  # depth in the minute before the peak, mm
    after = A * (1 - r) ** B * dt ** (1 - B)  # and in the minute after
    assert h.intensity_mm_per_h[peak_step] == pytest.approx(before * 60.0, rel=1e-9)
    assert h.intensity_mm_per_h[peak_step + 1] == pytest.approx(after * 60.0, rel=1e-9)


@pytest.mark.parametrize("window", [5.0, 10.0, 20.0, 40.0])
def test_every_window_around_the_chicago_peak_holds_its_idf_depth(window):
    r = 0.5
    h = chicago(a=A, b=B, duration_min=60.0, peak_position=r, step_min=0.5)
    t_min = h.start_s / 60.0
    inside = (t_min >= 30.0 - r * window - 1e-9) & (t_min < 30.0 + (1 - r) * window - 1e-9)
    assert h.intensity_mm_per_h[inside].sum() * 0.5 / 60.0 == pytest.approx(montana_depth_mm(A, B, window), rel=1e-9)


def test_double_triangle_holds_h_t1_in_its_intense_period_and_h_t_in_all():
    total, t1 = 240.0, 30.0
    h = double_triangle(a=A, b=B, duration_min=total, intense_min=t1, peak_position=0.5, step_min=1.0)
    assert h.depth_mm == pytest.approx(montana_depth_mm(A, B, total), rel=0.005)
    t = h.start_s / 60.0
    intense = (t >= 105.0) & (t < 135.0)
    assert h.intensity_mm_per_h[intense].sum() / 60.0 == pytest.approx(montana_depth_mm(A, B, t1), rel=1e-9)
    h_total, h_1 = montana_depth_mm(A, B, total), montana_depth_mm(A, B, t1)
    i_a = 2 * (h_total - h_1) / (total - t1)  # mm/min at the edges of the intense period
    i_max = 2 * h_1 / t1 - i_a  # mm/min at the peak (120 min)
    # the two 1-minute steps around the peak average the line from i_max down to i_max - (i_max - i_a)/15
    # (the intensity falls by (i_max - i_a) over t1/2 = 15 min): their mean is i_max - (i_max - i_a)/30
    expected_peak_step = i_max - (i_max - i_a) / (t1 / 2) / 2
    assert h.intensity_mm_per_h.max() == pytest.approx(expected_peak_step * 60.0, rel=1e-6)  # mm/h
    np.testing.assert_allclose(h.intensity_mm_per_h, h.intensity_mm_per_h[::-1], rtol=1e-9)  # symmetric


def test_montana_table_lookup_by_return_period_and_duration_band():
    rows = read_montana_table(RAINFALL)  # the demo's illustrative table
    assert montana_for(rows, return_period_years=100, duration_min=60, where="x") == (8.7, 0.60)
    assert montana_for(rows, return_period_years=10, duration_min=180, where="x") == (13.3, 0.82)
    with pytest.raises(
        ScenarioError,
        match=r"storm: return period and duration must be covered by the Montana "
        r"table .*, got \(1000, 60\)",
    ):
        montana_for(rows, return_period_years=1000, duration_min=60, where="storm")


HEADER = "return_period_years,min_duration_min,max_duration_min,a,b\n"


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ("100,6,60,-8.7,0.60\n", "line 3: Montana table: a must be positive (mm/min^(1-b)), got -8.7"),
        ("100,6,60,8.7,1.60\n", "line 3: Montana table: b must be between 0 and 1, both excluded, got 1.6"),
        (
            "100,60,6,8.7,0.60\n",
            "line 3: Montana table: max_duration_min must be at least min_duration_min (60), got 6.0",
        ),
        ("0,6,60,8.7,0.60\n", "line 3: Montana table: return_period_years must be a positive number of years, got 0.0"),
        (
            "100,6,60,8.7,0.60\n100,30,120,9.0,0.70\n",
            "line 4: Montana table: duration band must be apart from line 3's for the same return period (6-60 min, "
            "100 years), got '30-120 min'",
        ),
        ("100,6,60,abc,0.60\n", "line 3: Montana table: a must be a finite number, got 'abc'"),
        ("100,6,60,8.7\n", "line 3: Montana table: b must be a finite number, got 'nothing'"),
        ("100,6,60,nan,0.6\n", "line 3: Montana table: a must be a finite number, got 'nan'"),
        ("", ": Montana table: rows must be at least one row under the header, got 'none'"),
    ],
)
def test_a_bad_montana_row_is_refused_naming_its_line_column_and_value(tmp_path, rows, error):
    """Each row is checked as an inline ``montana`` is; before, a negative ``a`` gave a negative storm, a ``b`` of
    1.6 a NaN one, an inverted band another band's coefficients, all silently."""
    path = tmp_path / "rainfall.csv"
    path.write_text("# a comment line\n" + HEADER + rows, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        read_montana_table(path)
    assert str(err.value) == f"{path}{'' if error.startswith(':') else ' '}{error}"


def test_two_bands_of_one_return_period_may_meet_at_an_end(tmp_path):
    path = tmp_path / "rainfall.csv"
    path.write_text(HEADER + "100,6,60,8.7,0.60\n100,60,1440,22.8,0.84\n10,6,60,6.0,0.6\n", encoding="utf-8")
    assert [r.b for r in read_montana_table(path)] == [0.60, 0.84, 0.6]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("\ufeff" + HEADER + "100,6,60,8.7,0.60\n", None),  # a byte-order mark, as spreadsheets write
        ("", "Montana table: header must be a line naming the columns"),
        (HEADER.replace(",", ";") + "100;6;60;8.7;0.60\n", "(this file separates them with ';': twin reads commas)"),
    ],
)
def test_a_montana_file_is_read_with_a_bom_and_an_empty_or_semicolon_file_is_named(tmp_path, text, error):
    path = tmp_path / "rainfall.csv"
    path.write_text(text, encoding="utf-8")
    if error is None:
        assert read_montana_table(path)[0].a == 8.7
        return
    with pytest.raises(ScenarioError) as err:
        read_montana_table(path)
    assert str(err.value).startswith(f"{path}: Montana table: header must be a line naming the columns")
    assert error in str(err.value)


def _storm(**fields):
    base = {"kind": "design_storm", "name": "s", "return_period_years": 100, "duration_min": 60,
            "montana_file": str(RAINFALL)}  # fmt: skip
    return Scenario.model_validate({"name": "x", "title": "x", "events": [base | fields]}).events[0]


def test_storm_events_use_their_table_and_the_climate_multiplier():
    h = storm_hyetograph(_storm())
    assert h.depth_mm == pytest.approx(8.7 * 60**0.4, rel=1e-9)  # 44.75 mm
    assert storm_hyetograph(_storm(), rain_multiplier=1.2).depth_mm == pytest.approx(1.2 * h.depth_mm)
    assert storm_hyetograph(_storm(montana={"a": 5.0, "b": 0.5})).depth_mm == pytest.approx(5.0 * 60**0.5)
    dt = storm_hyetograph(_storm(hyetograph="double_triangle", duration_min=120, intense_duration_min=20))
    assert dt.depth_mm == pytest.approx(22.8 * 120 ** (1 - 0.84), rel=1e-9)  # 60-1440 min band


def test_rain_series_from_csv(tmp_path):
    path = tmp_path / "rain.csv"
    path.write_text("time_min,intensity_mm_per_h\n0,12\n5,60\n10,6\n", encoding="utf-8")
    h = read_rain_series(path)
    assert h.step_s == 300.0 and h.depth_mm == pytest.approx((12 + 60 + 6) * 5 / 60)
    path.write_text("time_min,intensity_mm_per_h\n0,12\n5,60\n15,6\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"rain\.csv: time_min must be evenly spaced and increasing"):
        read_rain_series(path)
    path.write_text("minute,mm\n0,1\n", encoding="utf-8")
    header = r"rain\.csv: rain series: header must be a line naming the columns \['time_min', 'intensity_mm_per_h'\]"
    with pytest.raises(ScenarioError, match=header + r", got \['minute', 'mm'\]"):
        read_rain_series(path)
