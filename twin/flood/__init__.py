"""Flood hazard: rainfall forcing today; the local-inertial engine joins it (see docs/architecture.md)."""
