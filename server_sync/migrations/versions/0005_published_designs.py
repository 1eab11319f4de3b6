"""Designs stored before the door was mended, made as the server stores them now.

Two kinds of old revisions broke things or published what they should not (issue 13):
a design uploaded with a UTF-8 byte-order mark was kept with it, so reading it back (the API,
the council export) failed; and a design kept the `pseudonyms` the file itself named (a real
name, an e-mail address) instead of the participant's pseudonym. Each revision loses its BOM
and names its author's pseudonym only. A revision that still is not a JSON object is left as
it is: the export skips and lists it, and nothing a pupil sent is thrown away.

The content hash is left alone: it is the hash of what the pupil sent, which still tells an
upload of the same file again from a new one.

Revision ID: 0005
Revises: 0004
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BOM = "\ufeff"


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT r.uuid, r.revision, r.design, p.pseudonym FROM revisions r"
            " JOIN submissions s ON s.uuid = r.uuid"
            " JOIN participants p ON p.id = s.participant_id"
        )
    ).all()
    for uuid, number, design, pseudonym in rows:
        text = design.lstrip(BOM)
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("pseudonyms") != [pseudonym]:
            doc["pseudonyms"] = [pseudonym]
            text = json.dumps(doc, ensure_ascii=False)
        if text != design:
            connection.execute(
                sa.text(
                    "UPDATE revisions SET design = :design WHERE uuid = :uuid AND revision = :n"
                ),
                {"design": text, "uuid": uuid, "n": number},
            )


def downgrade() -> None:
    """Nothing to undo: the old form was the defect."""
