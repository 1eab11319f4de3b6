"""The lean vote path (issue 15): the votes on the database driver and a route FastAPI only
describes still keep every rule, limit and header of the routes around them."""

import asyncio
import gc
import sqlite3
from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from live_server import MODERATOR, Api

from server_sync.app import create_app, ready_to_serve
from server_sync.deps import Lean
from server_sync.errors import ApiError
from server_sync.models import ParticipantToken, Vote, now, utc
from server_sync.routes import votes
from server_sync.security import SECURITY_HEADERS, token_hash
from server_sync.services import votes as ballot
from server_sync.settings import Settings


def voting(server, votes: int = 2) -> tuple[dict, str]:
    """A participant and an approved design of someone else, in the voting phase."""
    workshop = server.workshop(votes_per_participant=votes, moderation="post")
    author, voter = server.join(workshop, "Fox"), server.join(workshop, "Owl")
    uuid, _ = server.submit(author)
    server.approve(uuid)
    server.phase(workshop, "voting")
    return voter, f"/api/v1/submissions/{uuid}/vote"


def test_healthz_is_matched_before_every_router_and_answers_as_before(server):
    paths = [getattr(route, "path", None) for route in server.client.app.router.routes]
    assert paths.index("/healthz") == 1  # only FastAPI's own /openapi.json is before it
    answer = server.client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert answer.headers["content-type"] == "application/json"
    assert all(answer.headers[name] == value for name, value in SECURITY_HEADERS.items())
    assert server.client.post("/healthz").status_code == 405


def test_a_vote_answers_as_the_schema_says_with_the_security_headers(server):
    voter, url = voting(server)
    cast = server.client.put(url, headers=voter)
    assert cast.status_code == 200 and cast.json() == {"votes_left": 1}
    assert cast.headers["content-type"] == "application/json"
    assert all(cast.headers[name] == value for name, value in SECURITY_HEADERS.items())
    assert server.client.put(url, headers=voter).json() == {"votes_left": 1}  # counted once
    assert server.client.delete(url, headers=voter).json() == {"votes_left": 2}
    assert server.client.delete(url, headers=voter).json() == {"votes_left": 2}
    schema = server.client.get("/openapi.json").json()["paths"][url.replace(url[20:-5], "{uuid}")]
    assert set(schema) == {"put", "delete"}
    assert schema["put"]["parameters"][0]["name"] == "uuid"


def test_a_vote_is_refused_without_a_token_or_with_control_characters_in_its_address(server):
    voter, url = voting(server)
    refused = server.client.put(url)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_participant"
    wrong = server.client.put(url, headers={"Authorization": "Bearer nobody"})
    assert wrong.status_code == 401
    control = server.client.put("/api/v1/submissions/ab%00cd/vote", headers=voter)
    assert control.status_code == 422 and control.json()["error"]["code"] == "control_characters"
    query = server.client.put(url + "?x=%1b", headers=voter)
    assert query.status_code == 422


