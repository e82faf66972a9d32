"""What a served viewer needs to know: where the runs and scenarios are, and its limits."""

from __future__ import annotations

import getpass
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Options of :func:`viewer.web.create_app`.

    Attributes
    ----------
    runs_dir : Path
        Folder of run folders (``twin demo`` writes ``twin-demo/runs``); new jobs write their runs here too.
    scenarios_dir : Path
        Scenario files offered to residents and that uploaded scenarios may extend.
    work_dir : Path, optional
        The jobs' files and the scene cache (GLB and PNG built once per run and layer); by default a folder
        of the system's temporary folder named after the user and the runs folder (one per served folder).
    baseline : str
        Name of the run the others are compared with.
    max_upload_bytes : int
        Largest scenario file or JSON body accepted, bytes.
    job_workers : int
        Worker processes that run the jobs (never the request handlers).
    static_dir : Path
        The page (index.html, ES modules) and its ``node_modules`` (three.js from npm).
    """

    runs_dir: Path
    scenarios_dir: Path
    work_dir: Path | None = None
    baseline: str = "baseline"
    max_upload_bytes: int = 256 * 1024
    job_workers: int = 1
    static_dir: Path = STATIC

    def __post_init__(self) -> None:
        if self.work_dir is None:
            digest = hashlib.sha256(str(Path(self.runs_dir).resolve()).encode()).hexdigest()[:12]
            folder = Path(tempfile.gettempdir()) / f"twin-serve-{getpass.getuser()}-{digest}"
            object.__setattr__(self, "work_dir", folder)

    @property
    def cache_dir(self) -> Path:
        return self.work_dir / "cache"

    @property
    def jobs_dir(self) -> Path:
        return self.work_dir / "jobs"
