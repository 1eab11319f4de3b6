"""One identity per pupil (#14): device tokens, the personal code, signing a device in, the
refusal of a second person under the same nickname, and the moderator's class list with reset,
rename and remove. On SQLite and PostgreSQL (the `server` fixture)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from live_server import csrf

from game.core.i18n import text
from server_sync.models import AuditEntry, ParticipantToken, Revision, now

CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$")


def error(response) -> str:
    return response.json()["error"]["code"]


def joined(server, workshop: dict, pseudonym: str) -> dict:
    response = server.client.post(
        "/api/v1/join", json={"code": workshop["code"], "pseudonym": pseudonym}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(server, code: str):
    return server.client.post("/api/v1/sign-in", json={"personal_code": code})


def sessions(server):
    return server.client.app.state.server.sessions


def test_joining_gives_a_personal_code_that_signs_another_device_in_as_the_same_pupil(server):
    w = server.workshop()
    first = joined(server, w, "Fox")
    assert CODE.match(first["personal_code"]) and first["pseudonym"] == "Fox"
    # Typed on a phone: any case, with or without the dash, spaces around it.
    typed = " " + first["personal_code"].lower().replace("-", "") + " "
    second = sign_in(server, typed)
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["participant_id"] == first["participant_id"] and body["pseudonym"] == "Fox"
    assert body["personal_code"] is None and body["token"] != first["token"]
    assert body["workshop"]["code"] == w["code"]
    for token in (first["token"], body["token"]):
        me = server.client.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200
        assert me.json() == {
            "participant_id": first["participant_id"],
            "pseudonym": "Fox",
            "workshop": w,
        }
    assert server.client.get("/api/v1/me").status_code == 401


def test_votes_stay_per_participant_whatever_the_number_of_devices(server):
    w = server.workshop(moderation="post", votes_per_participant=2)
    designs = [
        server.submit(server.join(w, f"Maker{i}"), f"Park {i}", 44 + 6 * i)[0] for i in range(3)
    ]
    fox = joined(server, w, "Fox")
    editor, phone = (
        bearer(fox["token"]),
        bearer(sign_in(server, fox["personal_code"]).json()["token"]),
    )
    server.phase(w, "voting")
    votes = [
        server.client.put(f"/api/v1/submissions/{designs[0]}/vote", headers=editor),
        server.client.put(f"/api/v1/submissions/{designs[0]}/vote", headers=phone),
        server.client.put(f"/api/v1/submissions/{designs[1]}/vote", headers=phone),
        server.client.put(f"/api/v1/submissions/{designs[2]}/vote", headers=editor),
    ]
    assert [v.status_code for v in votes] == [200, 200, 200, 409]
    assert [v.json().get("votes_left") for v in votes[:3]] == [1, 1, 0]
    assert error(votes[3]) == "no_votes_left"
    results = server.client.get(f"/api/v1/workshops/{w['id']}/results", headers=server.mod)
    assert sum(r["votes"] for r in results.json()) == 2


def test_the_same_nickname_on_a_second_device_is_refused_and_cannot_act_as_the_first(server):
    w = server.workshop(moderation="post")
    fox = joined(server, w, "Fox")
    uuid, design = server.submit(bearer(fox["token"]), "Fox's park")
    for name in ("Fox", "fox", "Ｆｏｘ", "Fоx"):  # the last with a Cyrillic o
        again = server.client.post(
            "/api/v1/join",
            json={"code": w["code"], "pseudonym": name},
            headers={"Accept-Language": "en"},
        )
        assert again.status_code == 409 and error(again) == "pseudonym_taken"
        assert "token" not in again.text
        message = again.json()["error"]["message"]
        assert "If this is you, sign in with your personal code (your editor shows it)" in message
    german = server.client.post(
        "/api/v1/join",
        json={"code": w["code"], "pseudonym": "Fox"},
        headers={"Accept-Language": "de"},
    )
    assert german.json()["error"]["message"] == text("de", "server.pseudonym_taken")
    # A second device with a made-up token or none is nobody: it cannot overwrite, vote or ask.
    for headers in ({}, bearer("Fox"), bearer(fox["token"] + "x")):
        put = server.client.put(f"/api/v1/submissions/{uuid}", content=design, headers=headers)
        assert put.status_code == 401
        assert server.client.get("/api/v1/me", headers=headers).status_code == 401
        code = server.client.post("/api/v1/me/personal-code", headers=headers)
        assert code.status_code == 401
    # Another pupil cannot take Fox's designs over either.
    other = server.join(w, "Wolf")
    put = server.client.put(f"/api/v1/submissions/{uuid}", content=design, headers=other)
    assert put.status_code == 403


def test_a_new_personal_code_replaces_the_old_and_devices_stay_signed_in(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    renewed = server.client.post("/api/v1/me/personal-code", headers=bearer(fox["token"]))
    assert renewed.status_code == 200
    code = renewed.json()["personal_code"]
    assert CODE.match(code) and code != fox["personal_code"]
    assert sign_in(server, fox["personal_code"]).status_code == 404
    assert error(sign_in(server, fox["personal_code"])) == "wrong_personal_code"
    assert sign_in(server, code).status_code == 200
    assert server.client.get("/api/v1/me", headers=bearer(fox["token"])).status_code == 200


def test_signing_in_works_while_joining_is_closed_but_not_once_the_workshop_is(server):
    w = server.workshop()  # joining ends when voting starts
    fox = joined(server, w, "Fox")
    server.phase(w, "voting")
    late = server.client.post("/api/v1/join", json={"code": w["code"], "pseudonym": "Late"})
    assert late.status_code == 409 and error(late) == "joining_closed"
    assert sign_in(server, fox["personal_code"]).status_code == 200
    server.phase(w, "closed")
    closed = sign_in(server, fox["personal_code"])
    assert closed.status_code == 409 and error(closed) == "workshop_closed"


def test_guessing_personal_codes_locks_the_address_out_but_not_the_moderator(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    for _ in range(10):
        assert sign_in(server, "AAAA-AAAA").status_code == 404
    locked = sign_in(server, fox["personal_code"])  # even the right code waits now
    assert locked.status_code == 429 and error(locked) == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0
    assert server.client.get("/p/AAAABBBB").status_code == 429
    # The teacher's desk on the same computer goes on working.
    assert server.client.get(f"/api/v1/workshops/{w['id']}", headers=server.mod).status_code == 200


def test_unknown_or_malformed_codes_are_refused_in_words(server):
    for code in ("", "A" * 33, "abc\x00"):
        response = sign_in(server, code)
        assert response.status_code == 422, response.text
    response = sign_in(server, "----")
    assert response.status_code == 404 and error(response) == "wrong_personal_code"


def test_last_seen_is_written_at_most_once_a_minute_per_device(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    hashed = sa.select(ParticipantToken.last_seen)

    def seen():
        with sessions(server)() as session:
            return session.scalar(hashed)

    first = seen()
    server.client.get("/api/v1/me", headers=bearer(fox["token"]))
    assert seen() == first  # no write within the minute
    with sessions(server)() as session:
        session.execute(sa.update(ParticipantToken).values(last_seen=now() - timedelta(minutes=5)))
        session.commit()
    old = seen()
    server.client.get("/api/v1/me", headers=bearer(fox["token"]))
    assert seen() > old
    # A vote (its own lean path) notes the device too.
    with sessions(server)() as session:
        session.execute(sa.update(ParticipantToken).values(last_seen=now() - timedelta(minutes=5)))
        session.commit()
    old = seen()
    server.phase(w, "voting")
    server.client.put("/api/v1/submissions/no-such-design/vote", headers=bearer(fox["token"]))
    assert seen() == old  # a refused vote writes nothing
    rows = server.client.get(f"/api/v1/workshops/{w['id']}/participants", headers=server.mod)
    assert rows.json()[0]["last_seen"] is not None


def test_the_class_list_shows_who_is_building_submitted_or_approved(server):
    w = server.workshop()
    builder = joined(server, w, "Builder")
    sender = joined(server, w, "Sender")
    winner = joined(server, w, "Winner")
    server.submit(bearer(sender["token"]), "Park")
    server.submit(bearer(winner["token"]), "Plaza", 44)
    uuid, _ = server.submit(bearer(winner["token"]), "Garden", 56)
    server.approve(uuid)
    listed = server.client.get(f"/api/v1/workshops/{w['id']}/participants", headers=server.mod)
    assert listed.status_code == 200
    rows = {r["pseudonym"]: r for r in listed.json()}
    assert [r["pseudonym"] for r in listed.json()] == ["Builder", "Sender", "Winner"]
    assert (rows["Builder"]["designs"], rows["Builder"]["status"]) == (0, "building")
    assert (rows["Sender"]["designs"], rows["Sender"]["status"]) == (1, "submitted")
    assert (rows["Winner"]["designs"], rows["Winner"]["status"]) == (2, "approved")
    assert rows["Builder"]["id"] == builder["participant_id"]
    assert rows["Builder"]["joined"] and rows["Builder"]["last_seen"]
    for headers in ({}, bearer(builder["token"])):
        refused = server.client.get(f"/api/v1/workshops/{w['id']}/participants", headers=headers)
        assert refused.status_code == 401
    missing = server.client.get("/api/v1/workshops/999/participants", headers=server.mod)
    assert missing.status_code == 404


def test_resetting_a_sign_in_ends_every_device_and_keeps_the_designs(server):
    w = server.workshop(moderation="post")
    fox = joined(server, w, "Fox")
    phone = sign_in(server, fox["personal_code"]).json()["token"]
    uuid, _ = server.submit(bearer(fox["token"]), "Park")
    reset = server.client.post(
        f"/api/v1/participants/{fox['participant_id']}/reset", headers=server.mod
    )
    assert reset.status_code == 200
    code = reset.json()["personal_code"]
    assert CODE.match(code)
    for token in (fox["token"], phone):
        assert server.client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert sign_in(server, fox["personal_code"]).status_code == 404
    again = sign_in(server, code).json()
    assert again["participant_id"] == fox["participant_id"]
    mine = server.client.get(f"/api/v1/submissions/{uuid}", headers=bearer(again["token"]))
    assert mine.status_code == 200 and mine.json()["pseudonym"] == "Fox"
    refused = server.client.post(f"/api/v1/participants/{fox['participant_id']}/reset")
    assert refused.status_code == 401
    assert (
        server.client.post("/api/v1/participants/999/reset", headers=server.mod).status_code == 404
    )


def test_renaming_follows_the_joining_rules_and_shows_on_the_designs(server):
    w = server.workshop(moderation="post")
    fox = joined(server, w, "Fox")
    joined(server, w, "Wolf")
    uuid, _ = server.submit(bearer(fox["token"]), "Park")
    url = f"/api/v1/participants/{fox['participant_id']}"
    for name, status, code in (
        ("Wоlf", 409, "name_in_use"),  # a Cyrillic o: looks like Wolf
        ("wolf", 409, "name_in_use"),
        ("a@b.de", 422, "pseudonym_contact"),
    ):
        refused = server.client.patch(url, json={"pseudonym": name}, headers=server.mod)
        assert refused.status_code == status and error(refused) == code
    renamed = server.client.patch(url, json={"pseudonym": " Sly Fox "}, headers=server.mod)
    assert renamed.status_code == 200 and renamed.json()["pseudonym"] == "Sly Fox"
    assert renamed.json()["designs"] == 1
    shown = server.client.get(f"/api/v1/submissions/{uuid}", headers=bearer(fox["token"]))
    assert shown.json()["pseudonym"] == "Sly Fox"
    with sessions(server)() as session:
        assert '"pseudonyms": ["Sly Fox"]' in session.scalars(sa.select(Revision.design)).one()
    me = server.client.get("/api/v1/me", headers=bearer(fox["token"])).json()
    assert me["pseudonym"] == "Sly Fox"
    # The old nickname is free again, and the new one is refused to others.
    assert joined(server, w, "Fox")["pseudonym"] == "Fox"
    taken = server.client.post("/api/v1/join", json={"code": w["code"], "pseudonym": "sly fox"})
    assert error(taken) == "pseudonym_taken"
    same = server.client.patch(url, json={"pseudonym": "Sly Fox"}, headers=server.mod)
    assert same.status_code == 200
    assert server.client.patch(url, json={"pseudonym": "X2"}).status_code == 401


def test_removing_a_pupil_takes_their_votes_and_hides_but_keeps_their_designs(server):
    w = server.workshop(moderation="post", max_participants=3)
    fox = joined(server, w, "Fox")
    wolf = server.join(w, "Wolf")
    fox_design, _ = server.submit(bearer(fox["token"]), "Fox park")
    fox_rejected, _ = server.submit(bearer(fox["token"]), "Fox tower", 56)
    server.moderate(fox_rejected, "reject", "too tall")
    wolf_design, _ = server.submit(wolf, "Wolf plaza", 44)
    server.phase(w, "voting")
    server.vote(bearer(fox["token"]), wolf_design)
    server.vote(wolf, fox_design)
    removed = server.client.delete(
        f"/api/v1/participants/{fox['participant_id']}", headers=server.mod
    )
    assert removed.status_code == 204
    assert server.client.get("/api/v1/me", headers=bearer(fox["token"])).status_code == 401
    assert sign_in(server, fox["personal_code"]).status_code == 404
    results = server.client.get(f"/api/v1/workshops/{w['id']}/results", headers=server.mod).json()
    assert [(r["title"], r["votes"]) for r in results] == [("Wolf plaza", 0)]
    gallery = server.client.get(f"/api/v1/workshops/{w['id']}/submissions", headers=wolf).json()
    assert [s["title"] for s in gallery] == ["Wolf plaza"]
    everything = server.client.get(
        f"/api/v1/workshops/{w['id']}/submissions", headers=server.mod
    ).json()
    kept = {s["title"]: s["status"] for s in everything}
    assert kept == {"Fox park": "hidden", "Fox tower": "rejected", "Wolf plaza": "approved"}
    listed = server.client.get(f"/api/v1/workshops/{w['id']}/participants", headers=server.mod)
    assert [r["pseudonym"] for r in listed.json()] == ["Wolf"]
    again = server.client.delete(
        f"/api/v1/participants/{fox['participant_id']}", headers=server.mod
    )
    assert again.status_code == 404 and error(again) == "no_participant"
    with sessions(server)() as session:
        actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert "remove_participant" in actions
    assert server.client.delete("/api/v1/participants/1").status_code == 401


def test_every_change_to_a_pupil_is_in_the_audit_log(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    url = f"/api/v1/participants/{fox['participant_id']}"
    server.client.post(f"{url}/reset", headers=server.mod)
    server.client.patch(url, json={"pseudonym": "Sly"}, headers=server.mod)
    server.client.delete(url, headers=server.mod)
    with sessions(server)() as session:
        entries = session.execute(
            sa.select(AuditEntry.action, AuditEntry.workshop_id, AuditEntry.detail)
            .where(AuditEntry.action != "create_workshop")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(e) for e in entries] == [
        ("reset_sign_in", w["id"], "Fox"),
        ("rename_participant", w["id"], "Fox → Sly"),
        ("remove_participant", w["id"], "Sly"),
    ]


@pytest.fixture
def old_database(tmp_path, db_url):
    """A database as the server before device tokens left it (migrated up to 0005), on the
    server's own engine (SQLite's foreign keys on, as when the server upgrades itself)."""
    from alembic import command
    from alembic.config import Config

    from server_sync.db import MIGRATIONS, make_engine

    engine = make_engine(db_url or f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    yield engine
    engine.dispose()


def test_the_upgrade_moves_every_token_over_and_keeps_every_design_and_vote(old_database):
    """Nobody is signed out by the upgrade, and nothing hangs on the participants' table being
    rebuilt (SQLite): its foreign keys' ON DELETE CASCADE must not fire."""
    from server_sync.db import migrate
    from server_sync.security import token_hash
    from server_sync.services.participants import participant_with_token

    engine = old_database
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO workshops (id, code, title, level_id, phase, votes_per_participant,"
                " moderation, joining, created) VALUES (1, 'ABCDEF', 'W', 'demo', 'voting', 3,"
                " 'post', 'until_voting', '2026-01-01')"
            )
        )
        for n, name in enumerate(["Fox", "Wolf"], start=1):
            db.execute(
                sa.text(
                    "INSERT INTO participants (id, workshop_id, pseudonym, pseudonym_key,"
                    " token_hash, created) VALUES (:id, 1, :name, :key, :hash, '2026-01-01')"
                ),
                {"id": n, "name": name, "key": name.lower(), "hash": token_hash(f"token-{n}")},
            )
        db.execute(sa.text("INSERT INTO vote_slots (workshop_id, slot) VALUES (1, 1)"))
        db.execute(
            sa.text(
                "INSERT INTO submissions (uuid, workshop_id, participant_id, revision,"
                " content_hash, title, description, pseudonym, metrics, status, feedback,"
                " created, updated) VALUES ('u1', 1, 1, 1, 'h', 'Park', '', 'Fox', '{}',"
                " 'approved', '', '2026-01-01', '2026-01-01')"
            )
        )
        db.execute(
            sa.text(
                "INSERT INTO revisions (uuid, revision, content_hash, design, created)"
                " VALUES ('u1', 1, 'h', '{}', '2026-01-01')"
            )
        )
        db.execute(
            sa.text(
                "INSERT INTO votes (participant_id, submission_uuid, workshop_id, slot, created)"
                " VALUES (2, 'u1', 1, 1, '2026-01-01')"
            )
        )
    migrate(engine)
    with engine.connect() as db:
        for table in ("submissions", "revisions", "votes", "participant_tokens"):
            count = db.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == (2 if table == "participant_tokens" else 1), table
    with sa.orm.Session(engine) as session:
        for n, name in enumerate(["Fox", "Wolf"], start=1):
            assert participant_with_token(session, f"token-{n}").pseudonym == name
    with engine.connect() as db:
        columns = {c["name"] for c in sa.inspect(db).get_columns("participants")}
    assert "token_hash" not in columns and {"personal_code_hash", "removed"} <= columns


