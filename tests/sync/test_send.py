"""Sending the outbox against docs/api.md: sent once, refusals with the reason, temporary failures wait."""

import json
import logging

import httpx
import pytest
from sync_fakes import SERVER, TOKEN, FakeServer, FakeTime, client_for

from game.core.design import new_design
from game.sync import status_for_student


def test_a_queued_design_is_sent_once_moves_to_sent_and_a_resend_of_the_same_content_is_harmless(
    level, caplog, outbox
):
    caplog.set_level(logging.DEBUG)
    doc = new_design(level, "test", title="Park", pseudonym="Fox")
    outbox.queue(doc)
    server = FakeServer(201, 200)

    report = client_for(server, outbox).send_pending()

    assert report.sent == [str(doc.id)] and not report.waiting and not report.refused
    [put] = server.puts
    assert str(put.url) == f"{SERVER}/api/v1/submissions/{doc.id}"
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert put.headers["Content-Type"] == "application/json"
    assert json.loads(put.content) == json.loads(doc.to_json())
    assert outbox.pending() == []
    assert (outbox.sent_dir / f"{doc.id}.design.json").read_text() == doc.to_json()
    assert json.loads((outbox.sent_dir / f"{doc.id}.receipt.json").read_text())["status"] == 201
    assert client_for(server, outbox).send_pending().outcomes == []  # nothing left: not sent twice

    outbox.queue(doc)  # the student presses "submit" again without changes
    again = client_for(server, outbox).send_pending()
    assert again.sent == [str(doc.id)] and again.outcome(doc.id).status == 200
    assert len(server.puts) == 2
    assert sorted(p.name for p in outbox.sent_dir.iterdir()) == [
        f"{doc.id}.design.json",
        f"{doc.id}.receipt.json",
    ]
    assert status_for_student(doc.id, "en", outbox) == "Sent."
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("status", [409, 422, 403, 413])
def test_a_permanent_refusal_moves_the_design_to_refused_and_the_student_is_told_why(
    level, status, outbox
):
    doc = new_design(level, "test")
    outbox.queue(doc)
    server = FakeServer((status, "This workshop builds on the level 'altstadt'."))

    report = client_for(server, outbox).send_pending()

    assert report.refused == [str(doc.id)]
    assert report.outcome(doc.id).reason == "This workshop builds on the level 'altstadt'."
    assert outbox.pending() == []
    assert (outbox.refused_dir / f"{doc.id}.design.json").read_text() == doc.to_json()
    note = json.loads((outbox.refused_dir / f"{doc.id}.refusal.json").read_text())
    assert note["status"] == status and note["code"] == "refused"
    assert note["message"] == "This workshop builds on the level 'altstadt'." and note["at"]
    reason = "This workshop builds on the level 'altstadt'."
    assert status_for_student(doc.id, "en", outbox) == f"Not accepted by the server: {reason}"
    assert status_for_student(doc.id, "de", outbox) == f"Vom Server nicht angenommen: {reason}"
    assert client_for(server, outbox).send_pending().outcomes == [] and len(server.puts) == 1


def test_a_refused_design_submitted_again_and_accepted_counts_as_sent(level, outbox):
    doc = new_design(level, "test")
    outbox.queue(doc)
    client_for(FakeServer((422, "Too tall.")), outbox).send_pending()
    fixed = doc.model_copy(update={"title": "Lower"})
    outbox.queue(fixed)
    assert (
        status_for_student(doc.id, "en", outbox)
        == "Waiting for a connection; it will be sent by itself."
    )
    client_for(FakeServer(201), outbox).send_pending()
    assert status_for_student(doc.id, "de", outbox) == "Gesendet."
    assert (outbox.refused_dir / f"{doc.id}.design.json").exists()  # the refused copy is kept


@pytest.mark.parametrize(
    "answer", [408, 425, 429, 500, 503, httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow")]
)
def test_a_temporary_failure_keeps_the_design_waiting_in_the_outbox(level, answer, outbox):
    doc = new_design(level, "test")
    outbox.queue(doc)
    report = client_for(FakeServer(answer), outbox).send_pending()
    assert report.waiting == [str(doc.id)]
    assert [d.id for d in outbox.pending()] == [doc.id]
    assert not outbox.sent_dir.exists() and not outbox.refused_dir.exists()
    assert (
        status_for_student(doc.id, "en", outbox)
        == "Waiting for a connection; it will be sent by itself."
    )
    assert (
        status_for_student(doc.id, "de", outbox)
        == "Wartet auf eine Verbindung und wird dann von selbst gesendet."
    )


def test_a_wifi_login_page_answering_200_is_not_taken_for_delivery(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    portal = FakeServer(httpx.Response(200, html="<html>Please log in to the school Wi-Fi</html>"))
    assert client_for(portal, outbox).send_pending().waiting == [str(doc.id)]
    assert outbox.pending()[0].id == doc.id


def test_a_refused_login_keeps_every_design_waiting_and_asks_to_join_again(level, outbox):
    first, second = new_design(level, "test"), new_design(level, "test")
    outbox.queue(first)
    outbox.queue(second)
    server = FakeServer((401, "Please join the workshop first."))
    fake = FakeTime()

    client = client_for(server, outbox, clock=fake.clock, sleep=fake.sleep)
    report = client.run_until_empty(deadline=100.0)

    assert sorted(report.waiting) == sorted([str(first.id), str(second.id)])
    assert report.auth_failed and report.problem().key == "sync.auth_refused"
    assert len(server.puts) == 1 and fake.sleeps == []
    assert len(outbox.pending()) == 2


def test_a_damaged_outbox_file_is_reported_and_left_in_place(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    broken = outbox.folder / "broken.design.json"
    broken.write_text("{")
    server = FakeServer(201)

    report = client_for(server, outbox).send_pending()

    assert report.sent == [str(doc.id)]
    assert [path for path, _ in report.damaged] == [broken]
    assert report.damaged[0][1].key == "error.bad_json"
    assert broken.read_text() == "{" and len(server.puts) == 1
    assert status_for_student("broken", "en", outbox).startswith(
        "The copy waiting to be sent is damaged"
    )
    assert (
        status_for_student("00000000-0000-4000-8000-000000000000", "en", outbox)
        == "Not submitted yet."
    )
