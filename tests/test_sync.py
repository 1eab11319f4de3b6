from game.core.design import new_design
from game.sync import Outbox


def test_a_queued_design_waits_in_the_outbox_once(level, quartier_home):
    outbox = Outbox()
    doc = new_design(level, "test", title="Park", pseudonym="Fox")
    outbox.queue(doc)
    outbox.queue(doc.model_copy(update={"title": "Better park"}))
    pending = outbox.pending()
    assert [d.title for d in pending] == ["Better park"]
    assert outbox.folder.parent == quartier_home


def test_a_damaged_outbox_file_is_left_alone(level):
    outbox = Outbox()
    outbox.queue(new_design(level, "test"))
    (outbox.folder / "broken.design.json").write_text("{")
    assert len(outbox.pending()) == 1
    assert (outbox.folder / "broken.design.json").exists()
