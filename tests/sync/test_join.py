"""Joining a workshop (docs/api.md `POST /join`, `POST /sign-in`), what a pupil types or pastes
to join, and the participant file it leaves behind."""

import dataclasses
import json
import logging
import sys

import httpx
import pytest
from sync_fakes import SERVER, TOKEN, FakeServer, make_participant

from game.core.errors import QuartierError
from game.io import storage
from game.io.paths import participant_file
from game.sync import (
    Invite,
    Participant,
    join,
    load_participant,
    parse_invite,
    renew_personal_code,
    require_participant,
    save_participant,
    server_address,
    sign_in,
)


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
                "personal_code": "K7Q2",
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
    assert participant == Participant(
        "http://quartier.test", TOKEN, "7", "3", "Fox", "Park", "ABC123", "test", "K7Q2"
    )
    assert load_participant(participant_file()) == participant
    stored = json.loads(participant_file().read_text())
    assert stored == {
        "server": "http://quartier.test",
        "token": TOKEN,
        "participant_id": "7",
        "workshop_id": "3",
        "pseudonym": "Fox",
        "workshop_title": "Park",
        "workshop_code": "ABC123",
        "level_id": "test",
        "personal_code": "K7Q2",
    }
    if sys.platform != "win32":
        assert participant_file().stat().st_mode & 0o777 == 0o600
    assert not [p for p in participant_file().parent.iterdir() if p.name.endswith(".tmp")]
    print(participant, repr(participant))
    logging.getLogger("test").info("joined: %r", participant)
    out, err = capsys.readouterr()
    assert TOKEN not in out + err + caplog.text
    assert "K7Q2" not in out + err + caplog.text  # the personal code signs in as this pupil too
    assert "Fox" in out


def test_a_refusal_without_a_sentence_of_its_own_gives_the_servers_message_in_the_pupils_language():
    server = FakeServer((422, "Bitte wähle einen anderen Spitznamen."))
    with pytest.raises(QuartierError) as refused:
        join(SERVER, "ABC123", "Fox", lang="de", transport=httpx.MockTransport(server))
    assert refused.value.key == "join.refused.other"
    assert refused.value.message("de") == "Bitte wähle einen anderen Spitznamen."
    assert server.requests[0].headers["Accept-Language"] == "de"


@pytest.mark.parametrize(
    ("code", "en", "de"),
    [
        ("wrong_code", "That code is not right.", "Dieser Code stimmt nicht."),
        ("pseudonym_taken", "Someone already has", "Diesen Spitznamen hat schon"),
        ("joining_closed", "Joining this workshop has ended.", "Beitreten ist bei"),
        ("workshop_closed", "This workshop is over.", "Dieser Workshop ist zu Ende."),
        ("workshop_full", "This workshop is full.", "Dieser Workshop ist voll."),
        ("wrong_personal_code", "That personal code is not right.", "Dieser persönliche Code"),
    ],
)
def test_each_refusal_a_pupil_can_fix_is_a_sentence_saying_what_to_do(code, en, de):
    def refuse(request):
        return httpx.Response(409, json={"error": {"code": code, "message": "no"}})

    with pytest.raises(QuartierError) as refused:
        join(SERVER, "ABC123", "Fox", transport=httpx.MockTransport(refuse))
    assert refused.value.message("en").startswith(en)
    assert refused.value.message("de").startswith(de)


def test_signing_in_with_a_personal_code_gives_this_device_its_own_login_for_the_same_pupil():
    seen = []

    def server(request):
        seen.append((request.url.path, json.loads(request.content)))
        workshop = {"id": 3, "code": "", "title": "Park", "level_id": "demo", "phase": "voting"}
        answer = {"participant_id": 7, "token": "tok-2", "pseudonym": "Fox", "workshop": workshop}
        return httpx.Response(200, json=answer)

    person = sign_in(SERVER, " K7Q2 ", transport=httpx.MockTransport(server))
    assert seen == [("/api/v1/sign-in", {"personal_code": "K7Q2"})]
    assert (person.participant_id, person.pseudonym, person.token) == ("7", "Fox", "tok-2")
    assert (person.personal_code, person.level_id, person.workshop_title) == (
        "K7Q2",
        "demo",
        "Park",
    )
    assert person.phone_url() == f"{SERVER}/p/K7Q2"
    assert "K7Q2" not in repr(person) and "tok-2" not in repr(person)


@pytest.mark.parametrize(
    ("typed", "invite"),
    [
        ("ABC123", Invite("ABC123")),
        ("  abc-123 ", Invite("abc-123")),
        ("http://192.168.1.20:8765/?code=ABC123", Invite("ABC123", "http://192.168.1.20:8765")),
        ("192.168.1.20:8765/?code=ABC123", Invite("ABC123", "http://192.168.1.20:8765")),
        (
            "https://school.example/quartier/w/ABC123",
            Invite("ABC123", "https://school.example/quartier"),
        ),
        ("http://10.0.0.5:8765/p/K7Q2", Invite("K7Q2", "http://10.0.0.5:8765", "personal")),
        ("", Invite("")),
    ],
)
def test_a_pasted_link_or_qr_text_brings_the_server_along(typed, invite):
    assert parse_invite(typed) == invite


@pytest.mark.parametrize(
    "typed", ["http://192.168.1.20:8765/", "ftp://x/?code=A", "http://x/?code=<b>"]
)
def test_a_link_without_a_code_says_to_type_the_code(typed):
    with pytest.raises(QuartierError) as bad:
        parse_invite(typed)
    assert bad.value.message("en").endswith("Type the code from the board instead.")


def test_a_typed_server_address_gets_its_scheme():
    assert server_address(" 192.168.1.20:8765/ ") == "http://192.168.1.20:8765"
    assert server_address("https://q.example") == "https://q.example"
    assert server_address("  ") == ""


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


def test_a_new_personal_code_is_asked_for_with_the_pupils_login():
    seen = []

    def server(request):
        seen.append((request.url.path, request.headers["Authorization"]))
        return httpx.Response(200, json={"personal_code": "WXYZ-2345"})

    person = make_participant()
    renewed = renew_personal_code(person, transport=httpx.MockTransport(server))
    assert seen == [("/api/v1/me/personal-code", f"Bearer {TOKEN}")]
    assert renewed == dataclasses.replace(person, personal_code="WXYZ-2345")
    refused = FakeServer((401, "Please join the workshop first."))
    with pytest.raises(QuartierError) as no_login:
        renew_personal_code(person, transport=httpx.MockTransport(refused))
    assert no_login.value.key == "sync.auth_refused"
