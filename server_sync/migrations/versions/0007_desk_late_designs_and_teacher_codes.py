"""The teacher's desk for a class: designs that arrive late, and teacher codes.

A design sent after building ended used to be refused and lost; it is now kept with the new
status `late` (shown to the moderator only). Teacher codes give one workshop's desk; a desk
session remembers the code it was signed in with (none: the server-wide token), and ends
with it when the code is revoked.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'approved', 'hidden', 'rejected')"
NEW_STATUSES = "status IN ('pending', 'approved', 'hidden', 'rejected', 'late')"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint("status_known", NEW_STATUSES)
    op.create_table(
        "teacher_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_teacher_codes_workshop_id", "teacher_codes", ["workshop_id"])
    with op.batch_alter_table("moderator_sessions") as batch:
        batch.add_column(sa.Column("teacher_code_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "moderator_sessions_teacher_code",
            "teacher_codes",
            ["teacher_code_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    # Teachers' sessions end: without the column they would become the admin's.
    op.execute("DELETE FROM moderator_sessions WHERE teacher_code_id IS NOT NULL")
    with op.batch_alter_table("moderator_sessions") as batch:
        batch.drop_constraint("moderator_sessions_teacher_code", type_="foreignkey")
        batch.drop_column("teacher_code_id")
    op.drop_index("ix_teacher_codes_workshop_id", table_name="teacher_codes")
    op.drop_table("teacher_codes")
    # Late designs wait for the moderator as any other in the old schema: nothing is lost.
    op.execute("UPDATE submissions SET status = 'pending' WHERE status = 'late'")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint("status_known", OLD_STATUSES)
