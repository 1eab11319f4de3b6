"""Workshops: created by the moderator, joined by participants with a code, moved through phases."""

import secrets

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from game.core.errors import QuartierError
from game.io.levels import find_level
from server_sync.deps import db, is_moderator, moderator, rate_limited
from server_sync.errors import ApiError
from server_sync.models import (
    AuditEntry,
    JuryRating,
    Participant,
    Submission,
    Vote,
    VoteSlot,
    Workshop,
)
from server_sync.pseudonyms import problem
from server_sync.schemas import JoinIn, JoinOut, PhaseIn, ResultOut, WorkshopIn, WorkshopOut
from server_sync.security import new_token, token_hash

router = APIRouter()
# Easy to read out in class: no 0/O, 1/I/L.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PHASES = ("building", "voting", "closed")


def clean_code(code: str) -> str:
    """A code as typed in class ("ab-cd 12") as it is stored ("ABCD12"); jury codes too."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def workshop_with_code(session: Session, code: str) -> Workshop | None:
    return session.scalar(select(Workshop).where(Workshop.code == clean_code(code)))


def workshop_by_code(session: Session, code: str) -> Workshop:
    found = workshop_with_code(session, code)
    if found is None:
        raise ApiError(404, "wrong_code")
    return found


def workshop_or_404(session: Session, workshop_id: int) -> Workshop:
    found = session.get(Workshop, workshop_id)
    if found is None:
        raise ApiError(404, "no_workshop")
    return found


@router.post(
    "/workshops", status_code=201, response_model=WorkshopOut, dependencies=[Depends(moderator)]
)
def create_workshop(body: WorkshopIn, session: Session = Depends(db)) -> WorkshopOut:
    try:
        find_level(body.level_id)
    except QuartierError:
        raise ApiError(422, "unknown_level", level=body.level_id) from None
    for _ in range(20):
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(6))
        if not session.scalar(select(Workshop.id).where(Workshop.code == code)):
            break
    workshop = Workshop(
        code=code,
        title=body.title,
        level_id=body.level_id,
        votes_per_participant=body.votes_per_participant,
        moderation=body.moderation,
    )
    session.add(workshop)
    session.flush()
    session.add_all(
        VoteSlot(workshop_id=workshop.id, slot=n) for n in range(1, body.votes_per_participant + 1)
    )
    session.add(AuditEntry(action="create_workshop", workshop_id=workshop.id, detail=body.title))
    session.commit()
    return WorkshopOut.of(workshop)


@router.get(
    "/workshops/{workshop_id}", response_model=WorkshopOut, dependencies=[Depends(rate_limited)]
)
def get_workshop(workshop_id: int, session: Session = Depends(db)) -> WorkshopOut:
    return WorkshopOut.of(workshop_or_404(session, workshop_id))


@router.patch(
    "/workshops/{workshop_id}", response_model=WorkshopOut, dependencies=[Depends(moderator)]
)
def change_phase(workshop_id: int, body: PhaseIn, session: Session = Depends(db)) -> WorkshopOut:
    workshop = workshop_or_404(session, workshop_id)
    if PHASES.index(body.phase) < PHASES.index(workshop.phase):
        raise ApiError(409, "phase_backwards", phase=workshop.phase)
    session.add(
        AuditEntry(action=f"phase_{body.phase}", workshop_id=workshop.id, detail=workshop.phase)
    )
    workshop.phase = body.phase
    session.commit()
    return WorkshopOut.of(workshop)


@router.post("/join", status_code=201, response_model=JoinOut, dependencies=[Depends(rate_limited)])
def join(body: JoinIn, session: Session = Depends(db)) -> JoinOut:
    workshop = workshop_by_code(session, body.code)
    if workshop.phase == "closed":
        raise ApiError(409, "workshop_closed")
    pseudonym = body.pseudonym.strip()
    reason = problem(pseudonym)
    if reason:
        raise ApiError(422, reason)
    token = new_token()
    person = Participant(workshop_id=workshop.id, pseudonym=pseudonym, token_hash=token_hash(token))
    session.add(person)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "pseudonym_taken") from None
    return JoinOut(participant_id=person.id, token=token, workshop=WorkshopOut.of(workshop))


@router.get(
    "/workshops/{workshop_id}/results",
    response_model=list[ResultOut],
    dependencies=[Depends(rate_limited)],
)
def results(workshop_id: int, request: Request, session: Session = Depends(db)) -> list[ResultOut]:
    """Votes and jury stars per approved submission; who voted for what is never part of any answer."""
    workshop = workshop_or_404(session, workshop_id)
    if workshop.phase != "closed" and not is_moderator(request, session):
        raise ApiError(403, "results_not_public")
    return ranking(session, workshop_id)


def ranking(
    session: Session, workshop_id: int, statuses: tuple[str, ...] = ("approved",)
) -> list[ResultOut]:
    """Designs by participants' votes; the jury's mean stars beside them, never mixed in.

    Approved designs only, unless `statuses` asks for others (the moderator's export with hidden ones).
    """
    votes = (
        select(Vote.submission_uuid, func.count().label("n"))
        .group_by(Vote.submission_uuid)
        .where(Vote.workshop_id == workshop_id)
        .subquery()
    )
    stars = (
        select(
            JuryRating.submission_uuid,
            func.avg(JuryRating.stars).label("mean"),
            func.count().label("n"),
        )
        .group_by(JuryRating.submission_uuid)
        .subquery()
    )
    count = func.coalesce(votes.c.n, 0)
    rows = session.execute(
        select(
            Submission.uuid, Submission.title, Submission.pseudonym, count, stars.c.mean, stars.c.n
        )
        .outerjoin(votes, votes.c.submission_uuid == Submission.uuid)
        .outerjoin(stars, stars.c.submission_uuid == Submission.uuid)
        .where(Submission.workshop_id == workshop_id, Submission.status.in_(statuses))
        .order_by(count.desc(), Submission.title, Submission.uuid)
    ).all()
    return [
        ResultOut(
            uuid=u,
            title=t,
            pseudonym=p,
            votes=v,
            jury_stars=None if mean is None else round(float(mean), 2),
            jury_ratings=n or 0,
        )
        for u, t, p, v, mean, n in rows
    ]
