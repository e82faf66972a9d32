"""Heat hazard: urban heat island, shade, sky view factor, radiant temperature and UTCI (see docs/heat.md)."""
