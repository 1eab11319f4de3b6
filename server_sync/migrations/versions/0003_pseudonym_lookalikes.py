"""Participants' pseudonyms compared by what they look like (server_sync.pseudonyms.skeleton).

Existing participants get their skeleton; where two earlier names already look alike, the later
ones keep their name and get a key made unique by their id, so the upgrade never fails and no
participant is lost, while new look-alikes are refused from now on.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from server_sync.pseudonyms import skeleton

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("pseudonym_key", sa.String(length=96), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, workshop_id, pseudonym FROM participants ORDER BY id")
    ).all()
    seen: set[tuple[int, str]] = set()
    for row_id, workshop_id, pseudonym in rows:
        key = skeleton(pseudonym)
        if (workshop_id, key) in seen:
            key = f"{key}#{row_id}"
        seen.add((workshop_id, key))
        connection.execute(
            sa.text("UPDATE participants SET pseudonym_key = :key WHERE id = :id"),
            {"key": key, "id": row_id},
        )
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("pseudonym_key", existing_type=sa.String(length=96), nullable=False)
        batch.create_unique_constraint("one_look_per_workshop", ["workshop_id", "pseudonym_key"])


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("one_look_per_workshop", type_="unique")
        batch.drop_column("pseudonym_key")
