"""The consultation store: consultations, participants, comments, ratings, preferences, reports.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("scenarios", sa.JSON, nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("opens_utc", TZ, nullable=True),
        sa.Column("closes_utc", TZ, nullable=True),
        sa.Column("moderation", sa.String(8), nullable=False),
        sa.Column("hide_after_reports", sa.Integer, nullable=False),
        sa.Column("identity", sa.String(16), nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("created_utc", TZ, nullable=False),
        sa.Column("tokens_erased_utc", TZ, nullable=True),
        sa.CheckConstraint("mode IN ('meeting', 'online')", name="ck_consultation_mode"),
        sa.CheckConstraint("moderation IN ('pre', 'post')", name="ck_consultation_moderation"),
        sa.CheckConstraint("identity IN ('none', 'optional')", name="ck_consultation_identity"),
    )
    op.create_table(
        "participant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("weights", sa.JSON, nullable=True),
        sa.Column("created_utc", TZ, nullable=False),
    )
    op.create_index("ix_participant_consultation_id", "participant", ["consultation_id"])
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scenario", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("x", sa.Float, nullable=True),
        sa.Column("y", sa.Float, nullable=True),
        sa.Column("building", sa.String(64), nullable=True),
        sa.Column("camera", sa.JSON, nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("created_utc", TZ, nullable=False),
        sa.Column("edited_utc", TZ, nullable=True),
        sa.CheckConstraint("status IN ('visible', 'pending', 'hidden')", name="ck_comment_status"),
    )
    op.create_index("ix_comment_consultation_id", "comment", ["consultation_id"])
    op.create_index("ix_comment_participant_id", "comment", ["participant_id"])
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scenario", sa.String(64), nullable=False),
        sa.Column("criterion", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("updated_utc", TZ, nullable=False),
        sa.UniqueConstraint("participant_id", "scenario", "criterion", name="uq_rating_once"),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name="ck_rating_value"),
    )
    op.create_index("ix_rating_consultation_id", "rating", ["consultation_id"])
    op.create_table(
        "preference",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id",
            sa.Integer,
            sa.ForeignKey("participant.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("ranking", sa.JSON, nullable=False),
        sa.Column("updated_utc", TZ, nullable=False),
    )
    op.create_index("ix_preference_consultation_id", "preference", ["consultation_id"])
    op.create_table(
        "report",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comment.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_utc", TZ, nullable=False),
        sa.UniqueConstraint("comment_id", "participant_id", name="uq_report_once"),
    )
    op.create_index("ix_report_comment_id", "report", ["comment_id"])


def downgrade() -> None:
    for table in ("report", "preference", "rating", "comment", "participant", "consultation"):
        op.drop_table(table)
