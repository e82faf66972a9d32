"""Domain errors as HTTP answers: one table from error class to status code (DESIGN §6)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

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
    TwinError: 400,
}


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain error."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


async def twin_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A :class:`TwinError` as ``{"detail": message}`` with the status of :data:`STATUS`."""
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))
