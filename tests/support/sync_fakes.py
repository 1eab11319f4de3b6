"""Stand-ins for the sync client's tests: a scripted server (an httpx MockTransport), a clock
that only moves when someone sleeps, and the outbox and client as the editor makes them."""

import httpx

from game.io import storage
from game.io.paths import outbox_dir
from game.sync import Outbox, Participant, SyncClient

TOKEN = "tok-SECRET-4f1c9a"
SERVER = "http://quartier.test"


def make_participant(server: str = SERVER) -> Participant:
    return Participant(
        server=server, token=TOKEN, participant_id="p-1", workshop_id="w-1", pseudonym="Fox"
    )


def user_outbox() -> Outbox:
    """The outbox in QUARTIER_HOME, written through game.io.storage, as the editor makes it."""
    return Outbox(outbox_dir(), storage)


class FakeServer:
    """A MockTransport handler: answers from a list (the last one repeats) and records every request."""

    def __init__(self, *answers):
        self.answers = list(answers) or [201]
        self.requests: list[httpx.Request] = []
        self.before_answer = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before_answer:
            self.before_answer(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        status, message = (answer, "") if isinstance(answer, int) else answer
        if status >= 400:
            return httpx.Response(
                status, json={"error": {"code": "refused", "message": message or f"no ({status})"}}
            )
        uuid = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(status, json={"uuid": uuid, "revision": 1, "status": "pending"})

    @property
    def puts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "PUT"]


def client_for(server: FakeServer, outbox: Outbox, **kwargs) -> SyncClient:
    return SyncClient(make_participant(), outbox, httpx.MockTransport(server), **kwargs)


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
