"""Issue 13's findings as they were found: sent over real HTTP to a real `quartier-server serve`
process, on SQLite and on PostgreSQL.

The other files of this folder hold each finding's detailed tests (mostly on the in-process
app); this one repeats the attack of each finding that had no real-process reproduction yet,
the way an attacker or a chaotic class sends it. One server per database serves the whole
module (a start costs seconds); every test makes its own workshop, so no test sees another's
designs or votes. What leaves state behind in the server itself (the moderator guess lockout,
a new moderator token) gets a server of its own.
"""

import contextlib
import json
import os
import resource
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from design_attacks import ATTACKS, LEAKS, attack, design_of, strict_level, with_leaks
from live_server import MODERATOR, Api, LiveServer, csrf, design_text
from server_fixtures import fresh_database
from sqlalchemy.orm import Session

from game.core.i18n import text
from game.io.levels import find_level
from game.io.paths import logs_dir
from server_sync.db import sqlite_url
from server_sync.deps import GUESSES_PER_WINDOW
from server_sync.models import JuryMember
from server_sync.security import token_hash

TIMEOUT = 60  # generous: the Berlin-sized computations of a design run in the server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(request, tmp_path_factory) -> Iterator[LiveServer]:
    """One real server per database for the module's tests.

    The strict level (few blocks allowed) is saved among the user levels of the session's home
    before the start, so that the server knows it as the in-process tests' server does."""
    db = None
    if request.param == "postgres":
        db = fresh_database(request.getfixturevalue("postgres_url"))
    strict_level()
    server = LiveServer(tmp_path_factory.mktemp("live"), db).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def client(live) -> Iterator[httpx.Client]:
    """A fresh HTTP client (its own cookies) on the module's server."""
    with httpx.Client(base_url=live.url, timeout=TIMEOUT) as own:
        yield own


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def store(live: LiveServer) -> sa.Engine:
    """An engine of our own on the server's database, for what a test must look at or set."""
    return sa.create_engine(live.db_url or sqlite_url(live.data_dir))


def put(client: httpx.Client, who: dict, design: str, **headers: str) -> httpx.Response:
    uuid = json.loads(design)["id"]
    return client.put(f"/api/v1/submissions/{uuid}", content=design, headers={**who, **headers})


def join_page(client: httpx.Client, workshop: dict, pseudonym: str) -> httpx.Response:
    return client.post(
        "/join",
        data={"csrf": csrf(client), "code": workshop["code"], "pseudonym": pseudonym},
        follow_redirects=False,
    )


# --- H1: the level's rules -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ATTACKS))
def test_h1_a_design_outside_the_levels_rules_is_refused_and_never_stored(name, api, client):
    level, design, said = attack(name)
    workshop = api.workshop(level_id=level.id, moderation="post")
    refused = put(client, api.join(workshop, "Fox"), design)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_design"
    assert all(words in refused.json()["error"]["message"] for words in said)
    listed = client.get(f"/api/v1/workshops/{workshop['id']}/submissions", headers=api.mod)
    assert listed.json() == []
    uuid = json.loads(design)["id"]
    assert client.get(f"/api/v1/submissions/{uuid}", headers=api.mod).status_code == 404


# --- M1: moderation sticks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moderation", "action", "status"),
    [("post", "hide", "hidden"), ("post", "reject", "rejected"), ("pre", "reject", "pending")],
)
def test_m1_one_changed_character_does_not_undo_the_moderators_decision(
    moderation, action, status, api, client
):
    workshop = api.workshop(moderation=moderation)
    pupil = api.join(workshop, "Fox")
    uuid, design = api.submit(pupil)
    api.moderate(uuid, action, "not this way")
    again = put(client, pupil, design.replace('"title": "Park"', '"title": "Parc"'))
    assert again.status_code == 201, again.text
    assert again.json() == {"uuid": uuid, "revision": 2, "status": status}
    assert client.get(f"/api/v1/workshops/{workshop['id']}/submissions").json() == []
    assert client.get(f"/api/v1/submissions/{uuid}").status_code == 404
    assert "Parc" not in client.get(f"/w/{workshop['code']}").text


# --- M4: only the server's pseudonyms are published -------------------------------------------