def test_opening_the_link_only_asks_and_the_button_signs_the_device_in(server):
    w = server.workshop(moderation="post")
    fox = joined(server, w, "Fox")
    client = server.client
    link = "/p/" + fox["personal_code"]
    asked = client.get(link, headers={"Accept-Language": "en"})
    assert asked.status_code == 200
    assert "Sign in as Fox in “Unser Platz”?" in asked.text
    assert "quartier_participant" not in client.cookies  # a link preview signs nobody in
    assert client.post(link, data={"csrf": "forged"}).status_code == 403
    assert "quartier_participant" not in client.cookies
    confirmed = client.post(link, data={"csrf": csrf(client)}, follow_redirects=False)
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/w/{w['code']}?done=signed_in"
    token = client.cookies["quartier_participant"]
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.json()["participant_id"] == fox["participant_id"]
    gallery = client.get(confirmed.headers["location"], headers={"Accept-Language": "en"})
    assert "You are signed in." in gallery.text


def test_the_join_page_offers_the_personal_code_and_explains_a_taken_nickname(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    client = server.client
    home = client.get("/", headers={"Accept-Language": "en"})
    assert "Already joined?" in home.text and 'name="personal_code"' in home.text
    taken = client.post(
        "/join",
        data={"csrf": csrf(client), "code": w["code"], "pseudonym": "fox"},
        headers={"Accept-Language": "en"},
    )
    assert taken.status_code == 409 and "quartier_participant" not in client.cookies
    assert "If this is you, sign in with your personal code" in taken.text
    wrong = client.post(
        "/sign-in",
        data={"csrf": csrf(client), "personal_code": "zzzz-zzzz"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 404 and "That personal code is not right." in wrong.text
    assert 'value="zzzz-zzzz"' in wrong.text  # what was typed stays to be corrected
    typed = client.post(
        "/sign-in",
        data={"csrf": csrf(client), "personal_code": fox["personal_code"].lower()},
        follow_redirects=False,
    )
    assert typed.status_code == 303 and "quartier_participant" in client.cookies
    unknown = client.get("/p/WRONGCODE", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404 and "That personal code is not right." in unknown.text
    server.phase(w, "closed")
    closed = client.get("/p/" + fox["personal_code"], headers={"Accept-Language": "en"})
    assert closed.status_code == 409 and "This workshop is closed." in closed.text


def test_signing_out_ends_this_device_only(server):
    w = server.workshop()
    fox = joined(server, w, "Fox")
    client = server.client
    client.post("/sign-in", data={"csrf": csrf(client), "personal_code": fox["personal_code"]})
    phone = client.cookies["quartier_participant"]
    assert client.get("/api/v1/me", headers=bearer(phone)).status_code == 200
    client.post("/sign-out", data={"csrf": csrf(client)})
    assert "quartier_participant" not in client.cookies
    assert client.get("/api/v1/me", headers=bearer(phone)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(fox["token"])).status_code == 200


def test_the_downgrade_keeps_each_pupil_signed_in_on_their_first_device(server, db_url):
    from alembic import command
    from alembic.config import Config

    from server_sync.db import MIGRATIONS

    w = server.workshop()
    fox = joined(server, w, "Fox")
    sign_in(server, fox["personal_code"])
    removed = joined(server, w, "Wolf")
    server.client.delete(f"/api/v1/participants/{removed['participant_id']}", headers=server.mod)
    engine = server.client.app.state.server.engine
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        if db_url is None:  # as `migrate` does: a table rebuilt must not cascade
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT pseudonym, token_hash FROM participants"))
        kept = dict(rows.all())
    from server_sync.security import token_hash

    assert kept["Fox"] == token_hash(fox["token"]) and len(kept["Wolf"]) == 64


def test_a_pupil_who_joined_on_the_web_gets_a_personal_code_for_their_phone(server):
    w = server.workshop()
    client = server.client
    client.post("/join", data={"csrf": csrf(client), "code": w["code"], "pseudonym": "Fox"})
    gallery = client.get(f"/w/{w['code']}", headers={"Accept-Language": "en"})
    assert "Show my personal code" in gallery.text
    shown = client.post(
        f"/w/{w['code']}/personal-code",
        data={"csrf": csrf(client)},
        headers={"Accept-Language": "en"},
    )
    assert shown.status_code == 200
    code = re.search(r'id="personal-code">([A-Z0-9-]+)<', shown.text).group(1)
    assert CODE.match(code)
    phone = sign_in(server, code)
    assert phone.status_code == 200 and phone.json()["pseudonym"] == "Fox"
    assert client.post(f"/w/{w['code']}/personal-code", data={}).status_code == 403
    client.cookies.delete("quartier_participant")
    nobody = client.post(
        f"/w/{w['code']}/personal-code",
        data={"csrf": csrf(client)},
        headers={"Accept-Language": "en"},
    )
    assert nobody.status_code == 401 and "Please join the workshop first." in nobody.text


def test_the_editors_sync_client_joins_signs_in_and_renews_against_this_server(server):
    """The contract the editor is built against (game.sync.client), on the real app."""
    from game.core.errors import QuartierError
    from game.sync import client as sync

    w = server.workshop()
    transport = server.client._transport  # the in-process app, through httpx
    editor = sync.join("http://testserver", w["code"], "Fox", transport=transport)
    assert editor.pseudonym == "Fox" and CODE.match(editor.personal_code)
    phone = sync.sign_in("http://testserver", editor.personal_code, transport=transport)
    assert phone.participant_id == editor.participant_id and phone.token != editor.token
    assert phone.workshop_code == w["code"] and phone.level_id == "demo"
    renewed = sync.renew_personal_code(editor, transport=transport)
    assert CODE.match(renewed.personal_code) and renewed.personal_code != editor.personal_code
    with pytest.raises(QuartierError) as refused:
        sync.sign_in("http://testserver", editor.personal_code, transport=transport)
    assert refused.value.key == "join.refused.wrong_personal_code"
    with pytest.raises(QuartierError) as taken:
        sync.join("http://testserver", w["code"], "fox", transport=transport)
    assert taken.value.key == "join.refused.pseudonym_taken"
    page = server.client.get(renewed.phone_url().removeprefix("http://testserver"))
    assert page.status_code == 200 and "Fox" in page.text
