"""Domain errors as HTTP answers: one table from error class to status code (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.routing import Match
from starlette.types import Scope

from twin.errors import (
    CRSError,
    DataSourceError,
    MissingFileError,
    ModelInputError,
    OutputExistsError,
    ScenarioError,
    TerritoryError,
    TerritoryFileError,
    TwinError,
)


class NotFoundError(TwinError, LookupError):
    """A run, event, scenario, layer or job that the server does not have."""


class ConflictError(TwinError, ValueError):
    """A request that would replace something that exists or is being made."""


class TooManyJobsError(TwinError, RuntimeError):
    """The job queue is full; try again when a job has finished."""


class MissingThreeError(TwinError, RuntimeError):
    """three.js is not installed beside the page (``npm ci``): the page cannot start."""


class TooFastError(TwinError, RuntimeError):
    """A participant (or an address) writes faster than the server allows."""


class UnauthorizedError(TwinError, PermissionError):
    """A request that needs a token came without one."""


class ForbiddenError(TwinError, PermissionError):
    """A wrong token, or a participant acting on what is not theirs."""


class ClosedError(TwinError, ValueError):
    """A consultation that is not open to what the request does."""


# The first class in an error's MRO found here gives its status; any other TwinError is a 400.
STATUS: dict[type[Exception], int] = {
    NotFoundError: 404,
    MissingFileError: 404,
    ConflictError: 409,
    OutputExistsError: 409,
    ScenarioError: 422,
    TerritoryFileError: 422,
    TerritoryError: 422,
    CRSError: 422,
    ModelInputError: 422,
    DataSourceError: 422,
    TooManyJobsError: 429,
    MissingThreeError: 503,
    TooFastError: 429,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    ClosedError: 409,
    TwinError: 400,
}


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain error."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def redactor(folders: dict[str, Path]):
    """A function that writes the server's folders in a text by their names (``runs/...``), for clients."""
    pairs = []
    for label, folder in folders.items():
        for form in {str(folder), str(Path(folder).resolve())}:
            pairs.append((form.rstrip("/"), label))
    pairs.sort(key=lambda p: -len(p[0]))  # the longest first: a folder inside another keeps its own name

    def redact(text: str) -> str:
        for path, label in pairs:
            text = text.replace(path, label)
        return text

    return redact


MAX_DETAIL = 600  # characters of an error message a client reads: enough to name the field and the value


def capped(text: str, limit: int = MAX_DETAIL) -> str:
    """``text`` cut to ``limit`` characters: an error never sends a client's large input back."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def twin_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A :class:`TwinError` as ``{"detail": message}`` with the status of :data:`STATUS`; the server's folders
    are named, not shown."""
    return JSONResponse({"detail": capped(request.app.state.twin.redact(str(exc)))}, status_code=status_of(exc))


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 with each problem's field path, message and type, without echoing the input back (it may be large,
    or not JSON at all: NaN)."""
    problems = [
        {"loc": [capped(p, 80) if isinstance(p, str) else p for p in e.get("loc", ())], "msg": capped(e.get("msg", "")),
         "type": e.get("type", "")}
        for e in exc.errors()[:20]
    ]  # fmt: skip (at most 20 problems, each field name cut at 80 characters: a body of bad keys is not sent back)
    return JSONResponse({"detail": problems}, status_code=422)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (404 of an unknown path, 405...) in the shape of the others; a 405's ``Allow`` lists
    the methods of every route of that path (Starlette names those of the first route it found)."""
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    return JSONResponse({"detail": capped(str(exc.detail))}, status_code=exc.status_code, headers=headers)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app, scope: Scope) -> list[str]:
    """The methods the app's routes answer on the path of ``scope``: those for which a route matches in full."""
    return [m for m in METHODS if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in app.router.routes)]
