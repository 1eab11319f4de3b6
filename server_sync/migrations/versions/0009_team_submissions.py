"""A team room's design submitted once for the whole team (issue 18).

A submission may belong to a room (`room_id`, at most one per room): its revisions are the
room's design, and its `authors` are the members' pseudonyms when it was last sent (a JSON
list; `[]` for a pupil's own design, whose author is `pseudonym`). `pseudonym` is what every
page and the export show as "by …", so it grows to hold a whole team's names.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("authors", sa.Text(), nullable=False, server_default="[]"))
        batch.alter_column(
            "pseudonym", type_=sa.String(length=800), existing_type=sa.String(length=24)
        )
        batch.create_foreign_key(
            "submissions_room", "rooms", ["room_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_unique_constraint("one_submission_per_room", ["room_id"])


def downgrade() -> None:
    # A team's design stays, as its owner's own, with its names cut to the old column's size.
    op.execute("UPDATE submissions SET pseudonym = substr(pseudonym, 1, 24)")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("one_submission_per_room", type_="unique")
        batch.drop_constraint("submissions_room", type_="foreignkey")
        batch.alter_column(
            "pseudonym", type_=sa.String(length=24), existing_type=sa.String(length=800)
        )
        batch.drop_column("authors")
        batch.drop_column("room_id")
