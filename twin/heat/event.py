"""The heat engine's event: a heatwave day, from its daily extremes or an hourly weather file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from ..hazards import HazardEvent


class Heatwave(HazardEvent):
    """A heatwave day: daily extremes, or an hourly weather file."""

    path_fields: ClassVar[tuple[str, ...]] = ("weather_file", "reference_evapotranspiration_file")
    example: ClassVar[str] = (
        'kind = "heatwave"\nname = "heatwave-2019"\ndate = 2019-07-25\nmax_air_temperature_c = 40.0\n'
        "min_air_temperature_c = 22.0\nrelative_humidity_pct = 35.0"
    )
    batch_cost: ClassVar[int] = 1

    kind: Literal["heatwave"]
    date: dt.date = Field(strict=False, description="day simulated (sun position), YYYY-MM-DD")
    max_air_temperature_c: float | None = Field(
        None, ge=-30.0, le=60.0, description="daily maximum air temperature, °C"
    )
    min_air_temperature_c: float | None = Field(
        None, ge=-40.0, le=45.0, description="daily minimum air temperature, °C"
    )
    relative_humidity_pct: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        40.0, description="mean relative humidity, %"
    )
    wind_speed_m_s: Annotated[float, Field(ge=0.0, le=60.0)] = Field(2.0, description="wind speed at 10 m, m/s")
    weather_file: str | None = Field(
        None, description="hourly CSV or EPW file instead of the extremes, relative to the scenario file"
    )
    typical_year: bool = Field(
        False,
        description="the weather file is a typical year (TMY, EPW from climate.onebuilding): its rows are matched "
        "by month and day, whatever their year",
    )
    reference_evapotranspiration_file: str | None = Field(
        None,
        description="raster of the day's reference evapotranspiration ET0, mm, for InVEST's ETI = Kc·ET0/ET0_max; "
        "relative to the scenario file",
    )
    time_zone: str | None = Field(
        None,
        description="IANA time zone of the times shown to people (legal time), e.g. Europe/Paris; by default the "
        "weather file's standard time, else UTC",
    )

    def unused_fields(self) -> tuple[str, ...]:
        """The fields this event holds but does not use: humidity and wind when a weather file gives them, and
        ``typical_year`` without a weather file.

        Returns
        -------
        tuple of str
            Field names (``twin show`` leaves them out).
        """
        if self.weather_file is None:
            return ("typical_year",)
        return ("relative_humidity_pct", "wind_speed_m_s")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str | None):
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                raise ValueError("must be an IANA time zone name such as 'Europe/Paris'") from None
        return zone

    @model_validator(mode="after")
    def _extremes_or_file(self):
        extremes = (self.max_air_temperature_c, self.min_air_temperature_c)
        if self.weather_file is None and None in extremes:
            raise ValueError("give max_air_temperature_c and min_air_temperature_c, or a weather_file")
        if None not in extremes and self.min_air_temperature_c > self.max_air_temperature_c:
            raise ValueError("min_air_temperature_c must not exceed max_air_temperature_c")
        return self
