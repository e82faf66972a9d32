"""The 3D viewer of twin: scenes of a run (pyvista), their PNG renders and glTF, and the web page."""
