"""The youth jury: members join with a code from the moderator and give each design 0–5 stars.

Jury stars are stored apart from the participants' votes and shown beside them, never added
to them (as the children's and youth jury of the Cottbus model did).
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import JuryMember, JuryRating, TeacherCode, Workshop, now
from server_sync.security import token_hash
from server_sync.services.submissions import approved_in
from server_sync.services.workshops import clean_code, new_code, workshop_or_404

CODE_LENGTH = 10  # about 50 bits from an alphabet that is easy to read out
MOST_CODES = 30  # codes issued at once
MAX_STARS = 5


def new_secret_code() -> str:
    """A jury or teacher code, in two halves that are easy to read out."""
    code = new_code(CODE_LENGTH)
    return f"{code[:5]}-{code[5:]}"


def typed_code(typed: str) -> str:
    """A jury or teacher code as typed ("abcde-12345") as its hash was stored."""
    return clean_code(typed)[:32]


def issue_codes(
    session: Session, kind: type[JuryMember | TeacherCode], workshop_id: int, count: int, name: str
) -> list[tuple[str, str]]:
    """`count` new codes of `kind` for a workshop, labelled "`name` n": (label, code) pairs,
    shown once; only the codes' hashes are kept."""
    workshop = workshop_or_404(session, workshop_id)
    if not 1 <= count <= MOST_CODES:
        raise ApiError(422, "jury_count")
    existing = session.scalar(select(func.count()).where(kind.workshop_id == workshop.id)) or 0
    issued = []
    for n in range(existing + 1, existing + count + 1):
        code, label = new_secret_code(), f"{name} {n}"
        session.add(
            kind(workshop_id=workshop.id, label=label, token_hash=token_hash(typed_code(code)))
        )
        issued.append((label, code))
    session.commit()
    return issued


def issue_jury_codes(session: Session, workshop_id: int, count: int) -> list[tuple[str, str]]:
    """`count` new jury members (see `issue_codes`)."""
    return issue_codes(session, JuryMember, workshop_id, count, "Jury")


def member_with_code(session: Session, typed: str) -> tuple[JuryMember, Workshop]:
    """The jury member a code was issued to, and their workshop, or a 404."""
    code = typed_code(typed)
    member = (
        session.scalar(select(JuryMember).where(JuryMember.token_hash == token_hash(code)))
        if code
        else None
    )
    if member is None:
        raise ApiError(404, "wrong_jury_code")
    return member, workshop_or_404(session, member.workshop_id)


def rate(
    session: Session, workshop: Workshop, member: JuryMember | None, uuid: str, stars: int
) -> None:
    """A jury member's stars for an approved design, in the voting phase; a new rating replaces the old."""
    if member is None:
        raise ApiError(401, "not_jury")
    if workshop.phase != "voting":
        raise ApiError(409, "not_voting")
    approved_in(session, workshop, uuid)
    if not 0 <= stars <= MAX_STARS:
        raise ApiError(422, "stars_range")
    session.merge(
        JuryRating(jury_member_id=member.id, submission_uuid=uuid, stars=stars, updated=now())
    )
    session.commit()


def stars_of(session: Session, member: JuryMember) -> dict[str, int]:
    """The stars a jury member gave: submission → stars."""
    rows = session.execute(
        select(JuryRating.submission_uuid, JuryRating.stars).where(
            JuryRating.jury_member_id == member.id
        )
    )
    return dict(rows.all())
