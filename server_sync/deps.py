"""What every route needs: a database session, the caller (moderator or participant), rate limits.

Dependencies that never block are `async`, so FastAPI does not hand them to its thread pool.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import Depends, Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from server_sync.errors import ApiError
from server_sync.models import ModeratorSession, Participant, Setting, now, utc
from server_sync.security import RateLimiter, same_secret, token_hash

MODERATOR_KEY = "moderator_token_hash"
MODERATOR_COOKIE = "quartier_moderator"
MODERATOR_IDLE = timedelta(minutes=30)


@dataclass
class Services:
    engine: Engine
    sessions: sessionmaker[Session]
    data_dir: Path
    token_limit: RateLimiter
    address_limit: RateLimiter
    # SQLite only: the votes' own connection, used on the event loop (see routes/votes.py). Never
    # the pool of the other routes: waiting there would block the loop that must free it.
    loop_engine: Engine | None = None


async def services(request: Request) -> Services:
    return request.app.state.services


def db(svc: Services = Depends(services)) -> Iterator[Session]:
    with svc.sessions() as session:
        yield session


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def rate_limited(request: Request, svc: Services = Depends(services)) -> None:
    """Per token when there is one, else per client address (held in memory only)."""
    token = bearer(request)
    if token:
        wait = svc.token_limit.check(token_hash(token))
    else:
        wait = svc.address_limit.check(request.client.host if request.client else "?")
    if wait:
        raise ApiError(429, "rate_limited", seconds=int(wait) + 1)


def is_moderator(request: Request, session: Session) -> bool:
    """The moderator token in the header, or (only to read) a signed-in moderator's browser."""
    token = bearer(request)
    if token:
        return is_moderator_token(token, session)
    return request.method in ("GET", "HEAD") and signed_in_moderator(request, session)


def is_moderator_token(token: str, session: Session) -> bool:
    stored = session.get(Setting, MODERATOR_KEY)
    return bool(stored and same_secret(token, stored.value))


def signed_in_moderator(request: Request, session: Session) -> bool:
    """A moderator's browser session that is still active; every visit keeps it alive."""
    cookie = request.cookies.get(MODERATOR_COOKIE)
    found = session.get(ModeratorSession, token_hash(cookie)) if cookie else None
    if found is None:
        return False
    seen = utc(found.last_seen)
    if now() - seen > MODERATOR_IDLE:
        session.delete(found)
        session.commit()
        return False
    if now() - seen > timedelta(seconds=30):  # not a write on every click
        found.last_seen = now()
        session.commit()
    return True


def moderator(request: Request, session: Session = Depends(db), _=Depends(rate_limited)) -> None:
    if not is_moderator(request, session):
        raise ApiError(401, "not_moderator")


def participant(
    request: Request, session: Session = Depends(db), _=Depends(rate_limited)
) -> Participant:
    return participant_of(request, session)


def participant_of(request: Request, session: Session) -> Participant:
    """The participant whose token the request carries, or a 401."""
    token = bearer(request)
    found = (
        session.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))
        if token
        else None
    )
    if found is None:
        raise ApiError(401, "not_participant")
    return found
