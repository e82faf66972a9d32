"""The consultation store's tables (SQLAlchemy 2, declarative). Changes go through a migration (migrations/)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time in UTC: one without an offset is taken as UTC (SQLite gives UTC clock times back without their
    offset), one with an offset is converted to the same instant in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Consultation(Base):
    """A consultation on some scenarios (run names), with its criteria and its rules."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    scenarios: Mapped[list] = mapped_column(JSON)  # run names
    criteria: Mapped[list] = mapped_column(JSON)  # [{"id", "en", "fr"}]
    mode: Mapped[str] = mapped_column(String(16))  # meeting | online
    opens_utc: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closes_utc: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    moderation: Mapped[str] = mapped_column(String(8))  # pre | post
    hide_after_reports: Mapped[int] = mapped_column(Integer)
    identity: Mapped[str] = mapped_column(String(16))  # none | optional
    retention_days: Mapped[int] = mapped_column(Integer)
    created_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    tokens_erased_utc: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("mode IN ('meeting', 'online')", name="ck_consultation_mode"),
        CheckConstraint("moderation IN ('pre', 'post')", name="ck_consultation_moderation"),
        CheckConstraint("identity IN ('none', 'optional')", name="ck_consultation_identity"),
    )


class Participant(Base):
    """Someone taking part: an anonymous token (its hash), a name or e-mail only if they chose to give them."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)  # None once erased
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    weights: Mapped[dict | None] = mapped_column(JSON)  # their own weights of the criteria; None: all equal
    created_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(Base):
    """A comment on a scenario, pinned to a point and/or a building, with the camera view it was written from."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    scenario: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    x: Mapped[float | None] = mapped_column(Float)  # territory CRS, m
    y: Mapped[float | None] = mapped_column(Float)
    building: Mapped[str | None] = mapped_column(String(64))
    camera: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8))  # visible | pending | hidden
    reports: Mapped[int] = mapped_column(Integer, default=0)
    created_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_utc: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    participant: Mapped[Participant] = relationship()

    __table_args__ = (CheckConstraint("status IN ('visible', 'pending', 'hidden')", name="ck_comment_status"),)


class Rating(Base):
    """A participant's rating of a scenario on a criterion, 1 to 5."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    scenario: Mapped[str] = mapped_column(String(64))
    criterion: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    updated_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("participant_id", "scenario", "criterion", name="uq_rating_once"),
        CheckConstraint("value BETWEEN 1 AND 5", name="ck_rating_value"),
    )


class Preference(Base):
    """A participant's ranked choice between the scenarios, best first."""

    __tablename__ = "preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), unique=True)
    ranking: Mapped[list] = mapped_column(JSON)
    updated_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Report(Base):
    """A participant's report of abuse on a comment (once per participant and comment)."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_utc: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("comment_id", "participant_id", name="uq_report_once"),)
