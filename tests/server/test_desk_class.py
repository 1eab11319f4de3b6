"""The teacher's desk for a class of 30 (#14): approve all waiting, phase changes that ask first
and can be undone while still fair, designs that arrive late, and teacher codes for one
workshop's desk. On SQLite and PostgreSQL (the `server` fixture)."""

import json
import re

from live_server import csrf, design_text
from sqlalchemy import select

from game.core.design import parse_design
from game.sync.client import SyncClient
from game.sync.credentials import Participant as Credentials
from game.sync.status import status_for_student
from server_sync.models import AuditEntry, ModeratorSession, Revision, TeacherCode
from server_sync.services import jury


def db(server):
    return server.client.app.state.server.sessions()


def error(response) -> str:
    return response.json()["error"]["code"]


def put(server, who, text):
    return server.client.put(
        f"/api/v1/submissions/{json.loads(text)['id']}", content=text, headers=who
    )


def statuses(server, w) -> dict[str, str]:
    listed = server.client.get(f"/api/v1/workshops/{w['id']}/submissions", headers=server.mod)
    return {s["uuid"]: s["status"] for s in listed.json()}


def form(server, path, **fields):
    return server.client.post(path, data={"csrf": csrf(server.client), **fields})


# 1. Approve all waiting


def test_approve_all_approves_exactly_the_designs_that_were_shown(server):
    w = server.workshop()
    fox, owl = server.join(w, "Fox"), server.join(w, "Owl")
    park, _ = server.submit(fox, "Park", 50)
    pond, _ = server.submit(owl, "Pond", 60)
    shown = server.client.get(f"/api/v1/workshops/{w['id']}/submissions", headers=server.mod)
    seen = [{"uuid": s["uuid"], "revision": s["revision"]} for s in shown.json()]
    # Meanwhile a new design arrives, and Owl sends a new version of the pond.
    school, _ = server.submit(fox, "School", 70)
    newer = json.loads(design_text("Pond", 61))
    newer["id"] = pond
    assert put(server, owl, json.dumps(newer)).status_code == 201

    answer = server.client.post(
        f"/api/v1/workshops/{w['id']}/approve-all", json={"designs": seen}, headers=server.mod
    )
    assert answer.status_code == 200 and answer.json() == {"approved": [park]}
    assert statuses(server, w) == {park: "approved", pond: "pending", school: "pending"}
    with db(server) as session:
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "approve_all"))
        assert [a.submission_uuid for a in logged] == [park]


def test_the_desk_button_shows_the_count_and_approves_what_the_page_listed(server):
    w = server.workshop()
    fox = server.join(w, "Fox")
    uuids = [server.submit(fox, f"Design {n}", 40 + 5 * n)[0] for n in range(3)]
    server.sign_in()
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert "Approve all waiting (3)" in desk
    seen = re.search(r'name="seen" value="([^"]*)"', desk).group(1)
    late_arrival, _ = server.submit(fox, "Arrived since", 80)
    done = form(server, f"/moderate/w/{w['id']}/approve-all", seen=seen)
    assert done.status_code == 200 and "Nothing is waiting" not in done.text
    assert statuses(server, w) == {**dict.fromkeys(uuids, "approved"), late_arrival: "pending"}


# 2. Phase changes ask first and can be undone while fair


def test_a_phase_change_on_the_desk_asks_first_and_works_without_javascript(server):
    w = server.workshop()
    server.sign_in()
    asked = server.client.get(f"/moderate/w/{w['id']}/phase", params={"phase": "voting"})
    assert asked.status_code == 200 and "Open voting?" in asked.text
    assert "<script>" not in asked.text and "Yes, open voting" in asked.text
    unconfirmed = form(server, f"/moderate/w/{w['id']}/phase", phase="voting")
    assert "Open voting?" in unconfirmed.text  # an old or hand-made form asks too
    assert server.client.get(f"/api/v1/workshops/{w['id']}").json()["phase"] == "building"
    done = form(server, f"/moderate/w/{w['id']}/phase", phase="voting", confirmed="yes")
    assert "Now: Voting" in done.text and "Reopen building" in done.text
    undone = form(server, f"/moderate/w/{w['id']}/phase", phase="building", confirmed="yes")
    assert "Now: Building" in undone.text
    with db(server) as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("phase_%"))
        ).all()
        assert actions == ["phase_voting", "phase_building"]