def test_m4_a_real_name_in_the_designs_own_pseudonyms_is_never_published(api, client):
    workshop = api.workshop(moderation="post")
    demo = find_level("demo")
    design = with_leaks(design_of(demo, demo.city.copy()))
    stored = put(client, api.join(workshop, "Fox"), design)
    assert stored.status_code == 201, stored.text
    shown = client.get(f"/api/v1/submissions/{stored.json()['uuid']}")
    assert shown.json()["pseudonym"] == "Fox" and shown.json()["design"]["pseudonyms"] == ["Fox"]
    published = [
        shown.text,
        client.get(f"/api/v1/workshops/{workshop['id']}/submissions").text,
        client.get(f"/w/{workshop['code']}").text,
    ]
    for leak in LEAKS:
        assert not any(leak in page for page in published), leak


# --- H2: the ballot ---------------------------------------------------------------------------


def test_h2_walking_the_workshop_ids_gives_a_stranger_no_join_code(api, client):
    workshops = [api.workshop() for _ in range(3)]
    member = api.join(workshops[0], "Fox")
    for workshop in workshops:
        for headers in ({}, {"Authorization": "Bearer junk"}):
            shown = client.get(f"/api/v1/workshops/{workshop['id']}", headers=headers)
            assert shown.status_code == 200 and shown.json()["code"] == ""
    own = client.get(f"/api/v1/workshops/{workshops[0]['id']}", headers=member)
    assert own.json()["code"] == workshops[0]["code"]
    other = client.get(f"/api/v1/workshops/{workshops[1]['id']}", headers=member)
    assert other.json()["code"] == ""


def test_h2_sock_puppets_joining_during_voting_cannot_vote(api, client):
    workshop = api.workshop(moderation="post")
    uuid, _ = api.submit(api.join(workshop, "Fox"))
    api.phase(workshop, "voting")
    statuses = []
    for i in range(10):
        joined = client.post(
            "/api/v1/join",
            json={"code": workshop["code"], "pseudonym": f"Puppet{i}"},
            headers={"Authorization": f"Bearer junk{i}"},
        )
        statuses.append((joined.status_code, joined.json()["error"]["code"]))
        vote = client.put(
            f"/api/v1/submissions/{uuid}/vote", headers={"Authorization": f"Bearer junk{i}"}
        )
        assert vote.status_code == 401
    assert statuses == [(409, "joining_closed")] * 10
    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=api.mod).json()
    assert sum(row["votes"] for row in results) == 0


