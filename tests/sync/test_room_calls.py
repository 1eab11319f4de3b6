"""The editor's HTTP calls for team rooms (docs/rooms.md): submitting a room's design for the team,
and what a pupil reads when the server says no (its own sentence), when a proxy answers instead,
or when the login is gone."""

import json

import httpx
import pytest

from game.core.errors import QuartierError
from game.sync import Participant, submit_room
from game.sync.room import find_room, room_url

PUPIL = Participant("http://quartier.test", "secret-token", "7", "3", "Ada")


def _answer(status: int, body: object, seen: list | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers={"Content-Type": "text/html"})
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def test_submitting_a_room_sends_the_title_with_the_pupils_token_and_names_the_team():
    seen: list[httpx.Request] = []
    answer = {"uuid": "u", "revision": 1, "status": "pending", "authors": ["Ada", "Ben", "Cem"]}
    authors = submit_room(
        PUPIL, "KXT4R", "Our park", lang="de", transport=_answer(201, answer, seen)
    )
    assert authors == ["Ada", "Ben", "Cem"]
    (request,) = seen
    assert request.url.path == "/api/v1/rooms/KXT4R/submission"
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert request.headers["Accept-Language"] == "de"
    assert json.loads(request.content) == {"title": "Our park"}


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (
            409,
            {"error": {"code": "room_locked", "message": "Your teacher has locked this room."}},
            "The server said no: Your teacher has locked this room.",
        ),
        (
            401,
            {"error": {"code": "not_participant", "message": "x"}},
            "The server no longer accepts your workshop login",
        ),
        (403, "<html>Wi-Fi login</html>", "does not answer the way Quartier expects"),
        (201, {"uuid": "u"}, "does not answer the way Quartier expects"),  # no authors
        (503, {"error": {"code": "busy", "message": "x"}}, "has a problem right now"),
    ],
)
def test_a_refused_room_submission_says_why(status, body, says):
    with pytest.raises(QuartierError) as refused:
        submit_room(PUPIL, "KXT4R", "Park", transport=_answer(status, body))
    assert says in refused.value.message("en")


def test_a_room_code_needs_letters_and_the_socket_follows_the_servers_scheme():
    with pytest.raises(QuartierError) as empty:
        find_room(PUPIL, " - ")
    assert "room code" in empty.value.message("en")
    assert room_url("http://10.0.0.2:8000", "KXT4R") == "ws://10.0.0.2:8000/api/v1/rooms/KXT4R/ws"
    assert room_url("https://q.example", "KXT4R") == "wss://q.example/api/v1/rooms/KXT4R/ws"
