"""Votes: only in the voting phase, one per submission, N per participant, held by the database.

A vote takes the lowest free slot of the participant; if two requests race for the same slot,
the unique key refuses one and it tries the next slot, until none is left.

The busiest calls of a workshop, so they are lean: SQLAlchemy Core statements on one
connection instead of ORM objects (a vote is three short statements: caller and target in one
query, the caller's votes, the insert), run on the event loop for SQLite, where a transaction
takes a fraction of a millisecond and a thread hop would cost more (on a connection of their
own, so they never wait for one that a request in the thread pool holds), and in a worker
thread for PostgreSQL, where a statement waits on the network.
"""

from collections.abc import Callable

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from server_sync.errors import ApiError
from server_sync.models import Participant, ParticipantToken, Submission, Vote, Workshop, now, utc
from server_sync.schemas import VotesOut
from server_sync.security import token_hash
from server_sync.services.participants import SEEN_EVERY

#: A vote action on one connection: (connection, token hash, submission uuid) → votes left.
Action = Callable[[Connection, str, str], VotesOut]

# The caller (by their device's token hash) and the submission (by uuid) with its workshop, in one round trip.
_CALLER_AND_TARGET = (
    select(
        Participant.id,
        Participant.workshop_id,
        Submission.participant_id,
        Submission.status,
        Submission.workshop_id.label("target_workshop"),
        Workshop.phase,
        Workshop.votes_per_participant,
        ParticipantToken.last_seen,
    )
    .select_from(ParticipantToken)
    .join(Participant, Participant.id == ParticipantToken.participant_id)
    .outerjoin(Submission, Submission.uuid == bindparam("uuid"))
    .outerjoin(Workshop, Workshop.id == Submission.workshop_id)
    .where(ParticipantToken.token_hash == bindparam("token"))
)
_MY_VOTES = select(Vote.submission_uuid, Vote.slot).where(
    Vote.participant_id == bindparam("person")
)


async def run_vote(
    engine: Engine, loop_engine: Engine | None, action: Action, token: str | None, uuid: str
) -> VotesOut:
    """Run `vote` or `withdraw` for the participant with `token`: on `loop_engine` (SQLite's
    own connection for votes) on the event loop, else on `engine` in a worker thread."""
    if loop_engine is not None:
        return _connected(loop_engine, action, token, uuid)
    return await run_in_threadpool(_connected, engine, action, token, uuid)


def _connected(engine: Engine, action: Action, token: str | None, uuid: str) -> VotesOut:
    if not token:
        raise ApiError(401, "not_participant")
    with engine.connect() as connection:
        return action(connection, token_hash(token), uuid)


def _target(connection: Connection, token: str, uuid: str, *, shown: bool = True) -> Row:
    """The caller and the submission they may vote on (`shown`: only an approved one), or the
    refusal. Withdrawing asks for any submission of the workshop: a vote given before the
    moderator hid a design must not stay stuck on it."""
    row = connection.execute(_CALLER_AND_TARGET, {"token": token, "uuid": uuid}).first()
    if row is None:
        raise ApiError(401, "not_participant")
    if now() - utc(row.last_seen) > SEEN_EVERY:  # committed with the vote, as signed_in does
        connection.execute(
            update(ParticipantToken)
            .where(ParticipantToken.token_hash == token)
            .values(last_seen=now())
        )
    if (shown and row.status != "approved") or row.target_workshop != row.workshop_id:
        raise ApiError(404, "no_submission")
    if row.phase != "voting":
        raise ApiError(409, "not_voting")
    return row


def _my_votes(connection: Connection, person: int) -> dict[str, int]:
    """The participant's votes: submission → slot."""
    return dict(connection.execute(_MY_VOTES, {"person": person}).all())


def vote(connection: Connection, token: str, uuid: str) -> VotesOut:
    target = _target(connection, token, uuid)
    person, limit = target.id, target.votes_per_participant
    if target.participant_id == person:
        raise ApiError(403, "own_design")
    for _ in range(limit + 5):
        mine = _my_votes(connection, person)
        if uuid in mine:
            return VotesOut(votes_left=limit - len(mine))
        free = sorted(set(range(1, limit + 1)) - set(mine.values()))
        if not free:
            raise ApiError(409, "no_votes_left", votes=limit)
        try:
            connection.execute(
                insert(Vote).values(
                    participant_id=person,
                    submission_uuid=uuid,
                    workshop_id=target.workshop_id,
                    slot=free[0],
                )
            )
            connection.commit()
            return VotesOut(votes_left=limit - len(mine) - 1)
        except IntegrityError:
            connection.rollback()  # another request of this participant took the slot: look again
    raise ApiError(409, "busy")


def withdraw(connection: Connection, token: str, uuid: str) -> VotesOut:
    person = _target(connection, token, uuid, shown=False)
    connection.execute(
        delete(Vote).where(Vote.participant_id == person.id, Vote.submission_uuid == uuid)
    )
    connection.commit()
    return VotesOut(votes_left=person.votes_per_participant - len(_my_votes(connection, person.id)))


def voted_for(session: Session, person: Participant) -> set[str]:
    """The submissions a participant has voted for (their own votes, shown only to them)."""
    return set(
        session.scalars(select(Vote.submission_uuid).where(Vote.participant_id == person.id))
    )
