"""What participants and facilitators do to a consultation, as functions on a database session.

Each function checks the rule it stands for (the consultation is open, the comment is the participant's own, the
scenario and criterion belong to the consultation) and raises the domain error the API turns into a status.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from twin.errors import ScenarioError, message

from ..access import token_hash
from ..errors import ClosedError, ConflictError, ForbiddenError, NotFoundError, TooFastError, UnauthorizedError
from . import schemas
from .models import Comment, Consultation, Participant, Preference, Rating, Report, utcnow

MAX_COMMENTS = 200  # comments one participant may leave in a consultation


def state(c: Consultation, now: dt.datetime | None = None) -> str:
    """``draft`` before it opens, ``open``, or ``closed`` after it closes."""
    now = now or utcnow()
    opens, closes = aware(c.opens_utc), aware(c.closes_utc)
    if opens is None or now < opens:
        return "draft"
    if closes is not None and now >= closes:
        return "closed"
    return "open"


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they are UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def create(session: Session, data: schemas.ConsultationIn, *, runs: list[str]) -> Consultation:
    """A new consultation on scenarios that have runs."""
    unknown = [s for s in data.scenarios if s not in runs]
    if unknown:
        raise ScenarioError(message("body", "scenarios", f"runs of this server, among {runs}", unknown))
    _check_times(data.opens_utc, data.closes_utc)
    fields = data.model_dump()
    fields["criteria"] = [c.model_dump() for c in data.criteria]
    c = Consultation(**fields)
    session.add(c)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(message("body", "slug", "not that of another consultation", data.slug)) from None
    return c


def _check_times(opens: dt.datetime | None, closes: dt.datetime | None) -> None:
    if opens is not None and closes is not None and aware(closes) <= aware(opens):
        raise ScenarioError(message("body", "closes_utc", f"after opens_utc ({opens.isoformat()})", closes.isoformat()))


def update(session: Session, c: Consultation, patch: schemas.ConsultationPatch) -> Consultation:
    """Change its title, description or times (opening or closing it now)."""
    for name, value in patch.model_dump(exclude_unset=True).items():
        setattr(c, name, value)
    _check_times(c.opens_utc, c.closes_utc)
    if "closes_utc" in patch.model_fields_set and c.tokens_erased_utc is not None:
        c.tokens_erased_utc = None  # reopened after an erasure: who joins now is erased after the new closing
    session.commit()
    return c


def get(session: Session, slug: str) -> Consultation:
    c = session.scalar(select(Consultation).where(Consultation.slug == slug))
    if c is None:
        raise NotFoundError(f"consultation: slug must be that of a consultation, got {slug!r}")
    return c


def listed(session: Session) -> list[Consultation]:
    return list(session.scalars(select(Consultation).order_by(Consultation.created_utc.desc())))


def _require_open(c: Consultation, what: str) -> None:
    now_state = state(c)
    if now_state != "open":
        raise ClosedError(message(c.slug, "consultation", f"open to {what}", now_state))


def join(session: Session, c: Consultation, data: schemas.JoinIn) -> str:
    """A new participant; returns their token (shown once)."""
    _require_open(c, "join")
    if c.identity == "none" and (data.name or data.email):
        raise ScenarioError(message("body", "name/email", "absent (this consultation is anonymous)", "given"))
    token = secrets.token_urlsafe(24)
    session.add(Participant(consultation_id=c.id, token_sha256=token_hash(token), name=data.name, email=data.email))
    session.commit()
    return token


def participant(session: Session, c: Consultation, token: str | None) -> Participant:
    """The participant of ``token`` in ``c``: 401 without one, 403 with one that is not theirs."""
    if not token:
        raise UnauthorizedError("X-Participant-Token: header must hold the token given on joining, got none")
    p = session.scalar(select(Participant).where(Participant.token_sha256 == token_hash(token)))
    if p is None or p.consultation_id != c.id:
        raise ForbiddenError("X-Participant-Token: must be a token of this consultation, got another")
    return p


# The statements of every write, built once (building a statement costs more than running it on SQLite), and
# run as Core statements: the ORM's bookkeeping costs more than SQLite's work here too.
_C, _P = Consultation.__table__, Participant.__table__
_WRITER = (
    select(*_C.c, _P.c.id.label("participant"))
    .select_from(_C.outerjoin(_P, (_P.c.consultation_id == _C.c.id) & (_P.c.token_sha256 == sa.bindparam("token"))))
    .where(_C.c.slug == sa.bindparam("slug"))
)
_COMMENTS_OF = select(sa.func.count()).where(Comment.__table__.c.participant_id == sa.bindparam("p"))


def writer(session: Session, slug: str, token: str | None) -> tuple[Consultation, Participant]:
    """The consultation ``slug`` and the participant of ``token`` in it, in one query (the path of every write):
    404 for an unknown consultation, 401 without a token, 403 with one that is not of this consultation. Both are
    read-only copies (not in the session): writes go through statements."""
    if not token:
        get(session, slug)
        raise UnauthorizedError("X-Participant-Token: header must hold the token given on joining, got none")
    row = session.connection().execute(_WRITER, {"slug": slug, "token": token_hash(token)}).first()
    if row is None:
        raise NotFoundError(f"consultation: slug must be that of a consultation, got {slug!r}")
    fields = row._asdict()
    participant = fields.pop("participant")
    if participant is None:
        raise ForbiddenError("X-Participant-Token: must be a token of this consultation, got another")
    return Consultation(**fields), Participant(id=participant, consultation_id=fields["id"])


def _scenario(c: Consultation, scenario: str) -> str:
    if scenario not in c.scenarios:
        raise ScenarioError(message("body", "scenario", f"one of {c.scenarios}", scenario))
    return scenario


def may_comment(c: Consultation, scenario: str) -> None:
    """Refuse a comment on a consultation that is not open, or on a scenario that is not one of its own."""
    _require_open(c, "comments")
    _scenario(c, scenario)


def add_comment(session: Session, c: Consultation, p: Participant, data: schemas.CommentIn, *,
                building: str | None) -> Comment:  # fmt: skip
    """A comment, visible at once (post-moderation) or pending (pre-moderation); at most
    :data:`MAX_COMMENTS` a participant."""
    _require_open(c, "comments")
    written = session.connection().execute(_COMMENTS_OF, {"p": p.id}).scalar_one()
    if written >= MAX_COMMENTS:
        raise TooFastError(f"X-Participant-Token: at most {MAX_COMMENTS} comments a participant, got {written}")
    x, y = data.point if data.point else (None, None)
    values = dict(
        consultation_id=c.id, participant_id=p.id, scenario=_scenario(c, data.scenario), text=data.text,
        lang=data.lang, x=x, y=y, building=data.building or building,
        camera=data.camera.model_dump() if data.camera else None,
        status="pending" if c.moderation == "pre" else "visible", reports=0, created_utc=utcnow(),
    )  # fmt: skip
    # one prepared INSERT rather than the ORM's unit of work: a comment is the busiest write of a meeting
    (new_id,) = session.connection().execute(_insert(Comment, tuple(values)), values).inserted_primary_key
    session.commit()
    return Comment(id=new_id, **values)


def _comment(session: Session, c: Consultation, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != c.id:
        raise NotFoundError(f"{c.slug}: comment must be one of this consultation, got {comment_id!r}")
    return comment


def _own(session: Session, c: Consultation, p: Participant, comment_id: int) -> Comment:
    comment = _comment(session, c, comment_id)
    if comment.participant_id != p.id:
        raise ForbiddenError(f"{c.slug}: comment {comment_id} must be yours to change it, got another's")
    return comment


def edit_comment(session: Session, c: Consultation, p: Participant, comment_id: int, text: str) -> Comment:
    """Change one's own comment (pre-moderated comments wait again)."""
    _require_open(c, "comments")
    comment = _own(session, c, p, comment_id)
    comment.text, comment.edited_utc = text, utcnow()
    if c.moderation == "pre" and comment.status == "visible":
        comment.status = "pending"
    session.commit()
    return comment