def test_building_cannot_be_reopened_after_a_vote_or_a_jury_rating(server):
    w = server.workshop(moderation="post")
    park, _ = server.submit(server.join(w, "Fox"), "Park")
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    server.vote(owl, park)
    server.sign_in()
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert "Reopen building" not in desk and "Building cannot be reopened" in desk
    refused = form(server, f"/moderate/w/{w['id']}/phase", phase="building", confirmed="yes")
    assert (
        refused.status_code == 409 and "votes or jury stars have already been given" in refused.text
    )
    assert server.client.get(f"/api/v1/workshops/{w['id']}").json()["phase"] == "voting"

    rated = server.workshop(moderation="post")
    pond, _ = server.submit(server.join(rated, "Fox"), "Pond")
    server.phase(rated, "voting")
    with db(server) as session:
        ((_label, code),) = jury.issue_jury_codes(session, rated["id"], 1)
        member, workshop = jury.member_with_code(session, code)
        jury.rate(session, workshop, member, pond, 4)
    again = server.client.patch(
        f"/api/v1/workshops/{rated['id']}", json={"phase": "building"}, headers=server.mod
    )
    assert again.status_code == 409 and error(again) == "phase_votes_cast"


def test_voting_reopens_after_a_close_by_mistake_and_every_vote_stays(server):
    w = server.workshop(moderation="post")
    park, _ = server.submit(server.join(w, "Fox"), "Park")
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    server.vote(owl, park)
    server.phase(w, "closed")
    server.sign_in()
    asked = server.client.get(f"/moderate/w/{w['id']}/phase", params={"phase": "voting"})
    assert "Every vote stays" in asked.text
    form(server, f"/moderate/w/{w['id']}/phase", phase="voting", confirmed="yes")
    results = server.client.get(f"/api/v1/workshops/{w['id']}/results", headers=server.mod)
    assert [r["votes"] for r in results.json()] == [1]
    assert server.client.get(f"/api/v1/workshops/{w['id']}").json()["phase"] == "voting"


# 3. Designs that arrive after voting started


def test_a_design_sent_after_voting_started_is_kept_for_the_teacher_and_can_be_admitted(server):
    w = server.workshop(moderation="post")
    fox, owl = server.join(w, "Fox"), server.join(w, "Owl")
    park, _ = server.submit(fox, "Park", 50)
    server.phase(w, "voting")
    text = design_text("Late pond", 60)
    late = put(server, owl, text)
    assert late.status_code == 202 and late.json()["status"] == "late"
    pond = late.json()["uuid"]
    again = put(server, owl, text)  # the outbox sending again changes nothing
    assert again.status_code == 202 and again.json()["revision"] == 1

    public = server.client.get(f"/api/v1/workshops/{w['id']}/submissions").json()
    assert [s["uuid"] for s in public] == [park]
    assert server.client.get(f"/api/v1/submissions/{pond}").status_code == 404
    vote = server.client.put(f"/api/v1/submissions/{pond}/vote", headers=fox)
    assert vote.status_code == 404
    assert pond not in server.client.get(f"/w/{w['code']}").text

    server.sign_in()
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert "Arrived after voting started (1)" in desk and "Admit “Late pond” to the gallery" in desk
    form(server, f"/moderate/s/{pond}", action="approve")
    assert statuses(server, w)[pond] == "approved"
    assert server.client.put(f"/api/v1/submissions/{pond}/vote", headers=fox).status_code == 200


def test_a_late_new_version_is_kept_while_the_gallery_keeps_the_version_voted_on(server):
    w = server.workshop(moderation="post")
    fox = server.join(w, "Fox")
    park, _ = server.submit(fox, "Park", 50)
    server.phase(w, "voting")
    newer = json.loads(design_text("Park with trees", 52))
    newer["id"] = park
    late = put(server, fox, json.dumps(newer))
    assert late.status_code == 202 and late.json() == {
        "uuid": park,
        "revision": 2,
        "status": "late",
    }
    shown = server.client.get(f"/api/v1/submissions/{park}").json()
    assert shown["revision"] == 1 and shown["title"] == "Park" and shown["status"] == "approved"
    with db(server) as session:
        kept = session.scalars(select(Revision.revision).where(Revision.uuid == park)).all()
        assert sorted(kept) == [1, 2]
    server.sign_in()
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert "a newer version (2) came late and is kept" in desk


