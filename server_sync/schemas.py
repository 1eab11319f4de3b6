"""The API's request and answer bodies (pydantic), documented in the generated OpenAPI."""

import json
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from game.core.design import DesignDocument
from server_sync.models import (
    MAX_PARTICIPANTS,
    Joining,
    Moderation,
    Participant,
    Phase,
    Submission,
    Workshop,
)

#: The largest id every supported database holds (PostgreSQL's `integer`); a larger one in an
#: address is refused before a query, where SQLite overflowed and PostgreSQL broke the connection.
MAX_ID = 2**31 - 1
#: Line breaks and tabs are text; every other control character (NUL, which PostgreSQL cannot
#: store at all, escape sequences, lone surrogates) is refused in anything a user sent.
TEXT_CONTROLS = frozenset("\t\n\r")


def has_control_characters(value: str) -> bool:
    if value.isprintable():  # the common case at once: no Cc or Cs character is printable
        return False
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in TEXT_CONTROLS for c in value)


def form_number(value: str) -> int | None:
    """A number typed into a form or an argument (ASCII digits, 0 to MAX_ID), else None.

    `str.isdigit` alone also passes "²", on which `int` fails, and numbers of any length."""
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


#: Where a pupil is, for the desk: no design yet, designs but none approved, one approved.
ParticipantStatus = Literal["building", "submitted", "approved"]


class ControlCharacters(ValueError):
    """Raised by `PlainText`; the app's handler answers it with its own message (not pydantic's)."""


def _plain(value: str) -> str:
    if has_control_characters(value):
        raise ControlCharacters("contains control characters")
    return value


