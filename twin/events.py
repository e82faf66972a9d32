"""Hazard events turned into forcing, with the climate shift applied.

Engines take forcing, not event models: a heatwave becomes 24 hours of weather,
a storm a hyetograph, a river flood an inflow hydrograph. The climate block of
the event (or else of the scenario) is applied here, once.
"""

from __future__ import annotations

from typing import Any

from .scenario.models import Climate

NO_CHANGE = Climate()


def effective_climate(scenario, event) -> Climate:
    """The event's own climate block, else the scenario's, else no change."""
    return event.climate or scenario.climate or NO_CHANGE


def summarize_event(event, climate: Climate = NO_CHANGE) -> dict[str, Any]:
    """Key figures of an event's forcing, with units in the keys (for ``twin show`` and reports)."""
    out: dict[str, Any] = {"name": event.name, "kind": event.kind}
    if event.kind == "heatwave":
        from .heat.weather import hourly_weather

        w = hourly_weather(event, delta_t_c=climate.delta_t_c)
        out |= {
            "date": event.date.isoformat(),
            "max_air_temperature_c": round(float(w.air_temperature_c.max()), 2),
            "min_air_temperature_c": round(float(w.air_temperature_c.min()), 2),
            "air_temperature_15h_c": round(float(w.air_temperature_c[15]), 2),
        }
    elif event.kind in ("design_storm", "rain_series"):
        from .flood.rainfall import storm_hyetograph

        h = storm_hyetograph(event, rain_multiplier=climate.rain_multiplier)
        out |= {
            "depth_mm": round(h.depth_mm, 2),
            "peak_intensity_mm_per_h": round(float(h.intensity_mm_per_h.max()), 1),
            "rain_duration_min": round(h.duration_s / 60.0, 1),
        }
    else:
        from .flood.inflow import river_inflow

        q = river_inflow(event, multiplier=climate.rain_multiplier)
        if q is not None:
            out |= {
                "peak_discharge_m3_s": round(float(q.discharge_m3_s.max()), 1),
                "inflow_volume_m3": round(q.volume_m3),
                "inflow_duration_h": round(float(q.time_s[-1]) / 3600, 2),
            }
        if event.downstream_level_m is not None:
            out["downstream_level_m"] = event.downstream_level_m
    if climate != NO_CHANGE:
        out["climate"] = climate.model_dump()
    return out
