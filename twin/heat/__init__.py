"""Heat hazard: the weather of a heatwave day today; the urban-heat engine joins it (see docs/architecture.md)."""