def test_votes_count_against_the_rate_limit_of_the_token_and_the_address(tmp_path):
    """`--rate-limit 3`: three requests a minute per token, thirty per address."""
    settings = Settings(data_dir=tmp_path, moderator_token=MODERATOR, rate_limit=3)
    app, _ = create_app(settings)
    with TestClient(app) as client:
        server = Api(client)
        voter, url = voting(server)  # the moderator's calls count for the address only
        statuses = [client.put(url, headers=voter).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.put(url, headers=voter)
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"
        others = [
            client.put(url, headers={"Authorization": f"Bearer made-up-{i}"}) for i in range(40)
        ]
        assert others[-1].status_code == 429  # made-up tokens do not get round the address's


def test_the_votes_are_lean_routes_matched_right_after_healthz(server):
    routes = server.client.app.router.routes
    assert routes[2].original_router is votes.router  # the first router included
    assert [type(route) for route in votes.router.routes] == [Lean, Lean]


class FullDisk:
    """A connection whose every statement fails as SQLite's does on a full disk."""

    def execute(self, *args):
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorname = "SQLITE_FULL"
        raise exc

    def rollback(self):
        pass


def test_a_full_disk_under_a_vote_is_a_clear_507_not_a_500(tmp_path):
    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    with TestClient(app, raise_server_exceptions=False) as client:
        voter, url = voting(Api(client))
        ballots = app.state.server.ballots
        real, ballots._db = ballots._db, FullDisk()
        try:
            refused = client.put(url, headers=voter)
        finally:
            ballots._db = real
        assert refused.status_code == 507 and refused.json()["error"]["code"] == "disk_full"
        assert client.put(url, headers=voter).status_code == 200


def test_only_an_accepted_vote_notes_the_device_also_in_postgresqls_autocommit(server):
    """A refusal after the checks of the target (own design, no votes left) writes nothing."""
    workshop = server.workshop(votes_per_participant=1, moderation="post")
    author, voter = server.join(workshop, "Fox"), server.join(workshop, "Owl")
    uuids = [server.submit(author, x=50)[0], server.submit(voter, x=60)[0]]
    other = server.submit(author, title="Hof", x=70)[0]
    for uuid in (*uuids, other):
        server.approve(uuid)
    server.phase(workshop, "voting")
    engine = server.client.app.state.server.engine
    long_ago = now() - timedelta(minutes=5)

    def seen() -> datetime:
        with engine.begin() as connection:
            return utc(connection.scalar(sa.select(sa.func.max(ParticipantToken.last_seen))))

    def stale() -> None:
        with engine.begin() as connection:
            connection.execute(sa.update(ParticipantToken).values(last_seen=long_ago))

    stale()
    own = server.client.put(f"/api/v1/submissions/{uuids[1]}/vote", headers=voter)
    assert own.status_code == 403 and seen() == utc(long_ago)
    assert (
        server.client.put(f"/api/v1/submissions/{uuids[0]}/vote", headers=voter).status_code == 200
    )
    assert seen() > utc(long_ago)
    stale()
    full = server.client.put(f"/api/v1/submissions/{other}/vote", headers=voter)
    assert full.status_code == 409 and seen() == utc(long_ago)


def test_votes_at_once_from_one_pupil_never_exceed_the_slots_and_a_refusal_spares_the_rest(server):
    """On PostgreSQL the votes run at once on the pool's connections, each one statement that
    skips a slot another took (ON CONFLICT DO NOTHING) and tries again; the vote for the
    pupil's own design among them is refused without touching the others."""
    workshop = server.workshop(votes_per_participant=3, moderation="post")
    author, voter = server.join(workshop, "Fox"), server.join(workshop, "Owl")
    designs = [server.submit(author, title=f"D{i}", x=48 + 3 * i)[0] for i in range(5)]
    own = server.submit(voter, title="Mine", x=66)[0]
    for uuid in (*designs, own):
        server.approve(uuid)
    server.phase(workshop, "voting")
    state = server.client.app.state.server
    hashed = token_hash(voter["Authorization"].removeprefix("Bearer "))
    targets = [*designs, own, *designs]

    async def at_once() -> list:
        calls = (ballot.run_vote(state.ballots, ballot.vote, hashed, uuid) for uuid in targets)
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = server.client.portal.call(at_once)
    refusal = answers[len(designs)]
    assert isinstance(refusal, ApiError) and refusal.status == 403
    with state.engine.begin() as connection:
        slots = dict(connection.execute(sa.select(Vote.submission_uuid, Vote.slot)).all())
    assert sorted(slots.values()) == [1, 2, 3] and set(slots) <= set(designs)
    for uuid, answer in zip(targets, answers, strict=True):
        if uuid in slots:
            assert answer in (0, 1, 2)
        elif uuid != own:
            assert isinstance(answer, ApiError) and answer.code == "no_votes_left"
    left = server.client.delete(f"/api/v1/submissions/{next(iter(slots))}/vote", headers=voter)
    assert left.json() == {"votes_left": 1}


def test_a_server_process_freezes_what_it_built_at_startup_out_of_the_collectors_sight(tmp_path):
    """Each full collection walked every object of the app (120–160 ms without an answer):
    the votes' slowest 1 %. After startup they are frozen; a request's garbage is not."""
    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    try:
        ready_to_serve(app)
        frozen = gc.get_freeze_count()
        assert frozen > 10_000 and gc.get_count()[2] == 0
        gc.collect()
        assert gc.get_freeze_count() == frozen  # collections leave the frozen objects alone
    finally:
        gc.unfreeze()
        app.state.server.engine.dispose()
