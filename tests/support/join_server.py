"""A small real HTTP server that speaks the joining contract of issue 14 (docs/api.md): join with
a code and nickname (201 with a personal code), sign in with a personal code, a new personal
code for a signed-in pupil, and take submissions. It stands in for the collection server while
the server side of personal codes is built in parallel; the editor talks to it over real
sockets on 127.0.0.1 as to the real one.

Refusals are shaped and worded as the server's (`{"error": {"code", "message"}}`, the message
from the shared string table in the language asked for): `wrong_code`, `pseudonym_taken`,
`pseudonym_length`, `joining_closed`, `workshop_closed`, `wrong_personal_code`.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from live_server import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from game.core.i18n import text


@dataclass
class Workshop:
    id: int
    code: str
    title: str
    level_id: str = "demo"
    phase: str = "building"
    joining_open: bool = True

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "title": self.title,
            "level_id": self.level_id,
            "phase": self.phase,
            "votes_per_participant": 3,
            "moderation": "post",
            "joining": "until_voting",
            "max_participants": None,
        }


@dataclass
class Person:
    id: int
    workshop: Workshop
    pseudonym: str
    personal_code: str
    tokens: set[str] = field(default_factory=set)


class JoinServer:
    """Start with `with JoinServer() as server:`; `server.url`, `server.workshops` (by code),
    `server.people` and `server.submissions` (uuid → (pseudonym, design JSON))."""

    def __init__(self, port: int | None = None, state: "JoinServer | None" = None) -> None:
        """`port` and `state` (a stopped server) start it again where it was, as after a reboot."""
        self.workshops: dict[str, Workshop] = state.workshops if state else {}
        self.people: list[Person] = state.people if state else []
        self.submissions: dict[str, tuple[str, dict]] = state.submissions if state else {}
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Accept-Language)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(
            routes=[
                Route("/api/v1/join", self._join, methods=["POST"]),
                Route("/api/v1/sign-in", self._sign_in, methods=["POST"]),
                Route("/api/v1/submissions/{uuid}", self._submit, methods=["PUT"]),
                Route("/api/v1/me/personal-code", self._new_code, methods=["POST"]),
                Route("/healthz", lambda r: JSONResponse({"ok": True})),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def workshop(self, code: str, title: str, **fields) -> Workshop:
        self.workshops[code] = Workshop(len(self.workshops) + 1, code, title, **fields)
        return self.workshops[code]

    def __enter__(self) -> "JoinServer":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the join server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    @staticmethod
    def _refuse(request: Request, status: int, code: str) -> JSONResponse:
        """A refusal as the collection server words it, in the language the client asked for."""
        german = request.headers.get("accept-language", "").startswith("de")
        message = text("de" if german else "en", f"server.{code}")
        return JSONResponse({"error": {"code": code, "message": message}}, status)

    def _seen(self, request: Request) -> None:
        language = request.headers.get("accept-language", "")
        self.requests.append((request.method, request.url.path, language))

    def _answer(self, person: Person, status: int, with_code: bool) -> JSONResponse:
        token = secrets.token_urlsafe(16)
        person.tokens.add(token)
        body = {
            "participant_id": person.id,
            "token": token,
            "pseudonym": person.pseudonym,
            "workshop": person.workshop.to_json(),
        }
        if with_code:
            body["personal_code"] = person.personal_code
        return JSONResponse(body, status)

    async def _join(self, request: Request) -> JSONResponse:
        self._seen(request)
        body = await request.json()
        code = str(body.get("code", "")).upper().replace("-", "").replace(" ", "")
        workshop = self.workshops.get(code)
        if workshop is None:
            return self._refuse(request, 404, "wrong_code")
        if workshop.phase == "closed":
            return self._refuse(request, 409, "workshop_closed")
        if not workshop.joining_open:
            return self._refuse(request, 409, "joining_closed")
        pseudonym = str(body.get("pseudonym", "")).strip()
        if len(pseudonym) < 2:
            return self._refuse(request, 422, "pseudonym_length")
        if any(
            p.workshop is workshop and p.pseudonym.casefold() == pseudonym.casefold()
            for p in self.people
        ):
            return self._refuse(request, 409, "pseudonym_taken")
        person = Person(len(self.people) + 1, workshop, pseudonym, f"P{len(self.people) + 1}K7QX")
        self.people.append(person)
        return self._answer(person, 201, with_code=True)

    async def _sign_in(self, request: Request) -> JSONResponse:
        self._seen(request)
        body = await request.json()
        code = str(body.get("personal_code", "")).strip().upper()
        person = next((p for p in self.people if p.personal_code == code), None)
        if person is None:
            return self._refuse(request, 404, "wrong_personal_code")
        return self._answer(person, 200, with_code=False)

    def _bearer(self, request: Request) -> Person | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return next((p for p in self.people if token in p.tokens), None)

    async def _new_code(self, request: Request) -> JSONResponse:
        self._seen(request)
        person = self._bearer(request)
        if person is None:
            return self._refuse(request, 401, "not_participant")
        person.personal_code = f"N{person.id}W8RT"
        return JSONResponse({"personal_code": person.personal_code})

    async def _submit(self, request: Request) -> JSONResponse:
        self._seen(request)
        person = self._bearer(request)
        if person is None:
            return self._refuse(request, 401, "not_participant")
        uuid = request.path_params["uuid"]
        self.submissions[uuid] = (person.pseudonym, json.loads(await request.body()))
        return JSONResponse({"uuid": uuid, "revision": 1, "status": "pending"}, 201)
