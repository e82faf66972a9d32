"""The API's routes, one module per domain noun; each stays thin over twin and viewer.scene."""
