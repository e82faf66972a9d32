"""A flood run's depth frames, streamed to disk as the run goes instead of held in memory.

A 6-hour run with a frame every 5 minutes takes 73 maps: at 4 bytes a cell, 292 B per cell, more than the whole
state of the run. Each frame goes to a temporary file when it is taken (raw float32, row after row, frame after
frame: the file is the run's own scratch, never an output); the result's ``depth`` reads them back lazily through
dask, one frame at a time, and :func:`twin.io.write_netcdf` copies them frame by frame into ``hazard.nc``.

The file is read with ``os.pread`` on a descriptor kept open, not through the netCDF library: that library is not
thread-safe, and a reader freed by the garbage collector on another thread (a GeoTIFF writer's) would close its
file while this thread writes a NetCDF (a segmentation fault, seen in the tests). It is not mapped into memory
either, so a frame read counts in the process's memory only while it is copied. The file is unlinked once it is
open for reading, so its space is freed with the last array that reads it (where an open file cannot be unlinked,
at exit). It lies in the temporary folder (``TMPDIR``): a run needs 4 bytes per cell and frame of free space there.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import uuid

import dask.array as da
import numpy as np

_CHUNK_VALUES = 1 << 18  # about this many values (1 MiB of float32) written at a time
_FLOAT32 = np.dtype("<f4")  # the file's values: float32, little-endian whatever the machine


class FrameFile:
    """Frames of one run (float32 maps of ``shape``), written as they come; :meth:`frames` reads them back."""

    def __init__(self, shape: tuple[int, int]):
        self.shape = tuple(shape)
        self.rows = max(1, min(self.shape[0], _CHUNK_VALUES // max(self.shape[1], 1)))  # rows written at a time
        descriptor, self.path = tempfile.mkstemp(prefix="twin-frames-", suffix=".f32")
        self._file = os.fdopen(descriptor, "wb")
        self.count = 0

    def add(self, h: np.ndarray, before: np.ndarray | None = None, w: float = 0.0) -> None:
        """Write the next frame: the depths ``h`` (m), or ``before + w·(h − before)`` (a time between two states),
        a block of rows at a time (never a whole map more in memory)."""
        for r in range(0, self.shape[0], self.rows):
            rows = slice(r, r + self.rows)
            values = h[rows] if before is None else before[rows] + w * (h[rows] - before[rows])
            self._file.write(np.ascontiguousarray(values, dtype=_FLOAT32))  # its buffer, not a copy
        self.count += 1

    def discard(self) -> None:
        """Close and remove the file (a run that failed)."""
        self._file.close()
        _remove(self.path)

    def frames(self) -> da.Array:
        """All the frames, ``(time, y, x)`` float32, read lazily (one frame a chunk); the file is then read only."""
        self._file.close()
        reader = _Reader(self.path, (self.count, *self.shape))
        try:
            os.unlink(self.path)  # freed when the reader is
        except OSError:  # pragma: no cover - systems that keep open files from being unlinked
            atexit.register(_remove, self.path)
        return da.from_array(reader, chunks=(1, *self.shape), name=f"twin-frames-{uuid.uuid4().hex}",
                             asarray=True)  # fmt: skip


class _Reader:
    """The frames file open for reading, as the array dask slices (it keeps the file open while it lives).

    Thread-safe: each read is one ``os.pread`` at its own offset, and closing a descriptor is too."""

    def __init__(self, path: str, shape: tuple[int, int, int]):
        self._descriptor = os.open(path, os.O_RDONLY)
        self.shape, self.dtype, self.ndim = shape, np.dtype(np.float32), 3

    def __getitem__(self, key) -> np.ndarray:
        """The frames of ``key`` (a tuple of slices or indices over time, y, x, as dask gives them)."""
        key = key if isinstance(key, tuple) else (key,)
        times = range(self.shape[0])[key[0]]
        frame_bytes = self.shape[1] * self.shape[2] * _FLOAT32.itemsize
        picked = [times] if isinstance(times, int) else times
        stack = np.empty((len(picked), self.shape[1], self.shape[2]), dtype=np.float32)
        for k, t in enumerate(picked):
            data = os.pread(self._descriptor, frame_bytes, t * frame_bytes)
            if len(data) != frame_bytes:  # pragma: no cover - the file was cut short under the run
                raise OSError(f"the flood's frames file ends before frame {t} of {self.shape[0]}")
            stack[k] = np.frombuffer(data, dtype=_FLOAT32).reshape(self.shape[1:])
        return stack[(0 if isinstance(times, int) else slice(None), *key[1:])]

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._descriptor)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
