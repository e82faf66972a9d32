"""Consultations: facilitators open them; residents join, comment on places, rate and choose; all read results."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from twin.errors import TwinError

from .. import access
from ..catalogue import NAME
from ..consultation import schemas, store
from ..consultation.export import NAMES, export
from ..consultation.models import Comment
from ..consultation.notice import privacy
from ..consultation.results import results
from ..errors import NotFoundError
from ..schemas import errors
from ..state import AppState, remember, state
from .runs import key_words

router = APIRouter(prefix="/api/consultations", tags=["consultation"], responses=errors(400, 404, 422))
Slug = Annotated[str, Path(pattern=NAME, description="consultation slug")]
Token = Annotated[str | None, Header(alias="X-Participant-Token", description="the token given on joining")]
ADMIN = access.needs("consultations")  # checked before the body is read
WRITES = errors(401, 403, 409, 413, 429)  # a participant's writes: the token, the consultation's state, the rate
ADMINS = errors(401, 403, 409, 413)  # a facilitator's requests
CommentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
T = TypeVar("T")


def db(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    with request.app.state.twin.sessions() as session:
        yield session


async def write(app: AppState, work: Callable[[Session], T]) -> T:
    """``work(session)`` as one write: on SQLite under the store's write lock, in the event loop itself (a
    millisecond on a local file, where a worker thread's hop costs more); on PostgreSQL in a worker thread."""
    async with app.store_lock:
        if app.store_inline:
            return _in_session(app, work)
        return await run_in_threadpool(_in_session, app, work)


async def read(app: AppState, work: Callable[[Session], T]) -> T:
    """``work(session)`` as a read: in the event loop on SQLite (a local file), in a worker thread on PostgreSQL."""
    if app.store_inline:
        return _in_session(app, work)
    return await run_in_threadpool(_in_session, app, work)


def _in_session(app: AppState, work: Callable[[Session], T]) -> T:
    with app.sessions() as session:
        return work(session)


DB = Annotated[Session, Depends(db)]
App = Annotated[AppState, Depends(state)]


def _out(c) -> schemas.Consultation:
    return schemas.Consultation(
        slug=c.slug, title=c.title, description=c.description, state=store.state(c), mode=c.mode,
        scenarios=c.scenarios, criteria=c.criteria, opens_utc=store.aware(c.opens_utc),
        closes_utc=store.aware(c.closes_utc), moderation=c.moderation, hide_after_reports=c.hide_after_reports,
        identity=c.identity, retention_days=c.retention_days, tokens_erased=c.tokens_erased_utc is not None,
        privacy=privacy(title=c.title, identity=c.identity, retention_days=c.retention_days,
                        moderation=c.moderation),
    )  # fmt: skip


def _comment(comment: Comment, viewer_id: int | None) -> schemas.Comment:
    return schemas.Comment(
        id=comment.id, scenario=comment.scenario, text=comment.text, lang=comment.lang,
        point=None if comment.x is None else [comment.x, comment.y], building=comment.building,
        camera=comment.camera, status=comment.status, reports=comment.reports,
        created_utc=store.aware(comment.created_utc),
        mine=viewer_id is not None and comment.participant_id == viewer_id,
    )  # fmt: skip


def _writer(app: AppState, session: Session, slug: str, token: str | None):
    """The consultation and the participant of ``token``, counted against the write rate."""
    c, p = store.writer(session, slug, token)
    app.write_limit.hit(f"participant:{p.id}")
    return c, p


@router.get("", response_model=schemas.ConsultationList, summary="The consultations")
def list_consultations(session: DB) -> schemas.ConsultationList:
    return schemas.ConsultationList(consultations=[_out(c) for c in store.listed(session)])


@router.post("", response_model=schemas.Consultation, status_code=201, summary="Create a consultation (admin)",
             dependencies=[ADMIN], responses=ADMINS)  # fmt: skip
async def create_consultation(body: schemas.ConsultationIn, app: App):
    runs = app.catalogue.names()
    return await write(app, lambda session: _out(store.create(session, body, runs=runs)))


@router.get("/{slug}", response_model=schemas.Consultation, summary="One consultation, with its privacy notice")
def get_consultation(slug: Slug, session: DB) -> schemas.Consultation:
    return _out(store.get(session, slug))