# --- M5: look-alike and rude pseudonyms -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Max\u3164", "pseudonym_characters"),
        ("Ma\u200bx", "pseudonym_characters"),
        ("Fuсk", "pseudonym_word"),  # a Cyrillic с
        ("𝐧𝐚𝐳𝐢", "pseudonym_word"),
    ],
)
def test_m5_invisible_characters_and_rude_words_in_disguise_are_refused(name, code, api, client):
    workshop = api.workshop()
    refused = client.post(
        "/api/v1/join",
        json={"code": workshop["code"], "pseudonym": name},
        headers={"Accept-Language": "de"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == {"code": code, "message": text("de", f"server.{code}")}


# --- M6: the next pupil on a shared PC --------------------------------------------------------


def test_m6_after_sign_out_the_next_pupil_cannot_vote_as_the_one_before(api, client):
    workshop = api.workshop(moderation="post")
    uuid, _ = api.submit(api.join(workshop, "Fox"))
    joined = join_page(client, workshop, "Owl")
    assert joined.status_code == 303
    cookie = joined.headers["set-cookie"]
    assert "quartier_participant=" in cookie
    assert "max-age" not in cookie.lower() and "expires" not in cookie.lower()
    api.phase(workshop, "voting")
    assert "You are taking part as Owl" in client.get(f"/w/{workshop['code']}").text
    out = client.post("/sign-out", data={"csrf": csrf(client)}, follow_redirects=False)
    assert out.status_code == 303 and "quartier_participant" not in client.cookies
    vote = client.post(
        f"/w/{workshop['code']}/d/{uuid}/vote", data={"csrf": csrf(client), "action": "cast"}
    )
    assert vote.status_code == 401
    assert "taking part as" not in client.get(f"/w/{workshop['code']}").text


# --- L1/L2: the moderator token -----------------------------------------------------------------


def test_l1_guessing_on_the_sign_in_page_is_locked_out(tmp_path):
    """A server of its own: the lockout holds for every request from 127.0.0.1 afterwards."""
    server = LiveServer(tmp_path / "live", None).start()
    try:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            statuses = [
                client.post(
                    "/moderate/login",
                    data={"csrf": csrf(client), "token": f"guess-{i:04d}-abcdefghijklmnop"},
                    follow_redirects=False,
                ).status_code
                for i in range(GUESSES_PER_WINDOW + 3)
            ]
            right = client.post(
                "/moderate/login",
                data={"csrf": csrf(client), "token": MODERATOR},
                follow_redirects=False,
            )
    finally:
        server.kill()
    assert 303 not in statuses and statuses[-3:] == [429] * 3
    assert right.status_code == 429  # a lockout, not a hint


def refused_start(server: LiveServer) -> str:
    """What a server that must not start said on its way out (one that starts is killed)."""
    try:
        with pytest.raises(RuntimeError) as refused:
            server.start()
    finally:
        server.kill()
    return str(refused.value)


def test_l2_a_one_character_token_is_refused_at_start(tmp_path):
    said = refused_start(LiveServer(tmp_path / "live", None, token="x"))
    assert "16" in said and "Traceback" not in said


def test_l2_a_new_token_ends_the_desks_signed_in_with_the_old_one(tmp_path, db_url):
    def desk(server: LiveServer, cookies: httpx.Cookies) -> str:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT, cookies=cookies) as client:
            return client.get("/moderate").text

    data, cookies = tmp_path / "live", httpx.Cookies()
    for token, signed_in in ((MODERATOR, None), (MODERATOR, True), ("n" * 40, False)):
        server = LiveServer(data, db_url, token=token).start()
        try:
            if signed_in is None:
                with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
                    Api(client).sign_in()
                    cookies = client.cookies
            else:
                assert ('action="/moderate/login"' not in desk(server, cookies)) is signed_in
        finally:
            server.kill()


# --- L3: a vote for a design taken down -------------------------------------------------------


def test_l3_a_vote_for_a_design_hidden_later_can_be_withdrawn(api, client):
    workshop = api.workshop(votes_per_participant=2, moderation="post")
    author, voter = api.join(workshop, "Fox"), api.join(workshop, "Owl")
    uuid, _ = api.submit(author)
    api.phase(workshop, "voting")
    url = f"/api/v1/submissions/{uuid}/vote"
    assert client.put(url, headers=voter).json()["votes_left"] == 1
    api.moderate(uuid, "hide", "Bitte ohne Namen")
    withdrawn = client.delete(url, headers=voter)
    assert withdrawn.status_code == 200 and withdrawn.json()["votes_left"] == 2


# --- L4: numbers that only look like digits ---------------------------------------------------


def test_l4_jury_stars_that_only_look_like_a_number_are_refused(live, api, client):
    workshop = api.workshop(moderation="post")
    uuid, _ = api.submit(api.join(workshop, "Fox"))
    engine = store(live)
    code = f"JURY{workshop['id']}"
    with Session(engine) as session:
        member = JuryMember(workshop_id=workshop["id"], label="Jury 1", token_hash=token_hash(code))
        session.add(member)
        session.commit()
    engine.dispose()
    api.phase(workshop, "voting")
    client.cookies.set("quartier_jury", code)
    for stars in ("²", "99999999999999999999", "2147483648"):
        answer = client.post(
            f"/w/{workshop['code']}/d/{uuid}/stars",
            data={"csrf": csrf(client), "stars": stars},
            headers={"accept-language": "de"},
        )
        assert answer.status_code == 422, answer.text
        assert text("de", "server.stars_range") in answer.text
    assert client.get("/healthz").status_code == 200


# --- L7: a hidden design's picture is never kept by a cache -----------------------------------


def test_l7_a_hidden_designs_picture_is_not_cacheable(api, client):
    workshop = api.workshop(moderation="post")
    uuid, _ = api.submit(api.join(workshop, "Fox"))
    image = f"/api/v1/submissions/{uuid}/image.png"
    assert client.get(image).headers["cache-control"].startswith("public")
    api.moderate(uuid, "hide")
    api.sign_in()  # the moderator's cookie, as the desk shows the picture
    hidden = client.get(image)
    assert hidden.status_code == 200 and hidden.content.startswith(b"\x89PNG")
    assert hidden.headers["cache-control"] == "private, no-store"


# --- L10: hidden characters in a title --------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "named"), [("Park\u202egpj.exe", "U+202E"), ("Pa\u200brk", "U+200B")]
)
def test_l10_a_title_with_hidden_characters_is_refused_naming_the_character(
    title, named, api, client
):
    workshop = api.workshop(moderation="post")
    design = json.dumps({**json.loads(design_text()), "title": title})
    refused = put(client, api.join(workshop, "Fox"), design)
    assert refused.status_code == 422, refused.text
    assert named in refused.json()["error"]["message"]


# --- L5: a full disk, a store that cannot be written ------------------------------------------


