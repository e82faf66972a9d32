"""What the flood engine produces: its outputs, declared once (see :mod:`twin.specs`)."""

from __future__ import annotations

from ..specs import MAP, OutputSpec
from .hazard import PPRI_NAMES

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("max_depth", "m", "float32", MAP, "maximum water depth",
               key=True, compared=True, report=True, ramp="water_depth", delta_ramp="water_depth_change", menu=True),
    OutputSpec("max_velocity", "m s-1", "float32", MAP, "maximum speed where deeper than {wet_threshold_m} m",
               key=True),
    OutputSpec("max_depth_velocity", "m2 s-1", "float32", MAP, "maximum depth x speed"),
    OutputSpec("arrival_time", "s", "float32", MAP, "first time deeper than {wet_threshold_m} m", key=True),
    OutputSpec("time_of_max_depth", "s", "float32", MAP, "time of the maximum depth"),
    OutputSpec("duration_deep", "s", "float32", MAP, "time spent deeper than {deep_threshold_m} m", key=True),
    OutputSpec("hazard_rating", "1", "float32", MAP, "UK FD2320 hazard rating d(v + 0.5) + DF, from the maxima",
               key=True),
    OutputSpec("ppri_class", "1", "int8", MAP, "French PPRI class: 0 none, 1 low, 2 medium, 3 high", key=True,
               style="ppri_hazard", attrs={"flag_values": tuple(range(len(PPRI_NAMES))),
                                          "flag_meanings": " ".join(PPRI_NAMES)}),
    OutputSpec("final_depth", "m", "float32", MAP, "water depth at the end of the run"),
    OutputSpec("blocked", "1", "uint8", MAP, "1 where buildings block the flow, or the cell is outside the domain"),
    OutputSpec("depth", "m", "float32", ("time", "y", "x"), "water depth (frames)", ramp="water_depth", menu=True),
    OutputSpec("gauge_depth", "m", "float64", ("gauge", "gauge_time"), "water depth at the gauges", optional=True),
)  # fmt: skip
