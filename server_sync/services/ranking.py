"""Results: designs ranked by the participants' votes, the jury's mean stars beside them.

Votes are only ever counted here: who voted for what is never part of any answer.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import JuryRating, Submission, Vote, Workshop
from server_sync.schemas import ResultOut
from server_sync.services.workshops import workshop_or_404


def results_public(workshop: Workshop) -> bool:
    """Everyone may see the results once the workshop is closed; before, the moderator only."""
    return workshop.phase == "closed"


def results(session: Session, workshop_id: int, as_moderator: bool) -> list[ResultOut]:
    workshop = workshop_or_404(session, workshop_id)
    if not results_public(workshop) and not as_moderator:
        raise ApiError(403, "results_not_public")
    return ranking(session, workshop_id)


def shared_ranks(counts: list[int]) -> list[int]:
    """Ranks of counts sorted from most to fewest, equal counts sharing one: [5, 5, 2] → [1, 1, 3]."""
    ranks: list[int] = []
    for place, count in enumerate(counts, 1):
        ranks.append(ranks[-1] if place > 1 and count == counts[place - 2] else place)
    return ranks


def ranking(
    session: Session, workshop_id: int, statuses: tuple[str, ...] = ("approved",)
) -> list[ResultOut]:
    """Designs by participants' votes; the jury's mean stars beside them, never mixed in.

    Equal votes share a rank and the next rank counts the designs before it (1, 1, 3), so a
    tie is never broken by a design's title. Approved designs only, unless `statuses` asks for
    others (the moderator's export with hidden ones).
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
    ranks = shared_ranks([row[3] for row in rows])
    return [
        ResultOut(
            rank=rank,
            uuid=u,
            title=t,
            pseudonym=p,
            votes=v,
            jury_stars=None if mean is None else round(float(mean), 2),
            jury_ratings=n or 0,
        )
        for rank, (u, t, p, v, mean, n) in zip(ranks, rows, strict=True)
    ]
