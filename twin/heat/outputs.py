"""What the heat engine produces: its outputs, declared once (see :mod:`twin.specs`).

Pedestrian outputs (Tmrt, UTCI and what is made of them) are NaN on building footprints, which are not
pedestrian space (255 for the UTCI class).
"""

from __future__ import annotations

from ..specs import MAP, OutputSpec
from .comfort import UTCI_CLASSES

HOURLY = ("time", "y", "x")  # a stack of maps, one per step of the day (CF time, UTC)
NO_CLASS = 255  # the UTCI class of a footprint cell
PACKED_C = 0.01  # the hourly stacks are stored to 0.01 °C (CF packing), far below what the model resolves

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
               key=True, compared=True, ramp="air_temperature_night", delta_ramp="air_temperature_night_change"),
    OutputSpec("uhi_day", "K", "float32", MAP,
               "urban heat island at {day_hour:02d}:00 solar time, T_air - T_ref", key=True),
    OutputSpec("uhi_night", "K", "float32", MAP,
               "urban heat island at {night_hour:02d}:00 solar time, T_air - T_ref", key=True),
    OutputSpec("uhi_max", "K", "float32", MAP, "UHI magnitude UHI_max, the day's largest heat island"),
    OutputSpec("uhi_magnitude_day", "K", "float32", MAP,
               "UHI magnitude of the day's UCM run before mitigation: its air with no cooling is T_ref + it"),
    OutputSpec("uhi_max_hour", "h", "float32", MAP, "local solar hour of the day's largest heat island"),
    OutputSpec("svf", "1", "float32", MAP, "sky view factor of terrain and buildings"),
    OutputSpec("wall_height", "m", "float32", MAP, "wall height (0 where no wall)"),
    OutputSpec("wall_aspect", "degree", "float32", MAP,
               "azimuth the wall faces, clockwise from north (-1 where no wall)"),
    OutputSpec("shade_fraction", "1", "float32", MAP,
               "share of the day's direct beam blocked by buildings, terrain and trees", key=True),
    OutputSpec("tmrt", "degC", "float32", MAP, "mean radiant temperature of a standing person at {day_hour:02d}:00",
               key=True),
    OutputSpec("utci", "degC", "float32", MAP, "Universal Thermal Climate Index at {day_hour:02d}:00",
               key=True, compared=True, ramp="felt_temperature", delta_ramp="utci_change"),
    OutputSpec("utci_class", "1", "uint8", MAP, "UTCI heat-stress class at {day_hour:02d}:00", key=True,
               style="heat_stress",
               attrs={"flag_values": tuple(range(len(UTCI_CLASSES))),
                      "flag_meanings": " ".join(c.replace(" ", "_") for c in UTCI_CLASSES), "missing_value": NO_CLASS}),
    OutputSpec("utci_flag", "1", "uint8", MAP,
               "UTCI inputs clipped to validity: 1 wind, 2 Tmrt-Ta, 4 Ta, 8 vapour pressure"),
    OutputSpec("utci_max", "degC", "float32", MAP, "the day's highest UTCI",
               key=True, compared=True, report=True, ramp="felt_temperature", delta_ramp="utci_change", menu=True),
    OutputSpec("utci_max_hour", "h", "float32", MAP, "legal local hour of the day's highest UTCI", key=True,
               report=True, ramp="hour_of_day"),
    OutputSpec("hours_moderate_stress", "h", "float32", MAP, "hours in moderate heat stress (UTCI 26-32 degC)",
               key=True),
    OutputSpec("hours_strong_stress", "h", "float32", MAP, "hours in strong heat stress (UTCI 32-38 degC)",
               key=True),
    OutputSpec("hours_strong_stress_or_worse", "h", "float32", MAP,
               "hours in strong heat stress or worse (UTCI above 32 degC)", key=True, report=True,
               ramp="stress_hours"),
    OutputSpec("hours_very_strong_stress", "h", "float32", MAP,
               "hours in very strong heat stress (UTCI 38-46 degC)", key=True),
    OutputSpec("hours_extreme_stress", "h", "float32", MAP, "hours in extreme heat stress (UTCI above 46 degC)",
               key=True),
    OutputSpec("t_air_min_night", "degC", "float32", MAP, "lowest air temperature of the night (sun down)",
               key=True, ramp="air_temperature_night", delta_ramp="air_temperature_night_change", menu=True),
    OutputSpec("tropical_night", "1", "uint8", MAP, "1 where the night stays at or above 20 degC", key=True,
               style="night",
               attrs={"flag_values": (0, 1), "flag_meanings": "cooler_night tropical_night"}),
    OutputSpec("t_air_hourly", "degC", "float32", HOURLY, "air temperature, at each step of the day",
               packed_step=PACKED_C),
    OutputSpec("tmrt_hourly", "degC", "float32", HOURLY, "mean radiant temperature, at each step of the day",
               packed_step=PACKED_C),
    OutputSpec("utci_hourly", "degC", "float32", HOURLY, "UTCI, at each step of the day", ramp="felt_temperature",
               menu=True, packed_step=PACKED_C),
)  # fmt: skip
