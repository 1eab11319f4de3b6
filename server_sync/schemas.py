"""The API's request and answer bodies (pydantic), documented in the generated OpenAPI."""

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server_sync.models import Moderation, Phase, Submission, Workshop


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopIn(_In):
    title: str = Field(min_length=1, max_length=120)
    level_id: str = Field(min_length=1, max_length=64)
    votes_per_participant: int = Field(default=3, ge=1, le=20)
    moderation: Moderation = "pre"


class PhaseIn(_In):
    phase: Phase


class JoinIn(_In):
    code: str = Field(min_length=1, max_length=16)
    pseudonym: str = Field(min_length=1, max_length=64)


class ModerationIn(_In):
    action: Literal["approve", "hide", "reject"]
    reason: str = Field(default="", max_length=500)


class WorkshopOut(BaseModel):
    id: int
    code: str
    title: str
    level_id: str
    phase: Phase
    votes_per_participant: int
    moderation: Moderation

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
        )


class JoinOut(BaseModel):
    participant_id: int
    token: str
    workshop: WorkshopOut


class StoredOut(BaseModel):
    uuid: str
    revision: int
    status: str


class SubmissionOut(BaseModel):
    uuid: str
    workshop_id: int
    title: str
    description: str
    pseudonym: str
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
            revision=s.revision,
            status=s.status,
            feedback=s.feedback,
            metrics=json.loads(s.metrics),
        )


class VotesOut(BaseModel):
    votes_left: int


class ResultOut(BaseModel):
    uuid: str
    title: str
    pseudonym: str
    votes: int
    jury_stars: float | None = None  # the jury's mean, 0–5; None until a jury member rated it
    jury_ratings: int = 0
