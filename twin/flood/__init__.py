"""Flood hazard: a 2D local-inertial shallow-water model with rain, infiltration, drainage and inflows."""
