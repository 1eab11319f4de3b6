"""The outbox folder: a design waits there once, nothing submitted is ever deleted."""

import json

from sync_fakes import FakeServer, client_for, user_outbox

from game.core.design import new_design
from game.io import storage
from game.sync import Outbox, status_for_student


def test_a_queued_design_waits_in_the_outbox_once(level, quartier_home, outbox):
    doc = new_design(level, "test", title="Park", pseudonym="Fox")
    outbox.queue(doc)
    outbox.queue(doc.model_copy(update={"title": "Better park"}))
    pending = outbox.pending()
    assert [d.title for d in pending] == ["Better park"]
    assert outbox.folder.parent == quartier_home


def test_a_damaged_outbox_file_is_left_alone(level, outbox):
    outbox.queue(new_design(level, "test"))
    (outbox.folder / "broken.design.json").write_text("{")
    assert len(outbox.pending()) == 1
    assert (outbox.folder / "broken.design.json").exists()


def test_a_changed_design_sent_again_keeps_the_earlier_sent_copy(level, outbox):
    doc = new_design(level, "test", title="Park")
    server = FakeServer(201)
    outbox.queue(doc)
    client_for(server, outbox).send_pending()
    outbox.queue(doc.model_copy(update={"title": "Bigger park"}))
    client_for(server, outbox).send_pending()
    assert (
        json.loads((outbox.sent_dir / f"{doc.id}.design.json").read_text())["title"]
        == "Bigger park"
    )
    older = sorted((outbox.sent_dir / "older").iterdir())
    assert [p.name.endswith(".design.json") for p in older].count(True) == 1
    assert any(json.loads(p.read_text()).get("title") == "Park" for p in older)


def test_a_design_queued_again_while_it_was_on_its_way_stays_in_the_outbox(level, outbox):
    doc = new_design(level, "test", title="Park")
    outbox.queue(doc)
    server = FakeServer(201)
    server.before_answer = lambda request: outbox.queue(doc.model_copy(update={"title": "Newer"}))

    assert client_for(server, outbox).send_pending().sent == [str(doc.id)]
    assert [d.title for d in outbox.pending()] == ["Newer"]
    assert json.loads((outbox.sent_dir / f"{doc.id}.design.json").read_text())["title"] == "Park"
    assert status_for_student(doc.id, "en", outbox) != "Sent."
    assert status_for_student(doc.id, "en", user_outbox()) == status_for_student(
        doc.id, "en", outbox
    )


def test_listeners_belong_to_one_outbox_object_and_outboxes_share_no_state(level, tmp_path):
    """No process-wide state: a second outbox (another folder) neither tells nor locks the first."""
    first, second = Outbox(tmp_path / "a", storage), Outbox(tmp_path / "b", storage)
    heard: list[str] = []

    def listener(path):
        heard.append(path.parent.name)

    first.add_listener(listener)
    second.queue(new_design(level, "test"))
    assert heard == []
    first.queue(doc := new_design(level, "test"))
    assert heard == ["a"]
    first.remove_listener(listener)
    first.queue(doc)
    assert heard == ["a"]
    assert [d.id for d in first.pending()] == [doc.id] and len(second.pending()) == 1
