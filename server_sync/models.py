"""The collection server's tables (SQLAlchemy 2), with the rules the database itself enforces.

Votes: one per participant and submission (a unique key), and at most N per participant,
because each vote takes one of the participant's numbered slots, and a slot must exist in
`vote_slots`, which holds exactly 1..N for the workshop. Concurrent requests therefore cannot
exceed the limit, whatever the code in front of the database does.
No real names, e-mail or IP addresses are stored anywhere; tokens only as hashes.
"""

import json
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Phase = Literal["building", "voting", "closed"]
Moderation = Literal["pre", "post"]
#: When joining ends: at the start of voting (so no one joins just to vote), or at the close.
Joining = Literal["until_voting", "until_closed"]
#: The most participants a workshop may be given: a class or a year group, not a crowd.
MAX_PARTICIPANTS = 500


def now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """`moment` with its time zone; SQLite hands dates back without one, and they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Server-wide values, such as the hash of the moderator token."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class Workshop(Base):
    __tablename__ = "workshops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    level_id: Mapped[str] = mapped_column(String(64))
    phase: Mapped[Phase] = mapped_column(String(16), default="building")
    votes_per_participant: Mapped[int] = mapped_column(Integer, default=3)
    moderation: Mapped[Moderation] = mapped_column(String(8), default="pre")
    joining: Mapped[Joining] = mapped_column(String(16), default="until_voting")
    #: None: no limit beyond MAX_PARTICIPANTS.
    max_participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (
        CheckConstraint("phase IN ('building', 'voting', 'closed')", name="phase_known"),
        CheckConstraint("moderation IN ('pre', 'post')", name="moderation_known"),
        CheckConstraint("votes_per_participant BETWEEN 1 AND 20", name="votes_in_range"),
        CheckConstraint("joining IN ('until_voting', 'until_closed')", name="joining_known"),
        CheckConstraint(
            f"max_participants BETWEEN 1 AND {MAX_PARTICIPANTS}", name="participants_in_range"
        ),
    )


class VoteSlot(Base):
    """Slots 1..N of a workshop: a vote must take one of them (see the module docstring)."""

    __tablename__ = "vote_slots"
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    pseudonym: Mapped[str] = mapped_column(String(24))
    # What the name looks like (server_sync.pseudonyms.skeleton): no two alike in a workshop.
    pseudonym_key: Mapped[str] = mapped_column(String(96))
    #: The hash of the personal code that signs another device in as this participant; None
    #: for those who joined before it existed (they ask for one) and for removed ones.
    personal_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: When the moderator removed them. The row stays because their designs stay (hidden).
    removed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (
        UniqueConstraint("workshop_id", "pseudonym", name="one_pseudonym_per_workshop"),
        UniqueConstraint("workshop_id", "pseudonym_key", name="one_look_per_workshop"),
        UniqueConstraint("personal_code_hash", name="one_personal_code"),
    )


class ParticipantToken(Base):
    """One device a participant is signed in on (the editor, a phone, a PC): only the token's
    hash is kept. `last_seen` is written at most once a minute, not on every request."""

    __tablename__ = "participant_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Submission(Base):
    """The latest revision of a design; earlier ones stay in `revisions`."""

    __tablename__ = "submissions"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who made it, as every page and the export show it: the pupil's pseudonym, or a team's
    #: names ("Ada, Bo, Cem") for a room's design (30 members of 24 characters fit).
    pseudonym: Mapped[str] = mapped_column(String(800))
    metrics: Mapped[str] = mapped_column(Text, default="{}")
    #: `late`: arrived after building ended; kept, shown to the moderator only, never in the
    #: gallery or the votes until the moderator admits it (services.submissions.store).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    feedback: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: The team room whose design this is (services/team_submissions.py): one per room. Its
    #: `participant_id` is the member who first sent it; every member is kept from voting for it.
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True
    )
    #: A team's pseudonyms as a JSON list, when it was last sent; `[]` for one pupil's design.
    authors: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'hidden', 'rejected', 'late')", name="status_known"
        ),
        UniqueConstraint("room_id", name="one_submission_per_room"),
    )

    @property
    def names(self) -> list[str]:
        """Everyone who made it: a team's members, or the one pupil."""
        return json.loads(self.authors) or [self.pseudonym]