@router.patch("/{slug}", response_model=schemas.Consultation, summary="Open, close or retitle it (admin)",
              dependencies=[ADMIN], responses=ADMINS)  # fmt: skip
async def patch_consultation(slug: Slug, body: schemas.ConsultationPatch, app: App):
    return await write(app, lambda session: _out(store.update(session, store.get(session, slug), body)))


@router.post(
    "/{slug}/participants",
    response_model=schemas.Joined,
    status_code=201,
    summary="Take part",
    responses=errors(409, 413, 429),
)
async def join(slug: Slug, body: schemas.JoinIn, request: Request, app: App) -> schemas.Joined:
    app.join_limit.hit(f"address:{request.client.host if request.client else '?'}")
    return await write(app, lambda session: schemas.Joined(token=store.join(session, store.get(session, slug), body)))


@router.get("/{slug}/comments", response_model=schemas.CommentList, summary="Comments shown to everyone")
def list_comments(
    slug: Slug, session: DB, token: Token = None,
    scenario: Annotated[str | None, Query(pattern=NAME, description="only those on this scenario")] = None,
) -> schemas.CommentList:  # fmt: skip
    c = store.get(session, slug)
    viewer = None
    if token:
        try:
            viewer = store.participant(session, c, token)
        except TwinError:
            viewer = None  # a stale token still reads the public comments
    shown = store.comments(session, c, scenario=scenario, viewer=viewer)
    return schemas.CommentList(comments=[_comment(x, viewer and viewer.id) for x in shown])


@router.post(
    "/{slug}/comments", response_model=schemas.Comment, status_code=201, summary="Comment on a place", responses=WRITES
)
async def post_comment(slug: Slug, body: schemas.CommentIn, app: App, token: Token = None):
    if body.point is not None and not app.places.loaded(body.scenario):
        # a run new since the start: the consultation, the token and the scenario are checked first (404, 401, 403,
        # 409, 422), then its site is read from its files, away from the event loop
        await read(app, lambda session: store.may_comment(store.writer(session, slug, token)[0], body.scenario))
        await run_in_threadpool(app.places.preload, body.scenario)

    def work(session: Session) -> schemas.Comment:
        c, p = _writer(app, session, slug, token)
        store.may_comment(c, body.scenario)
        # in memory now: a point outside the territory is refused, the building under it found
        building = None if body.point is None else app.places.building_at(body.scenario, *body.point)
        return _comment(store.add_comment(session, c, p, body, building=building), p.id)

    return await write(app, work)


@router.patch(
    "/{slug}/comments/{comment}", response_model=schemas.Comment, summary="Edit one's own comment", responses=WRITES
)
async def edit_comment(slug: Slug, comment: CommentId, body: schemas.CommentEdit, app: App, token: Token = None):
    def work(session: Session) -> schemas.Comment:
        c, p = _writer(app, session, slug, token)
        return _comment(store.edit_comment(session, c, p, comment, body.text), p.id)

    return await write(app, work)


@router.delete("/{slug}/comments/{comment}", status_code=204, summary="Withdraw one's own comment", responses=WRITES)
async def delete_comment(slug: Slug, comment: CommentId, app: App, token: Token = None) -> Response:
    await write(app, lambda session: store.delete_comment(session, *_writer(app, session, slug, token), comment))
    return Response(status_code=204)


@router.post(
    "/{slug}/comments/{comment}/reports", response_model=schemas.Saved, summary="Report a comment", responses=WRITES
)
async def report_comment(slug: Slug, comment: CommentId, body: schemas.ReportIn, app: App,
                         token: Token = None) -> schemas.Saved:  # fmt: skip
    await write(app, lambda session: store.report(session, *_writer(app, session, slug, token), comment, body.reason))
    return schemas.Saved()


@router.put(
    "/{slug}/ratings", response_model=schemas.Saved, summary="Rate a scenario on a criterion (1-5)", responses=WRITES
)
async def put_rating(slug: Slug, body: schemas.RatingIn, app: App, token: Token = None) -> schemas.Saved:
    await write(app, lambda session: store.rate(session, *_writer(app, session, slug, token), body))
    return schemas.Saved()


@router.put(
    "/{slug}/preference", response_model=schemas.Saved, summary="Rank the scenarios, best first", responses=WRITES
)
async def put_preference(slug: Slug, body: schemas.PreferenceIn, app: App, token: Token = None):
    await write(app, lambda session: store.prefer(session, *_writer(app, session, slug, token), body))
    return schemas.Saved()