def delete_comment(session: Session, c: Consultation, p: Participant, comment_id: int) -> None:
    """Withdraw one's own comment (while the consultation is open, as its privacy notice says)."""
    _require_open(c, "withdrawals")
    session.delete(_own(session, c, p, comment_id))
    session.commit()


LIST_LIMIT = 2000  # comments in one answer: the newest


def comments(session: Session, c: Consultation, *, scenario: str | None, viewer: Participant | None) -> list[Comment]:
    """Visible comments, and the viewer's own whatever their status; the newest :data:`LIST_LIMIT`, oldest first."""
    shown = Comment.status == "visible"
    if viewer is not None:
        shown = shown | (Comment.participant_id == viewer.id)
    query = select(Comment).where(Comment.consultation_id == c.id, shown)
    if scenario is not None:
        query = query.where(Comment.scenario == scenario)
    newest = list(session.scalars(query.order_by(Comment.id.desc()).limit(LIST_LIMIT)))
    return newest[::-1]


def report(session: Session, c: Consultation, p: Participant, comment_id: int, reason: str) -> Comment:
    """Report a comment; after the consultation's number of reports (since a facilitator last showed it) it is
    hidden until a facilitator decides. The count is incremented in SQL, so reports at once all count."""
    _require_open(c, "reports")
    comment = _comment(session, c, comment_id)
    if comment.participant_id == p.id:
        raise ScenarioError(message(f"{c.slug}: comment {comment_id}", "report", "about another's comment", "yours"))
    session.add(Report(comment_id=comment.id, participant_id=p.id, reason=reason))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _comment(session, c, comment_id)  # reported once already: counts once
    session.execute(sa.update(Comment).where(Comment.id == comment.id).values(reports=Comment.reports + 1))
    session.refresh(comment)
    if comment.reports >= c.hide_after_reports and comment.status == "visible":
        comment.status = "hidden"
    session.commit()
    return comment