def test_reopening_building_turns_late_designs_into_designs_sent_in_time(server):
    w = server.workshop()
    owl = server.join(w, "Owl")
    server.phase(w, "voting")
    late = put(server, owl, design_text("Pond", 60))
    assert late.json()["status"] == "late"
    server.phase(w, "building")
    assert statuses(server, w) == {late.json()["uuid"]: "pending"}


def test_the_editors_outbox_delivers_a_late_design_once_and_tells_the_pupil(server, tmp_path):
    from game.io import storage
    from game.sync.outbox import Outbox

    w = server.workshop()
    token = server.join(w, "Owl")["Authorization"].removeprefix("Bearer ")
    server.phase(w, "voting")
    outbox = Outbox(tmp_path / "outbox", storage)
    doc = parse_design(design_text("Late pond", 60))
    outbox.queue(doc)
    me = Credentials(str(server.client.base_url), token, "1", str(w["id"]), "Owl")
    with SyncClient(me, outbox, transport=server.client._transport) as client:
        report = client.send_pending()
        assert report.sent == [str(doc.id)] and report.refused == []
        assert client.send_pending().sent == []  # nothing left to retry
    told = status_for_student(doc.id, "en", outbox)
    assert told == "Sent after voting started. It is kept, and your teacher will look at it."


# 4. Teacher codes


def issue_teacher_code(server, w) -> str:
    issued = form(server, f"/moderate/w/{w['id']}/teachers")
    assert issued.status_code == 200 and "New teacher code" in issued.text
    found = re.search(r'class="code-small">([A-Z0-9-]+)<', issued.text)
    assert found is not None
    return found.group(1)


def sign_in_with(server, code: str):
    server.client.cookies.clear()
    return server.client.post(
        "/moderate/login",
        data={"csrf": csrf(server.client), "token": code.lower()},
        follow_redirects=False,
    )


def test_a_teacher_code_opens_its_own_workshops_desk_and_nothing_else(server):
    mine, other = server.workshop(title="7b"), server.workshop(title="8a")
    theirs, _ = server.submit(server.join(other, "Fox"), "Their park")
    server.sign_in()
    code = issue_teacher_code(server, mine)
    with db(server) as session:
        stored = session.scalars(select(TeacherCode.token_hash)).all()
        assert len(stored) == 1 and code not in stored[0] and len(stored[0]) == 64

    signed = sign_in_with(server, code)
    assert signed.status_code == 303 and signed.headers["location"] == f"/moderate/w/{mine['id']}"
    client = server.client
    assert client.get("/moderate", follow_redirects=False).headers["location"] == (
        f"/moderate/w/{mine['id']}"
    )
    desk = client.get(f"/moderate/w/{mine['id']}")
    assert desk.status_code == 200 and "7b" in desk.text
    assert client.get(f"/moderate/w/{mine['id']}/export.zip").status_code == 200
    assert "Teacher codes" not in desk.text and "All workshops" not in desk.text
    for path in ("", "/projector", "/compare", "/export.zip", "/phase?phase=voting"):
        refused = client.get(f"/moderate/w/{other['id']}{path}")
        assert refused.status_code == 403 and "another workshop" in refused.text, path
    for path, fields in (
        (f"/moderate/w/{other['id']}/phase", {"phase": "voting", "confirmed": "yes"}),
        (f"/moderate/w/{other['id']}/approve-all", {"seen": f"{theirs}:1"}),
        (f"/moderate/s/{theirs}", {"action": "approve"}),
        (f"/moderate/w/{other['id']}/jury", {"count": "1"}),
        (f"/moderate/w/{mine['id']}/teachers", {}),
        ("/moderate/workshops", {"title": "Mine now", "level_id": "demo"}),
    ):
        assert form(server, path, **fields).status_code == 403, path
    # Reading through the API with the desk's cookie: pending designs of its own workshop only.
    assert client.get(f"/api/v1/submissions/{theirs}").status_code == 404
    assert client.get(f"/api/v1/workshops/{other['id']}").json()["code"] == ""
    assert statuses(server, other) == {theirs: "pending"}
    assert client.get(f"/api/v1/workshops/{other['id']}").json()["phase"] == "building"


