"""Who may do what: reading is public; running scenarios and administering consultations need a facilitator's token.

Two tokens, each kept as its SHA-256 only (``twin serve`` reads them from the environment): the admin token
(``TWIN_ADMIN_TOKEN``) does everything a facilitator does; the planner token (``TWIN_PLANNER_TOKEN``) runs scenarios
(jobs and uploads) and nothing else, so the person presenting scenarios in a meeting cannot read residents' e-mails
or moderate. A server with neither refuses every facilitator request. Meeting mode (``--no-jobs``) refuses jobs to
every token. docs/viewer.md says what a server on ``--host 0.0.0.0`` exposes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Literal

from fastapi import Depends, Header, Request

from .errors import ForbiddenError, UnauthorizedError
from .settings import Settings

Authorization = Annotated[
    str | None, Header(alias="Authorization", description="Bearer <facilitator token> (admin or planner)")
]
Role = Literal["admin", "planner"]
ROLES_OF: dict[str, tuple[Role, ...]] = {  # the tokens that open each kind of request
    "jobs": ("admin", "planner"),
    "consultations": ("admin",),
}


def token_hash(token: str) -> str:
    """SHA-256 of a token, as stored (the token itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


def role_of(settings: Settings, authorization: str | None) -> Role:
    """The role of the request's ``Authorization: Bearer`` token: 401 without one, 403 for an unknown one."""
    if not authorization:
        raise UnauthorizedError("Authorization: header must be 'Bearer <facilitator token>', got none")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer":
        digest = token_hash(token.strip())
        for role, expected in (("admin", settings.admin_token_sha256), ("planner", settings.planner_token_sha256)):
            if expected is not None and hmac.compare_digest(digest, expected):
                return role
    if settings.admin_token_sha256 is None and settings.planner_token_sha256 is None:
        raise ForbiddenError("Authorization: this server has no facilitator token (set TWIN_ADMIN_TOKEN at start)")
    raise ForbiddenError("Authorization: must be a facilitator token of this server, got another")


def require(settings: Settings, authorization: str | None, what: str) -> Role:
    """Refuse, before anything else is looked at, a request for ``what`` (a key of :data:`ROLES_OF`) that its
    token does not open; meeting mode refuses every job."""
    role = role_of(settings, authorization)
    if role not in ROLES_OF[what]:
        raise ForbiddenError(f"Authorization: {what} need the {' or '.join(ROLES_OF[what])} token, got the {role}'s")
    if what == "jobs" and not settings.jobs_enabled:
        raise ForbiddenError("jobs: this server is in meeting mode (--no-jobs): scenarios cannot be run from here")
    return role


def needs(what: str):
    """A route dependency that calls :func:`require` for ``what`` before the request's body or files are looked
    at: a request without the right token gets 401 or 403, never a validation error that tells it about the body."""

    async def check(request: Request, authorization: Authorization = None) -> Role:
        return require(request.app.state.twin.settings, authorization, what)

    return Depends(check)