def moderate(session: Session, c: Consultation, comment_id: int, status: str) -> Comment:
    """A facilitator shows or hides a comment; showing it starts the count of reports again."""
    comment = _comment(session, c, comment_id)
    comment.status = status
    if status == "visible":
        comment.reports = 0
    session.commit()
    return comment


def moderation_queue(session: Session, c: Consultation) -> list[Comment]:
    """Comments waiting, hidden, or reported at least once."""
    query = select(Comment).where(Comment.consultation_id == c.id).order_by(Comment.id)
    return [x for x in session.scalars(query) if x.status != "visible" or x.reports > 0]


def rate(session: Session, c: Consultation, p: Participant, data: schemas.RatingIn) -> None:
    """A rating (1-5) of a scenario on a criterion; a new one replaces the participant's earlier one."""
    _require_open(c, "ratings")
    _scenario(c, data.scenario)
    ids = [k["id"] for k in c.criteria]
    if data.criterion not in ids:
        raise ScenarioError(message("body", "criterion", f"one of {ids}", data.criterion))
    keys = {"consultation_id": c.id, "participant_id": p.id, "scenario": data.scenario, "criterion": data.criterion}
    _upsert(session, Rating, keys, {"value": data.value}, conflict=["participant_id", "scenario", "criterion"])


def prefer(session: Session, c: Consultation, p: Participant, data: schemas.PreferenceIn) -> None:
    """A participant's ranked choice of scenarios (best first), replacing their earlier one."""
    _require_open(c, "preferences")
    for s in data.ranking:
        _scenario(c, s)
    if len(set(data.ranking)) != len(data.ranking):
        raise ScenarioError(message("body", "ranking", "each scenario at most once", data.ranking))
    keys = {"consultation_id": c.id, "participant_id": p.id}
    _upsert(session, Preference, keys, {"ranking": data.ranking}, conflict=["participant_id"])


def _upsert(session: Session, model, keys: dict, values: dict, *, conflict: list[str]) -> None:
    """Add the participant's row, or update it if it is there (the ``conflict`` columns are unique), in one
    prepared statement: two requests at once (a double tap) end as one row, not a 500."""
    dialect = session.get_bind().dialect.name
    row = keys | values | {"updated_utc": utcnow()}
    statement = _upsert_statement(model, dialect, tuple(row), tuple(values), tuple(conflict))
    session.connection().execute(statement, row)
    session.commit()


@functools.cache
def _insert(model, columns: tuple[str, ...]):
    """``INSERT INTO model (columns) VALUES (:column, ...)``, built once."""
    return sa.insert(model.__table__).values({name: sa.bindparam(name) for name in columns})


@functools.cache
def _upsert_statement(model, dialect: str, columns: tuple, updated: tuple, conflict: tuple):
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE SET updated, updated_utc`` for SQLite or PostgreSQL."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # SQLite, the other backend this store runs on (database.engine_for refuses the rest)
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model.__table__).values({name: sa.bindparam(name) for name in columns})
    changed = {name: statement.excluded[name] for name in (*updated, "updated_utc")}
    return statement.on_conflict_do_update(index_elements=list(conflict), set_=changed)


def weigh(session: Session, c: Consultation, p: Participant, data: schemas.WeightsIn) -> None:
    """A participant's own weights of the criteria, for their ranking in the results."""
    _require_open(c, "weights")
    ids = [k["id"] for k in c.criteria]
    unknown = sorted(k for k in data.weights if k not in ids)
    if unknown:
        raise ScenarioError(message("body", "weights", f"keyed by criteria among {ids}", unknown[:3]))
    if not any(w > 0 for w in data.weights.values()):
        raise ScenarioError(message("body", "weights", "above 0 for one criterion at least", "all 0"))
    session.execute(sa.update(Participant).where(Participant.id == p.id).values(weights=data.weights))
    session.commit()


def erase_expired_tokens(session: Session, now: dt.datetime | None = None) -> int:
    """Erase the tokens, names and e-mails of consultations closed longer than their retention; returns how
    many consultations were erased. Their comments, ratings and preferences stay, tied to no one."""
    now = now or utcnow()
    erased = 0
    for c in session.scalars(select(Consultation).where(Consultation.tokens_erased_utc.is_(None))):
        closes = aware(c.closes_utc)
        if closes is None or now < closes + dt.timedelta(days=c.retention_days):
            continue
        for p in session.scalars(select(Participant).where(Participant.consultation_id == c.id)):
            p.token_sha256, p.name, p.email = None, None, None
        c.tokens_erased_utc = now
        erased += 1
    session.commit()
    return erased