def test_a_teacher_code_in_the_api_reaches_its_own_workshop_only(server):
    mine, other = server.workshop(title="7b"), server.workshop(title="8a")
    ours, _ = server.submit(server.join(mine, "Owl"), "Our park")
    theirs, _ = server.submit(server.join(other, "Fox"), "Their park")
    server.sign_in()
    teacher = {"Authorization": f"Bearer {issue_teacher_code(server, mine)}"}
    api = server.client
    assert api.get(f"/api/v1/submissions/{ours}", headers=teacher).status_code == 200
    assert api.get(f"/api/v1/submissions/{theirs}", headers=teacher).status_code == 404
    seen = {"designs": [{"uuid": theirs, "revision": 1}]}
    refused = api.post(f"/api/v1/workshops/{other['id']}/approve-all", json=seen, headers=teacher)
    assert refused.status_code == 403 and error(refused) == "not_your_workshop"
    moderated = api.post(
        f"/api/v1/submissions/{theirs}/moderation", json={"action": "approve"}, headers=teacher
    )
    assert moderated.status_code == 403
    phase = api.patch(f"/api/v1/workshops/{other['id']}", json={"phase": "voting"}, headers=teacher)
    assert phase.status_code == 403
    created = api.post(
        "/api/v1/workshops", json={"title": "x", "level_id": "demo"}, headers=teacher
    )
    assert created.status_code == 403 and error(created) == "admin_only"
    assert statuses(server, other) == {theirs: "pending"}

    mine_seen = {"designs": [{"uuid": ours, "revision": 1}]}
    done = api.post(f"/api/v1/workshops/{mine['id']}/approve-all", json=mine_seen, headers=teacher)
    assert done.json() == {"approved": [ours]}
    assert (
        api.patch(
            f"/api/v1/workshops/{mine['id']}", json={"phase": "voting"}, headers=teacher
        ).json()["phase"]
        == "voting"
    )


def test_revoking_a_teacher_code_ends_its_desks_at_once(server):
    w = server.workshop()
    server.sign_in()
    code = issue_teacher_code(server, w)
    admin_cookie = server.client.cookies.get("quartier_moderator")
    assert sign_in_with(server, code).status_code == 303
    teacher_cookie = server.client.cookies.get("quartier_moderator")
    assert server.client.get(f"/moderate/w/{w['id']}").status_code == 200

    server.client.cookies.set("quartier_moderator", admin_cookie)
    with db(server) as session:
        code_id = session.scalar(select(TeacherCode.id))
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert "Revoke Teacher 1" in desk
    form(server, f"/moderate/w/{w['id']}/teachers/{code_id}/revoke")
    with db(server) as session:
        assert session.scalars(select(TeacherCode)).all() == []
        assert (
            session.scalar(
                select(ModeratorSession).where(ModeratorSession.teacher_code_id.is_not(None))
            )
            is None
        )
    server.client.cookies.set("quartier_moderator", teacher_cookie)
    assert "Moderator token or teacher code" in server.client.get(f"/moderate/w/{w['id']}").text
    teacher = {"Authorization": f"Bearer {code}"}
    assert (
        server.client.patch(
            f"/api/v1/workshops/{w['id']}", json={"phase": "voting"}, headers=teacher
        ).status_code
        == 401
    )


# 5. The class list: who is stuck, and what the teacher can do for one pupil


def pupil_row(page: str, pseudonym: str) -> str:
    found = re.search(rf'<th scope="row">{pseudonym}</th>(.*?)</tr>', page, re.S)
    assert found is not None, pseudonym
    return found.group(1)


def pupil_id(server, w, pseudonym: str) -> int:
    listed = server.client.get(f"/api/v1/workshops/{w['id']}/participants", headers=server.mod)
    return next(p["id"] for p in listed.json() if p["pseudonym"] == pseudonym)


def test_the_class_list_shows_each_pupil_with_designs_and_status(server):
    w = server.workshop(moderation="pre")
    fox, owl = server.join(w, "Fox"), server.join(w, "Owl")
    server.join(w, "Cat")
    shown, _ = server.submit(fox, "Park", 40)
    server.submit(owl, "Platz", 50)
    server.approve(shown)
    server.sign_in()
    page = server.client.get(f"/moderate/w/{w['id']}").text
    assert "Class (3)" in page
    assert "in the gallery" in pupil_row(page, "Fox") and ">1<" in pupil_row(page, "Fox")
    assert "sent, waiting" in pupil_row(page, "Owl")
    assert "still building" in pupil_row(page, "Cat") and ">0<" in pupil_row(page, "Cat")
    assert re.search(r"<td>\d\d:\d\d</td>", pupil_row(page, "Fox"))  # joined, last seen


