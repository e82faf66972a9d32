"""Scenario files: measures on a territory and the hazard events to test them against."""

from .io import load_scenario, read_scenario_file, save_scenario
from .models import Scenario

__all__ = ["Scenario", "load_scenario", "read_scenario_file", "save_scenario"]
