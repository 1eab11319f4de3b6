"""One identity per pupil: a participant may be signed in on several devices.

Every participant's single token moves into `participant_tokens` as their first device, so
nobody is signed out by the upgrade. Participants get room for a personal code (hash only,
none yet: the editor asks for one) and a mark for being removed by the moderator.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(
        "ix_participant_tokens_participant_id", "participant_tokens", ["participant_id"]
    )
    op.execute(
        "INSERT INTO participant_tokens (token_hash, participant_id, created, last_seen)"
        " SELECT token_hash, id, created, created FROM participants"
    )
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("token_hash")
        batch.add_column(sa.Column("personal_code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("removed", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("one_personal_code", ["personal_code_hash"])


def downgrade() -> None:
    """Back to one token per participant: each keeps the device they signed in on first (the
    others are signed out); a participant without any device gets a hash nobody's token has."""
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("one_personal_code", type_="unique")
        batch.drop_column("removed")
        batch.drop_column("personal_code_hash")
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    first = connection.execute(
        sa.text("SELECT participant_id, token_hash FROM participant_tokens ORDER BY created DESC")
    ).all()
    # The earliest row of each participant comes last, so it is the one kept.
    kept: dict[int, str] = {row[0]: row[1] for row in first}
    for (person,) in connection.execute(sa.text("SELECT id FROM participants")).all():
        connection.execute(
            sa.text("UPDATE participants SET token_hash = :hash WHERE id = :id"),
            {"hash": kept.get(person, f"removed-{person}".ljust(64, "-")), "id": person},
        )
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("participants_token_hash_key", ["token_hash"])
    op.drop_index("ix_participant_tokens_participant_id", table_name="participant_tokens")
    op.drop_table("participant_tokens")
