"""Every endpoint and every refusal of the collection server, on SQLite and PostgreSQL."""

import json
import re

import pytest


def error(response) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"] and "Traceback" not in response.text
    return body["error"]["code"]


def test_healthz_and_openapi_are_served(server):
    assert server.client.get("/healthz").json() == {"ok": True}
    paths = server.client.get("/openapi.json").json()["paths"]
    assert "/api/v1/submissions/{uuid}" in paths and "/api/v1/join" in paths


def test_moderator_creates_a_workshop_with_a_readable_code(server):
    w = server.workshop(votes_per_participant=2, moderation="post")
    assert len(w["code"]) == 6 and not set(w["code"]) & set("01OIL")
    assert w["phase"] == "building" and w["votes_per_participant"] == 2
    assert server.client.get(f"/api/v1/workshops/{w['id']}", headers=server.mod).json() == w
    assert server.client.get(f"/api/v1/workshops/{w['id']}").json() == {**w, "code": ""}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_creating_a_workshop_needs_the_moderator_token(server, headers):
    response = server.client.post(
        "/api/v1/workshops", json={"title": "x", "level_id": "demo"}, headers=headers
    )
    assert response.status_code == 401 and error(response) == "not_moderator"


def test_a_workshop_on_an_unknown_level_is_refused(server):
    response = server.client.post(
        "/api/v1/workshops", json={"title": "x", "level_id": "atlantis"}, headers=server.mod
    )
    assert response.status_code == 422 and error(response) == "unknown_level"


def test_building_is_reopened_only_while_no_vote_was_cast(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    server.phase(w, "building")  # a mistake, undone before anyone voted
    server.phase(w, "voting")
    server.vote(owl, uuid)
    response = server.client.patch(
        f"/api/v1/workshops/{w['id']}", json={"phase": "building"}, headers=server.mod
    )
    assert response.status_code == 409 and error(response) == "phase_votes_cast"
    assert "(1)" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "pseudonym, code",
    [
        ("A", "pseudonym_length"),
        ("x" * 25, "pseudonym_length"),
        ("anna@example.org", "pseudonym_contact"),
        ("0151 2345678", "pseudonym_contact"),
        ("www.mypage.de", "pseudonym_contact"),
        ("F.u.c.k", "pseudonym_word"),
        ("<script>", "pseudonym_characters"),
    ],
)
def test_pseudonyms_with_contacts_links_or_rude_words_are_refused(server, pseudonym, code):
    w = server.workshop()
    response = server.client.post("/api/v1/join", json={"code": w["code"], "pseudonym": pseudonym})
    assert response.status_code == 422 and error(response) == code


def test_joining_gives_a_long_random_token_and_names_are_unique_per_workshop(server):
    w = server.workshop()
    response = server.client.post(
        "/api/v1/join", json={"code": w["code"].lower(), "pseudonym": "Skillz"}
    )
    assert response.status_code == 201 and len(response.json()["token"]) >= 43
    again = server.client.post("/api/v1/join", json={"code": w["code"], "pseudonym": "Skillz"})
    assert again.status_code == 409 and error(again) == "pseudonym_taken"
    wrong = server.client.post("/api/v1/join", json={"code": "ZZZZZZ", "pseudonym": "Fox"})
    assert wrong.status_code == 404 and error(wrong) == "wrong_code"


def test_a_submission_is_idempotent_and_a_new_version_is_a_new_revision(server, make_design):
    w = server.workshop()
    fox = server.join(w, "Fox")
    uuid, text = server.submit(fox)
    again = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=fox)
    assert again.status_code == 200 and again.json()["revision"] == 1
    changed = json.loads(text)
    changed["title"] = "Better park"
    newer = server.client.put(
        f"/api/v1/submissions/{uuid}", content=json.dumps(changed), headers=fox
    )
    assert newer.status_code == 201 and newer.json()["revision"] == 2
    listed = server.client.get(
        f"/api/v1/workshops/{w['id']}/submissions", headers=server.mod
    ).json()
    assert [s["title"] for s in listed] == ["Better park"]
    assert listed[0]["metrics"]["dwellings"] >= 0 and listed[0]["pseudonym"] == "Fox"


def test_someone_elses_design_cannot_be_overwritten(server):
    w = server.workshop()
    uuid, text = server.submit(server.join(w, "Fox"))
    response = server.client.put(
        f"/api/v1/submissions/{uuid}", content=text, headers=server.join(w, "Owl")
    )
    assert response.status_code == 403 and error(response) == "not_yours"


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda d: d["level"].update(sha256="0" * 64), "invalid_design"),
        (lambda d: d["level"].update(id="tutorial"), "wrong_level"),
        (lambda d: d["changes"].update(count=10**9), "invalid_design"),
        (lambda d: d.update(title=7), "invalid_design"),
    ],
)
def test_designs_that_do_not_fit_the_level_are_refused_with_a_reason(
    server, make_design, mutate, code
):
    w = server.workshop()
    raw = json.loads(make_design())
    mutate(raw)
    response = server.client.put(
        f"/api/v1/submissions/{raw['id']}", content=json.dumps(raw), headers=server.join(w, "Fox")
    )
    assert response.status_code == 422 and error(response) == code


