"""The youth jury: a member joins with a code from the moderator and gives each design 0–5 stars.

Jury stars are stored apart from the participants' votes and shown beside them, never added
to them (as the children's and youth jury of the Cottbus model did).
"""

import secrets

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_sync.deps import db, rate_limited
from server_sync.errors import ApiError
from server_sync.models import JuryMember, JuryRating, Submission, Workshop, now
from server_sync.pages.gallery import JURY_COOKIE, gallery, member_of
from server_sync.routes.workshops import CODE_LETTERS, clean_code, workshop_by_code
from server_sync.security import token_hash
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(include_in_schema=False)
JURY_CODE_LENGTH = 10  # about 50 bits from an alphabet that is easy to read out


def new_jury_code() -> str:
    code = "".join(secrets.choice(CODE_LETTERS) for _ in range(JURY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def issue_jury_codes(session: Session, workshop: Workshop, count: int) -> list[tuple[str, str]]:
    """`count` new jury members: (label, code) pairs, shown once; only the codes' hashes are kept."""
    existing = session.scalar(select(func.count()).where(JuryMember.workshop_id == workshop.id))
    issued = []
    for n in range(existing + 1, existing + count + 1):
        code = new_jury_code()
        session.add(
            JuryMember(
                workshop_id=workshop.id, label=f"Jury {n}", token_hash=token_hash(clean_code(code))
            )
        )
        issued.append((f"Jury {n}", code))
    session.commit()
    return issued


@router.get("/jury")
def jury_home(request: Request):
    return page(request, "jury.html")


@router.post("/jury", dependencies=[Depends(rate_limited)])
def jury_join(request: Request, form: dict = Depends(checked_form), session: Session = Depends(db)):
    code = clean_code(form.get("code", ""))[:32]
    member = (
        session.scalar(select(JuryMember).where(JuryMember.token_hash == token_hash(code)))
        if code
        else None
    )
    if member is None:
        return page(
            request, "jury.html", 404, error=message(request, ApiError(404, "wrong_jury_code"))
        )
    workshop = session.get(Workshop, member.workshop_id)
    response = back_to(f"/w/{workshop.code}")
    set_cookie(response, request, JURY_COOKIE, code, max_age=30 * 24 * 3600)
    return response


@router.post("/w/{code}/d/{uuid}/stars", dependencies=[Depends(rate_limited)])
def rate(
    request: Request,
    code: str,
    uuid: str,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
):
    workshop = workshop_by_code(session, code)
    try:
        stars = _rating(session, workshop, request, uuid, form.get("stars", ""))
    except ApiError as exc:
        return gallery(request, session, code, error=message(request, exc), status=exc.status)
    session.merge(
        JuryRating(jury_member_id=stars[0], submission_uuid=uuid, stars=stars[1], updated=now())
    )
    session.commit()
    return back_to(f"/w/{workshop.code}?done=rated#d-{uuid}")


def _rating(
    session: Session, workshop: Workshop, request: Request, uuid: str, stars: str
) -> tuple[int, int]:
    """(jury member id, stars), or why this rating is refused."""
    member = member_of(request, session, JuryMember, JURY_COOKIE, workshop)
    if member is None:
        raise ApiError(401, "not_jury")
    if workshop.phase != "voting":
        raise ApiError(409, "not_voting")
    target = session.get(Submission, uuid)
    if target is None or target.workshop_id != workshop.id or target.status != "approved":
        raise ApiError(404, "no_submission")
    if not stars.isdigit() or not 0 <= int(stars) <= 5:
        raise ApiError(422, "stars_range")
    return member.id, int(stars)
