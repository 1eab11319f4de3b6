"""L1/L2 (issue 13): guessing the moderator token is locked out per address, whatever is guessed;
a short token is refused at start; a new token ends the desks signed in with the old one."""

import httpx
import pytest
from live_server import MODERATOR, LiveServer

from game.core.errors import QuartierError
from server_sync.deps import GUESSES_PER_WINDOW
from server_sync.security import RateLimiter


def test_guessing_the_token_through_the_api_is_locked_out_per_address(tmp_path):
    server = LiveServer(tmp_path / "live", None).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            statuses = [
                client.post(
                    "/api/v1/workshops",
                    json={"title": "x", "level_id": "demo"},
                    headers={"Authorization": f"Bearer guess-{i:04d}-abcdefghijklmnop"},
                ).status_code
                for i in range(GUESSES_PER_WINDOW + 5)
            ]
            right = client.post(
                "/api/v1/workshops",
                json={"title": "x", "level_id": "demo"},
                headers={"Authorization": f"Bearer {MODERATOR}"},
            )
    finally:
        server.kill()
    assert statuses[:GUESSES_PER_WINDOW] == [401] * GUESSES_PER_WINDOW
    assert set(statuses[GUESSES_PER_WINDOW:]) == {429}
    assert right.status_code == 429  # even the right token waits: a lockout, not a hint


def test_a_pupil_sending_their_own_token_to_a_moderator_route_locks_nobody_out(server):
    """A participant's valid token on a moderator route is a mistake (a curious pupil, a client
    bug), not a guess at the moderator token: it must not lock out the class's address."""
    workshop = server.workshop()
    pupil = server.join(workshop, "Fox")
    for _ in range(GUESSES_PER_WINDOW + 5):
        refused = server.client.patch(
            f"/api/v1/workshops/{workshop['id']}", json={"phase": "voting"}, headers=pupil
        )
        assert refused.status_code == 401
    server.phase(workshop, "voting")  # the teacher, from the same address, is not locked out


def test_guessing_on_the_sign_in_page_is_locked_out_too(server):
    client = server.client
    client.get("/")
    csrf = client.cookies["quartier_csrf"]
    statuses = []
    for i in range(GUESSES_PER_WINDOW + 2):
        response = client.post(
            "/moderate/login", data={"token": f"wrong-{i}", "csrf": csrf}, follow_redirects=False
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429 and statuses.count(429) == 2


def test_a_short_moderator_token_is_refused_at_start(tmp_path):
    from server_sync.app import create_app
    from server_sync.settings import Settings

    with pytest.raises(QuartierError) as refused:
        create_app(Settings(data_dir=tmp_path, moderator_token="x"))
    assert "16" in refused.value.message("en") and "16" in refused.value.message("de")


def test_a_new_token_ends_the_desks_signed_in_with_the_old_one(tmp_path):
    from server_sync.app import create_app
    from server_sync.services.moderation import session_desk, sign_in
    from server_sync.settings import Settings

    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    sessions = app.state.server.sessions
    with sessions() as session:
        cookie, _ = sign_in(session, MODERATOR)
        assert session_desk(session, cookie)
    app.state.server.engine.dispose()
    again, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    with again.state.server.sessions() as session:
        assert session_desk(session, cookie)  # same token: the desk stays signed in
    again.state.server.engine.dispose()
    rotated, _ = create_app(Settings(data_dir=tmp_path, moderator_token="n" * 40))
    with rotated.state.server.sessions() as session:
        assert not session_desk(session, cookie)
    rotated.state.server.engine.dispose()


def test_made_up_keys_do_not_hold_memory_beyond_one_window():
    now = [0.0]
    limiter = RateLimiter(5, window=60, clock=lambda: now[0])
    for i in range(10_000):
        limiter.check(f"junk-{i}")
    now[0] = 121.0
    limiter.check("later")
    assert limiter.keys() == 1
