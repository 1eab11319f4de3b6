"""Submissions on their way to the collection server, one module per job.

- `outbox`: the outbox folder, where a submission waits (written atomically) until it is sent;
- `credentials`: the participant file (mode 0600) with the workshop login;
- `invite`: the code and server in what a pupil types or pastes to join;
- `client`: joining a workshop (or signing in with a personal code), and `SyncClient`, which sends the outbox over HTTP with retries
  and backoff and passes on the server's reasons for a refusal;
- `worker`: `BackgroundSync`, the thread that sends while the editor runs;
- `room`: a team room (making and finding one over HTTP, `RoomClient` on its socket);
- `status`: what a student reads about a submitted design.

No module keeps state of its own: the caller makes the objects and passes in where files live
and how they are written (`game.io.paths`, `game.io.storage`), because this package may import
only `game.core` (docs/architecture.md).
"""

from game.sync.client import (
    API,
    Outcome,
    SyncClient,
    SyncReport,
    backoff_delay,
    join,
    renew_personal_code,
    server_error,
    sign_in,
)
from game.sync.credentials import (
    Participant,
    load_participant,
    require_participant,
    save_participant,
)
from game.sync.files import Storage
from game.sync.invite import Invite, parse_invite, server_address
from game.sync.outbox import Outbox, OutboxFile
from game.sync.status import status_for_student
from game.sync.worker import BackgroundSync

__all__ = [
    "API",
    "BackgroundSync",
    "Invite",
    "Outbox",
    "OutboxFile",
    "Outcome",
    "Participant",
    "Storage",
    "SyncClient",
    "SyncReport",
    "backoff_delay",
    "join",
    "load_participant",
    "parse_invite",
    "renew_personal_code",
    "require_participant",
    "save_participant",
    "server_address",
    "server_error",
    "sign_in",
    "status_for_student",
]
