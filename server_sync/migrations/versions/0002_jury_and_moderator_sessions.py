"""The youth jury (members and their star ratings) and moderators' browser sessions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jury_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_jury_members_workshop_id", "jury_members", ["workshop_id"])
    op.create_table(
        "jury_ratings",
        sa.Column("jury_member_id", sa.Integer(), nullable=False),
        sa.Column("submission_uuid", sa.String(length=36), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 0 AND 5", name="stars_in_range"),
        sa.ForeignKeyConstraint(["jury_member_id"], ["jury_members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_uuid"], ["submissions.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("jury_member_id", "submission_uuid"),
    )
    op.create_table(
        "moderator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("moderator_sessions")
    op.drop_table("jury_ratings")
    op.drop_index("ix_jury_members_workshop_id", table_name="jury_members")
    op.drop_table("jury_members")
