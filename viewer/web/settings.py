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
    database_url : str, optional
        The consultation store (``postgresql+psycopg://...``); by default ``consultation.sqlite`` in ``work_dir``.
    admin_token_sha256 : str, optional
        SHA-256 (hex) of the facilitators' token (``twin serve`` reads ``TWIN_ADMIN_TOKEN``); without it the
        admin routes refuse everyone. The admin token opens every facilitator request (viewer.web.access).
    planner_token_sha256 : str, optional
        SHA-256 (hex) of the planners' token (``TWIN_PLANNER_TOKEN``): it runs scenarios (jobs), nothing else.
    jobs_enabled : bool
        False in meeting mode (``twin serve --no-jobs``): no scenario can be run from the server, whatever the token.
    writes_per_minute : int
        Writes a participant token may make in a minute (comments, ratings, reports); more get 429.
    joins_per_minute : int
        New participants one client address may make in a minute (a meeting room shares one address).
    public_url : str, optional
        The address phones reach the server at, for the QR codes (default: the address the request used).
    """

    runs_dir: Path
    scenarios_dir: Path
    work_dir: Path | None = None
    baseline: str = "baseline"
    max_upload_bytes: int = 256 * 1024
    job_workers: int = 1
    static_dir: Path = STATIC
    database_url: str | None = None
    admin_token_sha256: str | None = None
    planner_token_sha256: str | None = None
    jobs_enabled: bool = True
    writes_per_minute: int = 60
    joins_per_minute: int = 600
    public_url: str | None = None

    def __post_init__(self) -> None:
        if self.work_dir is None:
            digest = hashlib.sha256(str(Path(self.runs_dir).resolve()).encode()).hexdigest()[:12]
            folder = Path(tempfile.gettempdir()) / f"twin-serve-{getpass.getuser()}-{digest}"
            object.__setattr__(self, "work_dir", folder)

    @property
    def cache_dir(self) -> Path:
        return self.work_dir / "cache"

    @property
    def store_url(self) -> str:
        """The consultation database's URL."""
        return self.database_url or f"sqlite:///{(self.work_dir / 'consultation.sqlite').as_posix()}"

    @property
    def jobs_dir(self) -> Path:
        return self.work_dir / "jobs"