#: Text a client sends: control characters refused with their own error (see app.invalid).
PlainText = Annotated[str, AfterValidator(_plain)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopIn(_In):
    title: PlainText = Field(min_length=1, max_length=120)
    level_id: PlainText = Field(min_length=1, max_length=64)
    votes_per_participant: int = Field(default=3, ge=1, le=20)
    moderation: Moderation = "pre"
    joining: Joining = "until_voting"
    max_participants: int | None = Field(default=None, ge=1, le=MAX_PARTICIPANTS, strict=True)


class WorkshopChange(_In):
    """What a moderator may change on a running workshop; a field left out stays as it is
    (`max_participants: null` sent means no limit)."""

    phase: Phase | None = None
    joining: Joining | None = None
    max_participants: int | None = Field(default=None, ge=1, le=MAX_PARTICIPANTS, strict=True)


class JoinIn(_In):
    code: PlainText = Field(min_length=1, max_length=16)
    pseudonym: PlainText = Field(min_length=1, max_length=64)


class ModerationIn(_In):
    action: Literal["approve", "hide", "reject"]
    reason: PlainText = Field(default="", max_length=500)


class SeenDesign(_In):
    """A waiting design as the moderator saw it: a newer revision is not what they saw."""

    uuid: PlainText = Field(min_length=1, max_length=36)
    revision: int = Field(ge=1, le=MAX_ID)


class ApproveAllIn(_In):
    designs: list[SeenDesign] = Field(max_length=MAX_PARTICIPANTS * 20)


class ApprovedOut(BaseModel):
    approved: list[str]


class WorkshopOut(BaseModel):
    id: int
    code: str
    title: str
    level_id: str
    phase: Phase
    votes_per_participant: int
    moderation: Moderation
    joining: Joining
    max_participants: int | None

    @classmethod
    def of(cls, w: Workshop) -> "WorkshopOut":
        return cls(
            id=w.id,
            code=w.code,
            title=w.title,
            level_id=w.level_id,
            phase=w.phase,
            votes_per_participant=w.votes_per_participant,
            moderation=w.moderation,
            joining=w.joining,
            max_participants=w.max_participants,
        )


class JoinOut(BaseModel):
    """A device signed in: by joining (with the personal code, shown once) or by signing in
    with the personal code (`personal_code` then null: it is not repeated)."""

    participant_id: int
    pseudonym: str
    token: str
    personal_code: str | None = None
    workshop: WorkshopOut

    @classmethod
    def of(
        cls, person: Participant, token: str, workshop: Workshop, personal_code: str | None
    ) -> "JoinOut":
        return cls(
            participant_id=person.id,
            pseudonym=person.pseudonym,
            token=token,
            personal_code=personal_code,
            workshop=WorkshopOut.of(workshop),
        )


class SignInIn(_In):
    personal_code: PlainText = Field(min_length=1, max_length=32)


class PersonalCodeOut(BaseModel):
    personal_code: str  # shown once, as ABCD-EFGH: only its hash is stored


class MeOut(BaseModel):
    participant_id: int
    pseudonym: str
    workshop: WorkshopOut


class PseudonymIn(_In):
    pseudonym: PlainText = Field(min_length=1, max_length=64)


class ParticipantOut(BaseModel):
    """One pupil on the desk's class list."""

    id: int
    pseudonym: str
    joined: datetime
    last_seen: datetime | None
    designs: int
    status: ParticipantStatus


class StoredOut(BaseModel):
    uuid: str
    revision: int
    status: str


class TeamStoredOut(StoredOut):
    """A team room's design as sent (services/team_submissions.py): everyone who made it."""

    authors: list[str]


class SubmissionOut(BaseModel):
    uuid: str
    workshop_id: int
    title: str
    description: str
    pseudonym: str
    #: Everyone who made it: a team room's members, or the one pupil (`pseudonym`).
    authors: list[str]
    revision: int
    status: str
    feedback: str
    metrics: dict[str, float]

    @classmethod
    def of(cls, s: Submission) -> "SubmissionOut":
        return cls(
            uuid=s.uuid,
            workshop_id=s.workshop_id,
            title=s.title,
            description=s.description,
            pseudonym=s.pseudonym,
            authors=s.names,
            revision=s.revision,
            status=s.status,
            feedback=s.feedback,
            metrics=json.loads(s.metrics),
        )


class SubmissionWithDesignOut(SubmissionOut):
    """One submission with the design file it stores (the published document: the server's
    pseudonym and indicators, see services/submissions.store)."""

    design: DesignDocument


class VotesOut(BaseModel):
    votes_left: int


class ResultOut(BaseModel):
    rank: int  # equal votes share a rank: 1, 1, 3
    uuid: str
    title: str
    pseudonym: str
    votes: int
    jury_stars: float | None = None  # the jury's mean, 0–5; None until a jury member rated it
    jury_ratings: int = 0


class ErrorDetail(BaseModel):
    code: str  # stable, for programs: the key of the message in assets/strings (server.<code>)
    message: str  # for people, in the requester's language (de/en)


class ErrorOut(BaseModel):
    """Every refusal of the API (`errors.error_response`)."""

    error: ErrorDetail


#: The refusals any API route may give, in their one shape. Documented so that the OpenAPI
#: schema says what clients really get: without it FastAPI announced its own 422 body, which
#: the server never sends, and no 401, 404, 409 or 429 at all.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused: the message says why"},
    "5XX": {"model": ErrorOut, "description": "The server could not do it (busy, storage)"},
}


class RoomIn(_In):
    """A new team room: its title, as the team calls itself."""

    title: PlainText = Field(min_length=1, max_length=40)


class RoomMemberOut(BaseModel):
    id: int
    name: str
    colour: int
    online: bool


class RoomOut(BaseModel):
    """A team room: the code to join it with, who is in it, and how busy it is."""

    code: str
    title: str
    workshop_id: int
    level_id: str
    seq: int
    locked: bool
    members: list[RoomMemberOut]
    edits_per_minute: int


class RoomSubmissionIn(_In):
    """A team's design sent for the gallery: only its title; the design is the room's own."""

    title: PlainText = Field(min_length=1, max_length=120)


class RoomLockIn(_In):
    locked: bool


class RoomRollbackIn(_In):
    to: int = Field(ge=0, strict=True)