class Revision(Base):
    __tablename__ = "revisions"
    uuid: Mapped[str] = mapped_column(
        ForeignKey("submissions.uuid", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    design: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Vote(Base):
    __tablename__ = "votes"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    submission_uuid: Mapped[str] = mapped_column(
        ForeignKey("submissions.uuid", ondelete="CASCADE"), primary_key=True
    )
    workshop_id: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (
        UniqueConstraint("participant_id", "slot", name="one_vote_per_slot"),
        ForeignKeyConstraint(
            ["workshop_id", "slot"],
            ["vote_slots.workshop_id", "vote_slots.slot"],
            name="slot_exists",
            ondelete="CASCADE",
        ),
    )


class AuditEntry(Base):
    """Every moderation action: what was done to which submission, when, and why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    action: Mapped[str] = mapped_column(String(32))
    workshop_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submission_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class IssuedCode:
    """A code the moderator issues for one workshop, with a label to tell it by; only its hash
    is kept. Jury members and teachers hold one each (services/jury.py makes both)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class JuryMember(IssuedCode, Base):
    """A member of the youth jury, who joined with a code the moderator issued."""

    __tablename__ = "jury_members"


class JuryRating(Base):
    """0–5 stars from one jury member for one design; kept apart from the participants' votes."""

    __tablename__ = "jury_ratings"
    jury_member_id: Mapped[int] = mapped_column(
        ForeignKey("jury_members.id", ondelete="CASCADE"), primary_key=True
    )
    submission_uuid: Mapped[str] = mapped_column(
        ForeignKey("submissions.uuid", ondelete="CASCADE"), primary_key=True
    )
    stars: Mapped[int] = mapped_column(Integer)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (CheckConstraint("stars BETWEEN 0 AND 5", name="stars_in_range"),)


class TeacherCode(IssuedCode, Base):
    """A code that gives one workshop's desk (and nothing else) to a teacher. Revoking deletes it, and with it every desk session signed in with it."""

    __tablename__ = "teacher_codes"


class ModeratorSession(Base):
    """A moderator signed in on a browser; it ends after a while without activity. Signed in
    with a teacher code, it is that code's workshop's desk only; with the token, every desk."""

    __tablename__ = "moderator_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    teacher_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("teacher_codes.id", ondelete="CASCADE"), nullable=True
    )


class Room(Base):
    """A team's shared design on the workshop's level (docs/rooms.md): its steps are `RoomStep`s.

    `seq` is the number of the room's newest step. Every process that adds a step first takes
    the room's row with an UPDATE (a row lock on PostgreSQL, the write lock on SQLite), so two
    server processes never number two steps alike, and each catches up on the other's steps
    before it checks its own against the grid."""

    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(8), unique=True)
    title: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    #: Locked by the teacher: members still see the room, nobody can change it.
    locked: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class RoomMember(Base):
    """Who belongs to a room, with the colour others see them in; removed ones cannot come back."""

    __tablename__ = "room_members"
    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    colour: Mapped[int] = mapped_column(Integer)
    joined: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    removed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RoomStep(Base):
    """One numbered step of a room (an edit, an undo, a rollback): the voxels it set, before
    and after, packed as in the undo history (game.core.change). Written before it is
    acknowledged, so a restarted server rebuilds the room from these rows."""

    __tablename__ = "room_steps"
    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    undoes: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer)
    voxels: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (
        CheckConstraint("kind IN ('edit', 'undo', 'rollback')", name="room_step_kind"),
    )
