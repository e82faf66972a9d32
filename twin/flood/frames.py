"""A flood run's depth frames, streamed to disk as the run goes instead of held in memory.

A 6-hour run with a frame every 5 minutes takes 73 maps: at 4 bytes a cell, 292 B per cell, more than the whole
state of the run. Each frame goes to a temporary NetCDF-4 file (float32, one chunk per frame) when it is taken;
the result's ``depth`` reads them back lazily through dask, one frame at a time, and
:func:`twin.io.write_netcdf` copies them frame by frame. The file is unlinked once it is open for reading, so its
space is freed with the last array that reads it (where an open file cannot be unlinked, at exit). It lies in
the temporary folder (``TMPDIR``): a run needs 4 bytes per cell and frame of free space there.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import uuid

import dask.array as da
import netCDF4
import numpy as np

_CHUNK_VALUES = 1 << 18  # about this many values (1 MiB of float32) in each chunk of the file


class FrameFile:
    """Frames of one run (float32 maps of ``shape``), written as they come; :meth:`frames` reads them back."""

    def __init__(self, shape: tuple[int, int]):
        self.shape = tuple(shape)
        self.rows = max(1, min(self.shape[0], _CHUNK_VALUES // max(self.shape[1], 1)))  # rows per chunk of the file
        descriptor, self.path = tempfile.mkstemp(prefix="twin-frames-", suffix=".nc")
        os.close(descriptor)
        self._nc = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        self._nc.createDimension("time", None)
        self._nc.createDimension("y", self.shape[0])
        self._nc.createDimension("x", self.shape[1])
        self._depth = self._nc.createVariable("depth", "f4", ("time", "y", "x"), chunksizes=(1, self.rows,
                                              self.shape[1]), fill_value=False)  # fmt: skip
        self._depth.set_var_chunk_cache(size=_CHUNK_VALUES * 4, nelems=1)  # one chunk: each is written whole
        self.count = 0

    def add(self, h: np.ndarray, before: np.ndarray | None = None, w: float = 0.0) -> None:
        """Write the next frame: the depths ``h`` (m), or ``before + w·(h − before)`` (a time between two states),
        a chunk of rows at a time (never a whole map more in memory)."""
        for r in range(0, self.shape[0], self.rows):
            rows = slice(r, r + self.rows)
            values = h[rows] if before is None else before[rows] + w * (h[rows] - before[rows])
            self._depth[self.count, rows] = values.astype(np.float32, copy=False)
        self.count += 1

    def discard(self) -> None:
        """Close and remove the file (a run that failed)."""
        self._nc.close()
        _remove(self.path)

    def frames(self) -> da.Array:
        """All the frames, ``(time, y, x)`` float32, read lazily (one frame a chunk); the file is then read only."""
        self._nc.close()
        reader = _Reader(self.path)
        try:
            os.unlink(self.path)  # freed when the reader is
        except OSError:  # pragma: no cover - systems that keep open files from being unlinked
            atexit.register(_remove, self.path)
        return da.from_array(reader, chunks=(1, *self.shape), lock=True, name=f"twin-frames-{uuid.uuid4().hex}",
                             asarray=True)  # fmt: skip


class _Reader:
    """The frames file open for reading, as the array dask slices (it keeps the file open while it lives)."""

    def __init__(self, path: str):
        self._nc = netCDF4.Dataset(path, "r")
        self._nc.set_auto_mask(False)
        self._depth = self._nc.variables["depth"]
        self.shape, self.dtype, self.ndim = self._depth.shape, np.dtype(np.float32), 3

    def __getitem__(self, key) -> np.ndarray:
        return np.asarray(self._depth[key], dtype=np.float32)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
