"""Bad bytes stay at the door (issue 13): odd encodings, out-of-range ids, control characters,
a full or read-only store, and two renderings of one picture at once never give a 500."""

import codecs
import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from live_server import Api, LiveServer, design_text
from pypdf import PdfReader

from game.io.storage import write_atomic
from server_sync.cli import main
from server_sync.models import Revision


@pytest.fixture
def live(tmp_path):
    """A real server process on SQLite (these findings do not depend on the database)."""
    server = LiveServer(tmp_path / "live", None).start()
    try:
        yield server
    finally:
        server.kill()


def _put(server, who: dict, text: str, body: bytes):
    uuid = json.loads(text)["id"]
    return uuid, server.client.put(f"/api/v1/submissions/{uuid}", content=body, headers=who)


# H4: a design with a byte-order mark, or in UTF-16


def test_a_design_with_a_utf8_bom_is_stored_once_without_it_and_reads_back(server):
    workshop = server.workshop(moderation="post")
    who = server.join(workshop, "Fox")
    text = design_text("Mit BOM")
    uuid, answer = _put(server, who, text, codecs.BOM_UTF8 + text.encode())
    assert answer.status_code == 201, answer.text
    shown = server.client.get(f"/api/v1/submissions/{uuid}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["design"] == json.loads(text)
    # The same design without the mark is the same content: no new revision.
    again = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=who)
    assert again.status_code == 200 and again.json()["revision"] == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
def test_a_design_in_another_encoding_is_refused_with_a_message(server, encoding):
    workshop = server.workshop(moderation="post")
    who = server.join(workshop, "Fox")
    text = design_text("Grünfläche")
    uuid, answer = _put(server, who, text, text.encode(encoding))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("not_utf8", "invalid_design")
    if encoding in ("utf-16", "latin-1"):
        assert answer.json()["error"]["code"] == "not_utf8"
        assert "UTF-8" in answer.json()["error"]["message"]
    german = server.client.put(
        f"/api/v1/submissions/{uuid}",
        content=text.encode("utf-16"),
        headers={**who, "accept-language": "de"},
    )
    assert "Zeichenkodierung" in german.json()["error"]["message"]
    assert server.client.get(f"/api/v1/submissions/{uuid}").status_code == 404


# L7: what only the moderator may see is never kept by a cache


def test_a_hidden_designs_picture_is_not_cacheable_but_a_public_one_is(server):
    workshop = server.workshop(moderation="post")
    who = server.join(workshop, "Fox")
    uuid, _ = server.submit(who)
    public = server.client.get(f"/api/v1/submissions/{uuid}/image.png")
    assert public.status_code == 200
    assert public.headers["cache-control"].startswith("public")
    server.moderate(uuid, "hide")
    hidden = server.client.get(f"/api/v1/submissions/{uuid}/image.png", headers=server.mod)
    assert hidden.status_code == 200
    assert hidden.headers["cache-control"] == "private, no-store"


# The image cache: the background rendering after an upload and a GET at the same moment


def test_pictures_asked_for_while_the_upload_renders_them_never_fail(live):
    with httpx.Client(base_url=live.url, timeout=60) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post")
        who = api.join(workshop, "Fox")
        uuid = json.loads(design_text())["id"]
        base = json.loads(design_text())
        for revision in range(1, 16):
            doc = {**base, "id": uuid, "title": f"Park {revision}"}
            put = client.put(f"/api/v1/submissions/{uuid}", content=json.dumps(doc), headers=who)
            assert put.status_code == 201, put.text
            with ThreadPoolExecutor(4) as pool:
                answers = list(
                    pool.map(
                        lambda view: client.get(
                            f"/api/v1/submissions/{uuid}/image.png?view={view}"
                        ),
                        ("iso", "top") * 2,
                    )
                )
            assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
            assert all(a.content.startswith(b"\x89PNG") for a in answers)
    leftovers = [p.name for p in (live.data_dir / "images").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_threads_writing_the_same_file_at_once_each_use_their_own_temporary_file(tmp_path):
    target = tmp_path / "picture.png"
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def write(n: int) -> None:
        start.wait()
        try:
            for _ in range(20):
                write_atomic(target, bytes([n]) * 10_000, keep_backup=False)
        except Exception as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(target.read_bytes())) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["picture.png"]


def test_the_export_skips_a_design_it_cannot_read_and_names_it(server, tmp_path):
    """A design stored before the door was fixed (with its byte-order mark) used to fail the
    export of the whole workshop without naming the design."""
    workshop = server.workshop(title="Am Kanal", moderation="post")
    good, _ = server.submit(server.join(workshop, "Fox"), "Gut", 50)
    bad, _ = server.submit(server.join(workshop, "Owl"), "Kaputt", 60)
    state = server.client.app.state.server
    with state.sessions() as session:
        stored = session.get_one(Revision, (bad, 1))
        stored.design = "\ufeff" + stored.design
        session.commit()
    server.phase(workshop, "closed")
    out = tmp_path / "council.zip"
    db = state.engine.url.render_as_string(hide_password=False)
    args = ["export", "--workshop", workshop["code"], "--data-dir", str(state.data_dir)]
    assert main([*args, "--db", db, "--out", str(out), "--lang", "de"]) == 0
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    table = json.loads(files["submissions.json"])
    assert [d["uuid"] for d in table["designs"]] == [good]
    assert [(s["uuid"], s["title"], s["pseudonym"]) for s in table["skipped"]] == [
        (bad, "Kaputt", "Owl")
    ]
    assert "JSON" in table["skipped"][0]["skipped"]
    rows = files["submissions.csv"].decode("utf-8-sig")
    assert bad in rows and "ausgelassen" in rows
    report = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["report.pdf"])).pages)
    assert "Kaputt" in report and bad in report.replace("\n", "")
    assert not [name for name in files if "kaputt" in name]