@contextlib.contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """`paths` refuse every write for real while the block runs. File modes do not stop root,
    so as root they are made immutable (chattr +i), which refuses writes even through files
    already open; for anyone else the write bits go."""
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True, timeout=30)
    else:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True, timeout=30)
        else:
            for path in paths:
                path.chmod(0o755 if path.is_dir() else 0o644)


def server_log() -> str:
    """What the test's own servers logged (they share the test's QUARTIER_HOME)."""
    return (logs_dir() / "server.log").read_text(encoding="utf-8")


def test_l5_serve_on_a_data_folder_that_cannot_be_written_says_so_in_one_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with unwritable(data):
        said = refused_start(LiveServer(data, None))
    assert text("en", "server.store_read_only") in said
    assert "Traceback" not in said and "OperationalError" not in said


def session_processes(session: int) -> list[int]:
    """The processes of a session (the server started with `start_new_session`: it, its fork
    server and its worker processes, which draw the pictures)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # after the command's ")": state, parent, process group, session
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) == session:
                found.append(int(stat.parent.name))
    return found


def test_l5_a_full_store_while_serving_is_said_in_words_and_the_log_names_the_cause(
    tmp_path, db_url
):
    """The server process may grow no file beyond a limit (RLIMIT_FSIZE: its writes fail with
    EFBIG, as on a file system at its limit) that leaves its log room for a few lines but is
    smaller than a picture and SQLite's write-ahead log. The picture cache is full (507) on both
    databases; SQLite's own write fails too (503: SQLite does not tell its caller why)."""
    server = LiveServer(tmp_path / "live", db_url).start()
    try:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            api = Api(client)
            who = api.join(api.workshop(moderation="post"), "Fox")
            uuid, design = api.submit(who)
            image = f"/api/v1/submissions/{uuid}/image.png"
            assert client.get(image).status_code == 200  # rendered and cached: no render runs
            pictures = list((server.data_dir / "images").iterdir())
            limit = (logs_dir() / "server.log").stat().st_size + 16_384
            assert max(picture.stat().st_size for picture in pictures) > limit
            for picture in pictures:
                picture.unlink()
            assert server.process is not None
            for pid in session_processes(server.process.pid):  # its worker processes too
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, limit))
            full = client.get(image, headers={"accept-language": "de"})
            assert full.status_code == 507, full.text
            assert full.json()["error"] == {
                "code": "disk_full",
                "message": text("de", "server.disk_full"),
            }
            again = put(client, who, design.replace('"title": "Park"', '"title": "Parc"'))
            if db_url is None:
                assert again.status_code == 503, again.text
                assert again.json()["error"]["code"] == "store_write_failed"
            else:  # PostgreSQL writes in its own processes, which have room
                assert again.status_code == 201, again.text
            assert client.get("/healthz").status_code == 200
    finally:
        server.kill()
    log = server_log()
    assert "refused a write (disk_full): The disk is full" in log and uuid in log
    if db_url is None:
        assert "refused a write (store_write_failed): (sqlite3.OperationalError) disk I/O" in log


def test_l5_a_picture_folder_turned_read_only_while_serving_answers_503(tmp_path):
    server = LiveServer(tmp_path / "live", None).start()
    images = server.data_dir / "images"
    try:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            api = Api(client)
            uuid, _ = api.submit(api.join(api.workshop(moderation="post"), "Fox"))
            image = f"/api/v1/submissions/{uuid}/image.png"
            assert client.get(image).status_code == 200
            for picture in images.iterdir():
                picture.unlink()
            with unwritable(images):
                refused = client.get(image)
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["message"] == text("en", "server.store_read_only")
    finally:
        server.kill()
    assert "store_read_only" in server_log()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_l5_a_database_turned_read_only_while_serving_answers_503(tmp_path, db_url):
    """PostgreSQL switched to read-only (as a failover to a standby would) under a running server:
    its connections are ended, the next ones may only read."""
    server = LiveServer(tmp_path / "live", db_url).start()
    try:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            api = Api(client)
            workshop = api.workshop()
            engine = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                database = connection.exec_driver_sql("SELECT current_database()").scalar()
                connection.exec_driver_sql(
                    f"ALTER DATABASE {database} SET default_transaction_read_only = on"
                )
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            engine.dispose()
            refused = client.post(
                "/api/v1/workshops", json={"title": "Platz", "level_id": "demo"}, headers=api.mod
            )
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "store_read_only"
            assert client.get(f"/api/v1/workshops/{workshop['id']}").status_code == 200
    finally:
        server.kill()
    assert "read-only transaction" in server_log()