def test_a_design_sent_to_another_address_or_broken_json_is_refused(server, make_design):
    w = server.workshop()
    fox = server.join(w, "Fox")
    wrong = server.client.put(
        "/api/v1/submissions/00000000-0000-4000-8000-000000000000",
        content=make_design(),
        headers=fox,
    )
    assert wrong.status_code == 422 and error(wrong) == "uuid_mismatch"
    broken = server.client.put("/api/v1/submissions/x", content=b"{not json", headers=fox)
    assert broken.status_code == 422 and error(broken) == "invalid_design"


def test_bodies_over_2_mb_are_refused_before_they_are_read(server):
    w = server.workshop()
    fox = server.join(w, "Fox")
    big = server.client.put(
        "/api/v1/submissions/x", content=b"x" * (2 * 1024 * 1024 + 1), headers=fox
    )
    assert big.status_code == 413 and error(big) == "too_large"

    def chunks():
        for _ in range(40):
            yield b"y" * 65536

    chunked = server.client.put("/api/v1/submissions/x", content=chunks(), headers=fox)
    assert chunked.status_code == 413


def test_pre_moderation_hides_until_approved_and_hidden_designs_disappear(server):
    w = server.workshop()
    uuid, _ = server.submit(server.join(w, "Fox"))
    public = f"/api/v1/workshops/{w['id']}/submissions"
    assert server.client.get(public).json() == []
    assert server.client.get(f"/api/v1/submissions/{uuid}").status_code == 404
    server.approve(uuid)
    assert [s["uuid"] for s in server.client.get(public).json()] == [uuid]
    assert server.client.get(f"/api/v1/submissions/{uuid}").json()["design"]["id"] == uuid
    hide = server.client.post(
        f"/api/v1/submissions/{uuid}/moderation",
        json={"action": "hide", "reason": "later"},
        headers=server.mod,
    )
    assert hide.json()["status"] == "hidden"
    assert server.client.get(public).json() == []
    assert server.client.get(f"/api/v1/submissions/{uuid}/image.png").status_code == 404