def test_a_reset_signs_the_pupil_out_everywhere_and_shows_a_new_code_once(server):
    w = server.workshop()
    fox = server.join(w, "Fox")
    server.sign_in()
    reset = form(server, f"/moderate/w/{w['id']}/pupils/{pupil_id(server, w, 'Fox')}/reset")
    assert reset.status_code == 200 and "New personal code for Fox" in reset.text
    code = re.search(r'<p class="code-small">([A-Z0-9]{4}-[A-Z0-9]{4})</p>', reset.text).group(1)
    assert server.client.get("/api/v1/me", headers=fox).status_code == 401
    again = server.client.post("/api/v1/sign-in", json={"personal_code": code})
    assert again.status_code == 200 and again.json()["pseudonym"] == "Fox"
    assert code not in server.client.get(f"/moderate/w/{w['id']}").text  # shown only once


def test_a_rename_keeps_the_rules_and_shows_everywhere(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"), "Park", 40)
    server.join(w, "Max")
    server.sign_in()
    path = f"/moderate/w/{w['id']}/pupils/{pupil_id(server, w, 'Fox')}/rename"
    look_alike = form(server, path, pseudonym="Мах")  # Cyrillic: looks like Max
    assert look_alike.status_code == 409 and "Class (2)" in look_alike.text
    renamed = form(server, path, pseudonym="Luchs")
    assert renamed.status_code == 200 and "Luchs" in renamed.text
    assert server.client.get(f"/api/v1/submissions/{uuid}").json()["pseudonym"] == "Luchs"


def test_removing_needs_the_box_and_keeps_the_designs(server):
    w = server.workshop(moderation="post")
    fox, owl = server.join(w, "Fox"), server.join(w, "Owl")
    uuid, _ = server.submit(fox, "Park", 40)
    mine, _ = server.submit(owl, "Platz", 50)
    server.phase(w, "voting")
    server.vote(fox, mine)
    server.sign_in()
    path = f"/moderate/w/{w['id']}/pupils/{pupil_id(server, w, 'Fox')}/remove"
    unticked = form(server, path)
    assert unticked.status_code == 422 and "Please tick the box" in unticked.text
    removed = form(server, path, confirm="yes")
    assert removed.status_code == 200 and "Class (1)" in removed.text
    assert statuses(server, w)[uuid] == "hidden"  # kept, out of the gallery
    results = server.client.get(f"/api/v1/workshops/{w['id']}/results", headers=server.mod)
    assert {r["uuid"]: r["votes"] for r in results.json()} == {mine: 0}


def test_a_teacher_cannot_touch_another_classes_pupils(server):
    mine, other = server.workshop(title="7b"), server.workshop(title="8a")
    server.join(other, "Fox")
    server.join(mine, "Owl")
    theirs, ours = pupil_id(server, other, "Fox"), pupil_id(server, mine, "Owl")
    server.sign_in()
    code = issue_teacher_code(server, mine)
    api = server.client
    teacher = {"Authorization": f"Bearer {code}"}
    assert (
        api.get(f"/api/v1/workshops/{other['id']}/participants", headers=teacher).status_code == 403
    )
    assert api.post(f"/api/v1/participants/{theirs}/reset", headers=teacher).status_code == 403
    renamed = api.patch(
        f"/api/v1/participants/{theirs}", json={"pseudonym": "Owl"}, headers=teacher
    )
    assert renamed.status_code == 403
    assert api.delete(f"/api/v1/participants/{theirs}", headers=teacher).status_code == 403
    # ... while their own class is theirs to look after
    assert (
        api.get(f"/api/v1/workshops/{mine['id']}/participants", headers=teacher).status_code == 200
    )
    assert api.post(f"/api/v1/participants/{ours}/reset", headers=teacher).status_code == 200
    sign_in_with(server, code)
    for action, fields in (
        ("reset", {}),
        ("rename", {"pseudonym": "Owl"}),
        ("remove", {"confirm": "yes"}),
    ):
        # through their own workshop's address, with the other class's pupil
        refused = form(server, f"/moderate/w/{mine['id']}/pupils/{theirs}/{action}", **fields)
        assert refused.status_code == 404, action
    assert pupil_id(server, other, "Fox") == theirs  # still there, still named Fox
