"""What a student reads about a submitted design: sent, waiting for a connection, or refused and why."""

import uuid

from game.core.i18n import Language, text
from game.sync.outbox import Outbox


def status_for_student(doc_id: uuid.UUID | str, lang: Language, outbox: Outbox) -> str:
    """Where a submitted design stands, in the student's language."""
    waiting = outbox.path_for(doc_id)
    if waiting.is_file():
        if outbox.read(waiting).error is not None:
            return text(lang, "sync.status.damaged", path=str(waiting))
        return text(lang, "sync.status.waiting")
    receipt, refusal = outbox.receipt(doc_id), outbox.refusal(doc_id)
    # Both exist when a design was refused and sent again (or the other way round): the later counts.
    if refusal is not None and (
        receipt is None or str(refusal.get("at", "")) >= str(receipt.get("at", ""))
    ):
        reason = str(refusal.get("message") or refusal.get("code") or "?")
        return text(lang, "sync.status.refused", reason=reason)
    if receipt is not None:
        # Kept by the server after building ended, for the teacher to decide on: not lost, not refused.
        if receipt.get("submission_status") == "late":
            return text(lang, "sync.status.late")
        return text(lang, "sync.status.sent")
    return text(lang, "sync.status.not_submitted")
