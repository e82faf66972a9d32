"""``create_app(settings)``: the API over the runs, the job queue, and the page with three.js from npm."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import os
import re
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twin import __version__
from twin.datasets import data_dir
from twin.errors import OutputError, TwinError, message

from .catalogue import Catalogue
from .consultation.database import engine_for, inline_writes, migrate, sessions, write_lock
from .consultation.limits import RateLimit
from .consultation.places import Places
from .consultation.store import erase_expired_tokens
from .errors import (
    MissingThreeError,
    NotFoundError,
    http_error_handler,
    redactor,
    twin_error_handler,
    validation_error_handler,
)
from .jobs import JobQueue
from .routes import consultations, jobs, runs, scenarios, scenes, words
from .routes.scenes import scene_file
from .schemas import Health
from .settings import Settings
from .state import AppState, FileCache

# The page loads nothing from elsewhere: a town hall may have no internet, and residents' browsers call no one.
# Scripts: the page's own files, and its inline import map by hash (no other inline script can run).
CSP = (
    "default-src 'self'; script-src 'self' {hashes}; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'; form-action 'self'"
)


def create_app(settings: Settings) -> FastAPI:
    """The viewer's web app over the runs of ``settings.runs_dir``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=_prepare_first_view, args=(app.state.twin,), daemon=True).start()
        eraser = asyncio.create_task(_erase_expired_tokens(app.state.twin))
        yield
        eraser.cancel()
        app.state.twin.jobs.close()

    app = FastAPI(
        title="twin viewer",
        version=__version__,
        summary="Scenarios of a territory in 3D, with their heat and flood indicators, for residents and planners.",
        lifespan=lifespan,
        max_body_size=settings.max_upload_bytes,  # 413 before a body is parsed or stored
    )
    _own_folder(settings.work_dir)
    redact = redactor(
        {
            "runs": settings.runs_dir,
            "scenarios": settings.scenarios_dir,
            "work": settings.work_dir,
            "static": settings.static_dir,
            "data": data_dir(),
        }
    )
    catalogue = Catalogue(settings.runs_dir, baseline=settings.baseline)
    store_sessions, store_lock, store_inline = _consultation_store(settings)
    app.state.twin = AppState(
        settings=settings,
        catalogue=catalogue,
        jobs=JobQueue(settings.jobs_dir, settings.runs_dir, workers=settings.job_workers, redact=redact),
        cache=FileCache(settings.cache_dir),
        redact=redact,
        sessions=store_sessions,
        store_lock=store_lock,
        store_inline=store_inline,
        write_limit=RateLimit(settings.writes_per_minute, what="X-Participant-Token: writes"),
        join_limit=RateLimit(settings.joins_per_minute, what="participants from one address"),
        places=Places(catalogue),
    )
    app.add_exception_handler(TwinError, twin_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for module in (consultations, runs, scenes, scenarios, jobs, words):  # the busiest routes are matched first
        app.include_router(module.router)
    _mount_page(app, settings)
    app.add_middleware(Headers, headers=security_headers(settings.static_dir / "index.html"))
    return app


def security_headers(index: Path) -> dict[str, str]:
    """The headers of every answer; the CSP allows the inline scripts of ``index`` by their SHA-256."""
    text = index.read_text(encoding="utf-8") if index.is_file() else ""
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts
    )
    return {
        "content-security-policy": CSP.format(hashes=hashes),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    }


def _consultation_store(settings: Settings):
    """Sessions on the consultation database, migrated to the latest schema first."""
    engine = engine_for(settings.store_url)
    migrate(engine)
    return sessions(engine), write_lock(engine), inline_writes(engine)


ERASE_EVERY_S = 3600.0  # how often the tokens of consultations past their retention are looked for


async def _erase_expired_tokens(state: AppState) -> None:
    """Erase, now and then every hour, the participant tokens of consultations past their retention period; a
    failure (the database away for a while) is logged and tried again at the next hour, never ends the task."""
    from starlette.concurrency import run_in_threadpool

    def erase() -> None:
        with state.sessions() as session:
            erase_expired_tokens(session)

    while True:
        try:
            async with state.store_lock:
                await run_in_threadpool(erase)
        except Exception:  # whatever went wrong now, keep erasing later
            logging.getLogger("twin.serve").exception("erasing expired consultation tokens failed; retrying later")
        await asyncio.sleep(ERASE_EVERY_S)


def _own_folder(folder: Path) -> None:
    """Make the work folder, readable by this user alone, and refuse one that another user made first."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    getuid = getattr(os, "getuid", None)  # not on Windows, where the temporary folder is per user anyway
    if getuid is not None and folder.stat().st_uid != getuid():
        raise OutputError(message(folder, "work folder", "owned by the user running the server", "another user's"))


def _prepare_first_view(state: AppState) -> None:
    """Build the scene a page shows first (the baseline's plain map) while the server waits for its first visitor,
    and read the runs' footprints (comments find their building without a file read under the write lock)."""
    try:
        with contextlib.suppress(TwinError):  # no baseline run yet: the page says so when asked
            scene_file(state, state.settings.baseline)
        for run in state.catalogue.names():
            with contextlib.suppress(TwinError, OSError, ValueError):  # a broken run: its comments find no building
                state.places.footprints(run)
    finally:
        state.ready.set()  # /api/health says so (whatever went wrong, requests build what they need themselves)


# The files of three.js (under node_modules/three) that the page imports, directly or through each other: the
# only ones served, and those the wheel carries (pyproject.toml's artifacts; tests/test_packaging.py checks both).
THREE_FILES = (
    "build/three.module.js",
    "build/three.core.js",
    "examples/jsm/controls/OrbitControls.js",
    "examples/jsm/loaders/GLTFLoader.js",
    "examples/jsm/utils/BufferGeometryUtils.js",
    "examples/jsm/utils/SkeletonUtils.js",
)
PAGE_FILE = re.compile(r"^[a-z0-9-]+\.(js|css)$")  # the page's own modules and style sheet, beside index.html
MEDIA = {".js": "text/javascript", ".css": "text/css"}


def _mount_page(app: FastAPI, settings: Settings) -> None:
    """The page and the files it imports, and nothing else of the static folder (not its ``package.json``, its
    lock file or the rest of ``node_modules``)."""
    static = settings.static_dir
    three = static / "node_modules" / "three"

    @app.get("/api/health", response_model=Health, tags=["server"], summary="Up, and ready at full speed?")
    def health() -> Health:
        return Health(ready=app.state.twin.ready.is_set(), version=__version__)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/app/{name}", include_in_schema=False)
    def page_file(name: str) -> FileResponse:
        path = static / name
        if not PAGE_FILE.fullmatch(name) or not path.is_file():
            raise NotFoundError(f"page: file must be one of the page's own, got {name!r}")
        return FileResponse(path, media_type=MEDIA[path.suffix])

    @app.get("/vendor/three/{path:path}", include_in_schema=False)
    def three_file(path: str) -> FileResponse:
        if path not in THREE_FILES:
            raise NotFoundError(f"three.js: file must be one the page imports, got {path!r}")
        if not (three / path).is_file():  # an explicit answer instead of a blank page
            raise MissingThreeError("three.js: not installed; run `npm ci --prefix viewer/web/static` (make serve)")
        return FileResponse(three / path, media_type=MEDIA[".js"])


class Headers:
    """Adds ``headers`` to every response."""

    def __init__(self, app: ASGIApp, *, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += self.headers
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