@router.put(
    "/{slug}/weights", response_model=schemas.Saved, summary="One's own weights of the criteria", responses=WRITES
)
async def put_weights(slug: Slug, body: schemas.WeightsIn, app: App, token: Token = None) -> schemas.Saved:
    await write(app, lambda session: store.weigh(session, *_writer(app, session, slug, token), body))
    return schemas.Saved()


@router.get(
    "/{slug}/results", response_model=schemas.Results, summary="Residents' ratings and choices beside the twin's"
)
def get_results(slug: Slug, app: App, session: DB, lang: Literal["en", "fr"] = "en") -> dict:
    c = store.get(session, slug)
    # at most one computation a second per consultation: every open page polls the results
    out = remember(app, ("results", c.slug, int(time.monotonic())), lambda: results(session, c))
    out = {**out, "scenarios": [dict(e) for e in out["scenarios"]]}
    for entry in out["scenarios"]:
        entry["indicators"] = _indicators(app, entry["scenario"], lang)
    return {"consultation": c.slug, "title": c.title, "lang": lang, "criteria": c.criteria, "state": store.state(c),
            **out}  # fmt: skip


def _indicators(app: AppState, run: str, lang: str) -> list[dict]:
    """The run's key indicators against the server's baseline (none if the run has gone)."""
    try:
        return key_words(app, run, app.settings.baseline, lang)["indicators"]
    except TwinError:
        return []


@router.get("/{slug}/moderation", response_model=schemas.CommentList, summary="Comments to moderate (admin)",
            dependencies=[ADMIN], responses=ADMINS)  # fmt: skip
def moderation(slug: Slug, app: App, session: DB) -> schemas.CommentList:
    c = store.get(session, slug)
    return schemas.CommentList(comments=[_comment(x, None) for x in store.moderation_queue(session, c)])


@router.patch("/{slug}/comments/{comment}/status", response_model=schemas.Comment, summary="Show or hide (admin)",
              dependencies=[ADMIN], responses=ADMINS)  # fmt: skip
async def set_status(slug: Slug, comment: CommentId, body: schemas.StatusIn, app: App) -> schemas.Comment:
    return await write(app, lambda s: _comment(store.moderate(s, store.get(s, slug), comment, body.status), None))


@router.get("/{slug}/export/{name}", response_class=Response,
            summary="Export for planners (admin): CSV, GeoJSON, data dictionary", dependencies=[ADMIN],
            responses={**ADMINS, 200: {"content": {"text/csv": {}, "application/geo+json": {}}}})  # fmt: skip
def get_export(
    slug: Slug, name: Annotated[str, Path(description=f"one of {', '.join(NAMES)}")], app: App, session: DB,
    identified: Annotated[bool, Query(description="add names and e-mails participants gave")] = False,
) -> Response:  # fmt: skip
    c = store.get(session, slug)
    if name not in NAMES:
        raise NotFoundError(f"export: name must be one of {list(NAMES)}, got {name!r}")
    text = export(session, c, name, crs=app.places.crs(c.scenarios[0]), identified=identified)
    media = "application/geo+json" if name.endswith(".geojson") else "text/csv"
    disposition = f'attachment; filename="{c.slug}-{name}"'
    return Response(text, media_type=f"{media}; charset=utf-8", headers={"Content-Disposition": disposition})


@router.get("/{slug}/qr.svg", response_class=Response,
            summary="A QR code of the consultation's address (for the big screen)",
            responses={200: {"content": {"image/svg+xml": {}}}})  # fmt: skip
def qr_code(slug: Slug, request: Request, app: App, session: DB) -> Response:
    import io

    import segno

    c = store.get(session, slug)
    base = app.settings.public_url or _bound_url(request)
    buffer = io.BytesIO()
    segno.make(f"{base.rstrip('/')}/?consultation={c.slug}", error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml")


def _bound_url(request: Request) -> str:
    """The address the server was reached at, from its own socket (never the client's ``Host`` header, which a
    client writes as it likes); ``--public-url`` is better where a proxy or a name stands in front."""
    host, port = request.scope.get("server") or ("127.0.0.1", 80)
    host = f"[{host}]" if ":" in host else host
    return f"{request.url.scheme}://{host}:{port}"
