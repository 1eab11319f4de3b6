"""The editor's HTTP calls for team rooms (docs/rooms.md): making and finding a room with the
pupil's token, and what a pupil reads when the server says no (its own sentence), when a proxy
answers instead, or when the login is gone."""

import json

import httpx
import pytest

from game.core.errors import QuartierError
from game.sync import Participant
from game.sync.client import call
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


def test_a_room_call_sends_the_pupils_token_and_language_and_gives_the_answer():
    seen: list[httpx.Request] = []
    room = {"code": "KXT4R", "title": "Eule", "level_id": "demo", "members": []}
    answer = call(
        PUPIL,
        "POST",
        "workshops/3/rooms",
        {"title": "Eule"},
        lang="de",
        transport=_answer(201, room, seen),
    )
    assert answer == room
    (request,) = seen
    assert request.url.path == "/api/v1/workshops/3/rooms"
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert request.headers["Accept-Language"] == "de"
    assert json.loads(request.content) == {"title": "Eule"}


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (
            409,
            {"error": {"code": "room_full", "message": "This room is full (30 members)."}},
            "The server said no: This room is full (30 members).",
        ),
        (
            401,
            {"error": {"code": "not_participant", "message": "x"}},
            "The server no longer accepts your workshop login",
        ),
        (403, "<html>Wi-Fi login</html>", "does not answer the way Quartier expects"),
        (200, ["not", "an", "object"], "does not answer the way Quartier expects"),
        (503, {"error": {"code": "busy", "message": "x"}}, "has a problem right now"),
    ],
)
def test_a_refused_room_call_says_why(status, body, says):
    with pytest.raises(QuartierError) as refused:
        call(PUPIL, "GET", "rooms/KXT4R", transport=_answer(status, body))
    assert says in refused.value.message("en")


def test_a_room_code_needs_letters_and_the_socket_follows_the_servers_scheme():
    with pytest.raises(QuartierError) as empty:
        find_room(PUPIL, " - ")
    assert "room code" in empty.value.message("en")
    assert room_url("http://10.0.0.2:8000", "KXT4R") == "ws://10.0.0.2:8000/api/v1/rooms/KXT4R/ws"
    assert room_url("https://q.example", "KXT4R") == "wss://q.example/api/v1/rooms/KXT4R/ws"
