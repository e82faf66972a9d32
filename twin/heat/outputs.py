"""What the heat engine produces: its outputs, declared once (see :mod:`twin.specs`)."""

from __future__ import annotations

from ..specs import MAP, OutputSpec
from .comfort import UTCI_CLASSES

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("cooling_capacity_day", "1", "float32", MAP, "cooling capacity by day (InVEST UCM, factors)"),
    OutputSpec("cooling_capacity_night", "1", "float32", MAP,
               "cooling capacity by night (InVEST UCM, building intensity)"),
    OutputSpec("park_cooling_day", "1", "float32", MAP, "distance-weighted cooling capacity of green areas by day"),
    OutputSpec("green_area_nearby", "m2", "float32", MAP, "green area within d_cool"),
    OutputSpec("heat_mitigation_day", "1", "float32", MAP, "heat mitigation index HM by day"),
    OutputSpec("heat_mitigation_night", "1", "float32", MAP, "heat mitigation index HM by night"),
    OutputSpec("t_air_day", "degC", "float32", MAP, "air temperature at {day_hour:02d}:00 solar time",
               key=True, compared=True, ramp="air_temperature_day"),
    OutputSpec("t_air_night", "degC", "float32", MAP, "air temperature at {night_hour:02d}:00 solar time",
               key=True, compared=True, ramp="air_temperature_night", delta_ramp="air_temperature_night_change",
               menu=True),
    OutputSpec("uhi_day", "K", "float32", MAP, "urban heat island intensity by day, T_air - T_ref", key=True),
    OutputSpec("uhi_night", "K", "float32", MAP, "urban heat island intensity by night, T_air - T_ref", key=True),
    OutputSpec("uhi_max", "K", "float32", MAP, "UHI magnitude UHI_max"),
    OutputSpec("svf", "1", "float32", MAP, "sky view factor of terrain and buildings"),
    OutputSpec("wall_height", "m", "float32", MAP, "wall height (0 where no wall)"),
    OutputSpec("wall_aspect", "degree", "float32", MAP,
               "azimuth the wall faces, clockwise from north (-1 where no wall)"),
    OutputSpec("shade_fraction", "1", "float32", MAP,
               "share of the day's direct beam blocked by buildings, terrain and trees", key=True),
    OutputSpec("tmrt", "degC", "float32", MAP, "mean radiant temperature of a standing person at {day_hour:02d}:00",
               key=True),
    OutputSpec("utci", "degC", "float32", MAP, "Universal Thermal Climate Index at {day_hour:02d}:00",
               key=True, compared=True, report=True, ramp="felt_temperature", delta_ramp="utci_change", menu=True),
    OutputSpec("utci_class", "1", "uint8", MAP, "UTCI heat-stress class", key=True,
               attrs={"flag_values": tuple(range(len(UTCI_CLASSES))),
                      "flag_meanings": " ".join(c.replace(" ", "_") for c in UTCI_CLASSES)}),
    OutputSpec("utci_flag", "1", "uint8", MAP,
               "UTCI inputs clipped to validity: 1 wind, 2 Tmrt-Ta, 4 Ta, 8 vapour pressure"),
    OutputSpec("tmrt_hourly", "degC", "float32", ("hour", "y", "x"), "mean radiant temperature, hourly",
               optional=True),
    OutputSpec("utci_hourly", "degC", "float32", ("hour", "y", "x"), "UTCI, hourly", optional=True),
)  # fmt: skip
