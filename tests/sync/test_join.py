"""Joining a workshop (docs/api.md `POST /join`) and the participant file it leaves behind."""

import json
import logging
import sys

import httpx
import pytest
from sync_fakes import SERVER, TOKEN, FakeServer

from game.core.errors import QuartierError
from game.io import storage
from game.io.paths import participant_file
from game.sync import Participant, join, load_participant, require_participant, save_participant


def test_joining_stores_the_credentials_for_the_user_only_and_never_prints_the_token(
    capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    seen = []

    def server(request):
        seen.append((request.method, str(request.url), json.loads(request.content)))
        return httpx.Response(
            201,
            json={
                "participant_id": 7,
                "token": TOKEN,
                "workshop": {
                    "id": 3,
                    "code": "ABC123",
                    "title": "Park",
                    "level_id": "test",
                    "phase": "building",
                    "votes_per_participant": 3,
                    "moderation": "pre",
                },
            },
        )

    participant = join(
        " http://quartier.test/ ", "ABC123", " Fox ", transport=httpx.MockTransport(server)
    )
    save_participant(participant, participant_file(), storage)

    assert seen == [
        ("POST", "http://quartier.test/api/v1/join", {"code": "ABC123", "pseudonym": "Fox"})
    ]
    assert participant == Participant("http://quartier.test", TOKEN, "7", "3", "Fox")
    assert load_participant(participant_file()) == participant
    stored = json.loads(participant_file().read_text())
    assert stored == {
        "server": "http://quartier.test",
        "token": TOKEN,
        "participant_id": "7",
        "workshop_id": "3",
        "pseudonym": "Fox",
    }
    if sys.platform != "win32":
        assert participant_file().stat().st_mode & 0o777 == 0o600
    assert not [p for p in participant_file().parent.iterdir() if p.name.endswith(".tmp")]
    print(participant, repr(participant))
    logging.getLogger("test").info("joined: %r", participant)
    out, err = capsys.readouterr()
    assert TOKEN not in out + err + caplog.text
    assert "Fox" in out


def test_a_wrong_code_gives_the_servers_message():
    server = FakeServer((404, "That code is not right. Please check it with your teacher."))
    with pytest.raises(QuartierError) as refused:
        join(SERVER, "WRONG", "Fox", transport=httpx.MockTransport(server))
    assert refused.value.key == "sync.refused"
    assert "That code is not right" in refused.value.message("en")
    assert "That code is not right" in refused.value.message("de")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, html="<html>Please log in to the school Wi-Fi</html>"),
        httpx.Response(201, json={"participant_id": 1, "workshop": {"id": 1}}),
        httpx.Response(201, json={"participant_id": 1, "token": "", "workshop": {"id": 1}}),
    ],
)
def test_an_answer_that_is_not_a_login_is_refused_as_a_bad_answer(answer):
    with pytest.raises(QuartierError) as bad:
        join(SERVER, "ABC123", "Fox", transport=httpx.MockTransport(lambda request: answer))
    assert bad.value.key == "sync.bad_answer"


def test_joining_without_a_connection_or_with_a_bad_address_says_so_clearly():
    down = FakeServer(httpx.ConnectError("Connection refused"))
    with pytest.raises(QuartierError) as no_connection:
        join(SERVER, "ABC123", "Fox", transport=httpx.MockTransport(down))
    assert no_connection.value.key == "sync.no_connection"
    with pytest.raises(QuartierError) as bad_address:
        join("quartier.test", "ABC123", "Fox")
    assert bad_address.value.key == "sync.bad_server"
    with pytest.raises(QuartierError) as not_joined:
        require_participant(participant_file())
    assert not_joined.value.key == "sync.not_joined"


def test_a_damaged_participant_file_counts_as_not_joined():
    participant_file().parent.mkdir(parents=True)
    participant_file().write_text('{"server": "http://x"}')
    assert load_participant(participant_file()) is None
    assert participant_file().exists()