def test_post_moderation_shows_designs_at_once(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    assert [
        s["uuid"] for s in server.client.get(f"/api/v1/workshops/{w['id']}/submissions").json()
    ] == [uuid]


def test_images_are_rendered_by_the_server_from_the_design(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    for view in ("iso", "top"):
        response = server.client.get(f"/api/v1/submissions/{uuid}/image.png?view={view}")
        assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert server.client.get(f"/api/v1/submissions/{uuid}/image.png?view=side").status_code == 422


def test_votes_only_while_voting_three_at_most_one_per_design(server):
    w = server.workshop(moderation="post")
    authors = [server.join(w, f"Author{i}") for i in range(5)]
    designs = [server.submit(a, x=48 + 6 * i)[0] for i, a in enumerate(authors)]
    voter = server.join(w, "Voter")
    vote = lambda uuid: server.client.put(f"/api/v1/submissions/{uuid}/vote", headers=voter)  # noqa: E731
    early = vote(designs[0])
    assert early.status_code == 409 and error(early) == "not_voting"
    server.phase(w, "voting")
    assert [vote(d).json()["votes_left"] for d in designs[:3]] == [2, 1, 0]
    assert vote(designs[0]).json()["votes_left"] == 0  # voting twice for one design changes nothing
    fourth = vote(designs[3])
    assert fourth.status_code == 409 and error(fourth) == "no_votes_left"
    back = server.client.delete(f"/api/v1/submissions/{designs[0]}/vote", headers=voter)
    assert back.json()["votes_left"] == 1
    assert vote(designs[3]).json()["votes_left"] == 0
    own = server.client.put(f"/api/v1/submissions/{designs[0]}/vote", headers=authors[0])
    assert own.status_code == 403 and error(own) == "own_design"


def test_results_are_for_the_moderator_until_closed_and_never_say_who_voted(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    server.client.put(f"/api/v1/submissions/{uuid}/vote", headers=owl)
    results = f"/api/v1/workshops/{w['id']}/results"
    assert server.client.get(results).status_code == 403
    assert server.client.get(results, headers=server.mod).json() == [
        {
            "rank": 1,
            "uuid": uuid,
            "title": "Park",
            "pseudonym": "Fox",
            "votes": 1,
            "jury_stars": None,
            "jury_ratings": 0,
        }
    ]
    server.phase(w, "closed")
    public = server.client.get(results)
    assert public.status_code == 200 and "Owl" not in public.text


def test_equal_votes_share_a_rank_and_the_results_page_shows_each_picture(server):
    """A class looks at the results together: a tie is a tie (1, 1, 3), not decided by the
    alphabet, and every design is shown with its picture."""
    w = server.workshop(moderation="post", votes_per_participant=2)
    fox, owl, cat = (server.join(w, name) for name in ("Fox", "Owl", "Cat"))
    zoo, _ = server.submit(fox, "Zoo", 40)
    alm, _ = server.submit(owl, "Alm", 50)
    bad, _ = server.submit(cat, "Bad", 60)
    server.phase(w, "voting")
    for voter, uuid in ((cat, zoo), (cat, alm), (fox, alm), (owl, zoo), (fox, bad)):
        server.vote(voter, uuid)
    server.phase(w, "closed")
    rows = server.client.get(f"/api/v1/workshops/{w['id']}/results").json()
    assert [(r["title"], r["votes"], r["rank"]) for r in rows] == [
        ("Alm", 2, 1),
        ("Zoo", 2, 1),
        ("Bad", 1, 3),
    ]
    page = server.client.get(f"/w/{w['code']}/results").text
    ranks = re.findall(r'<td class="rank">(\d+)</td>', page)
    assert ranks == ["1", "1", "3"]
    for uuid in (zoo, alm, bad):
        assert f'src="/api/v1/submissions/{uuid}/image.png?view=zone"' in page
        assert server.client.get(f"/api/v1/submissions/{uuid}/image.png").status_code == 200


def test_submissions_after_the_building_phase_are_kept_for_the_moderator(server, make_design):
    w = server.workshop(moderation="post")
    fox = server.join(w, "Fox")
    server.phase(w, "voting")
    raw = json.loads(make_design())
    late = server.client.put(
        f"/api/v1/submissions/{raw['id']}", content=json.dumps(raw), headers=fox
    )
    assert late.status_code == 202 and late.json()["status"] == "late"
    assert server.client.get(f"/api/v1/workshops/{w['id']}/submissions").json() == []


def test_every_moderation_action_is_in_the_audit_log(server):
    from sqlalchemy import select

    from server_sync.models import AuditEntry

    w = server.workshop()
    uuid, _ = server.submit(server.join(w, "Fox"))
    server.approve(uuid)
    server.client.post(
        f"/api/v1/submissions/{uuid}/moderation",
        json={"action": "reject", "reason": "rude"},
        headers=server.mod,
    )
    with server.client.app.state.server.sessions() as session:
        actions = [
            (e.action, e.detail)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert (
        ("approve", "") in actions
        and ("reject", "rude") in actions
        and actions[0][0] == "create_workshop"
    )


def test_errors_speak_german_when_asked(server):
    response = server.client.post(
        "/api/v1/join",
        json={"code": "ZZZZZZ", "pseudonym": "Fuchs"},
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    assert "Lehrkraft" in response.json()["error"]["message"]


def test_responses_carry_security_headers_and_no_cors_permission(server):
    response = server.client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in response.headers


def test_nothing_stores_real_names_emails_or_addresses():
    from server_sync.models import Base

    columns = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    assert not columns & {"email", "name", "real_name", "ip", "address", "ip_address", "token"}


def test_too_many_requests_get_429_with_retry_after(tmp_path):
    from fastapi.testclient import TestClient

    from server_sync.app import create_app
    from server_sync.settings import Settings

    app, _ = create_app(
        Settings(data_dir=tmp_path / "limited", rate_limit=5, moderator_token="m" * 40)
    )
    with TestClient(app) as client:
        codes = [
            client.post("/api/v1/join", json={"code": "ZZZZZZ", "pseudonym": "Fox"}).status_code
            for _ in range(60)
        ]
        limited = client.get("/api/v1/workshops/1", headers={"Authorization": "Bearer someone"})
        for _ in range(5):
            limited = client.get("/api/v1/workshops/1", headers={"Authorization": "Bearer someone"})
    assert 429 in codes and codes[0] == 404
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert error(limited) == "rate_limited"


def test_an_unexpected_failure_is_a_json_500_without_a_stack_trace(server, monkeypatch):
    import server_sync.services.workshops as workshops

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(workshops, "workshop_or_404", broken)
    response = server.client.get("/api/v1/workshops/1")
    assert response.status_code == 500 and error(response) == "internal"
    assert "secret internals" not in response.text and "RuntimeError" not in response.text


def test_a_missing_cached_picture_is_rendered_again_from_the_stored_design(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    images = server.client.app.state.server.data_dir / "images"
    for path in images.glob(f"{uuid}-*.png"):
        path.unlink()  # as if the server had stopped before its background rendering
    response = server.client.get(f"/api/v1/submissions/{uuid}/image.png?view=top")
    assert response.status_code == 200 and response.content[:4] == b"\x89PNG"
    assert (images / f"{uuid}-r1-top.png").exists()


def test_a_vote_never_waits_for_a_connection_that_another_request_holds(server):
    """On SQLite votes run on the event loop; waiting there for the pool would block the loop that frees it."""
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    with server.client.app.state.server.engine.connect() as held:  # e.g. a page being rendered
        held.exec_driver_sql("SELECT 1")
        assert server.client.put(f"/api/v1/submissions/{uuid}/vote", headers=owl).status_code == 200
