"""When joining a workshop ends, and how many may join.

Existing workshops get the new default too, joining ends when voting starts: the old behaviour
(joining open until the close) is what let sock puppets vote, and a moderator who wants it back
for a workshop sets it on the desk.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(
            sa.Column(
                "joining", sa.String(length=16), nullable=False, server_default="until_voting"
            )
        )
        batch.add_column(sa.Column("max_participants", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            "joining_known", "joining IN ('until_voting', 'until_closed')"
        )
        batch.create_check_constraint("participants_in_range", "max_participants BETWEEN 1 AND 500")


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.drop_constraint("participants_in_range", type_="check")
        batch.drop_constraint("joining_known", type_="check")
        batch.drop_column("max_participants")
        batch.drop_column("joining")
