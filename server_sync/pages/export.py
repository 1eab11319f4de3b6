"""The council export as a download on the moderator's desk: `GET /moderate/w/{id}/export.zip`.

The same bundle as `quartier-server export`, in the moderator's language; `?include=hidden`
adds hidden, rejected and waiting designs. The zip is built in a private temporary folder
that is removed once it has been sent.
"""

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from game.core.errors import QuartierError
from server_sync.deps import ServerState, WorkshopId, server
from server_sync.errors import ApiError, language
from server_sync.export.bundle import export_workshop
from server_sync.pages.moderate import at_desk
from server_sync.services.workshops import workshop_or_404

router = APIRouter(prefix="/moderate", include_in_schema=False)


@router.get("/w/{workshop_id}/export.zip")
def export_zip(
    request: Request,
    workshop_id: WorkshopId,
    include: str = "",
    session: Session = Depends(at_desk),
    state: ServerState = Depends(server),
) -> FileResponse:
    workshop = workshop_or_404(session, workshop_id)
    lang = language(request)
    folder = Path(tempfile.mkdtemp(prefix="quartier-export-"))
    out = folder / f"quartier-{workshop.code}.zip"
    try:
        export_workshop(
            session, workshop, out, state.data_dir, lang, include_hidden=include == "hidden"
        )
    except QuartierError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(500, "export_failed", reason=exc.message(lang)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        out,
        media_type="application/zip",
        filename=out.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
