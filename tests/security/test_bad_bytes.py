"""Bad bytes stay at the door (issue 13): odd encodings, out-of-range ids, control characters,
a full or read-only store, and two renderings of one picture at once never give a 500."""

import codecs
import errno
import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from live_server import Api, LiveServer, csrf, design_text, sign_in
from pypdf import PdfReader
from sqlalchemy import event

from game.core.errors import QuartierError
from game.core.i18n import text
from game.io import storage
from game.io.storage import write_atomic
from server_sync.cli import main
from server_sync.export.contents import find_workshop
from server_sync.models import JuryMember, Revision
from server_sync.schemas import form_number
from server_sync.security import token_hash
from server_sync.services import images
from server_sync.services.workers import Workers


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
    sent, stored = json.loads(text), shown.json()["design"]
    assert [stored[k] for k in ("id", "title", "changes")] == [
        sent[k] for k in ("id", "title", "changes")
    ]
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


# L4: ids out of range, numbers that only look like digits, NUL and control characters


@pytest.mark.parametrize("workshop_id", ["99999999999999999999", "2147483648", "0", "-1"])
def test_a_workshop_id_out_of_range_is_refused_before_the_database_sees_it(server, workshop_id):
    paths = [
        f"/api/v1/workshops/{workshop_id}",
        f"/api/v1/workshops/{workshop_id}/submissions",
        f"/api/v1/workshops/{workshop_id}/results",
    ]
    for path in paths:
        answer = server.client.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["error"]["code"] == "invalid_request"
    patched = server.client.patch(paths[0], json={"phase": "voting"}, headers=server.mod)
    assert patched.status_code == 422
    sign_in(server.client)
    desk = server.client.get(f"/moderate/w/{workshop_id}")
    assert desk.status_code == 422 and "<html" in desk.text
    # The server still answers: no broken connection in the pool.
    assert server.client.get("/api/v1/workshops/2147483647").status_code == 404


def test_form_numbers_accept_ascii_digits_in_range_only():
    assert [form_number(v) for v in ("3", " 5 ", "0", "2147483647")] == [3, 5, 0, 2147483647]
    for wrong in ("²", "٣", "2147483648", "99999999999999999999", "-1", "", "3.0", "1e3"):
        assert form_number(wrong) is None, wrong


def test_jury_stars_that_only_look_like_a_number_are_refused_with_a_message(server):
    workshop = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(workshop, "Fox"))
    with server.client.app.state.server.sessions() as session:
        session.add(
            JuryMember(workshop_id=workshop["id"], label="Jury 1", token_hash=token_hash("J0"))
        )
        session.commit()
    server.phase(workshop, "voting")
    server.client.cookies.set("quartier_jury", "J0")
    for stars in ("²", "99999999999999999999", "6"):
        answer = server.client.post(
            f"/w/{workshop['code']}/d/{uuid}/stars",
            data={"csrf": csrf(server.client), "stars": stars},
            headers={"accept-language": "de"},
        )
        assert answer.status_code == 422, answer.text
        assert text("de", "server.stars_range") in answer.text


@pytest.mark.parametrize("bad", ["Park\x00", "Park\x1b[31m", "Park\ud800"])
def test_control_characters_in_api_text_fields_are_refused_by_name(server, bad):
    # pydantic refuses a lone surrogate as no valid string before our check sees it.
    odd = "\ud800" in bad
    codes = {"control_characters"} | ({"invalid_request"} if odd else set())
    made = server.client.post(
        "/api/v1/workshops",
        content=json.dumps({"title": bad, "level_id": "demo"}),
        headers={**server.mod, "content-type": "application/json"},
    )
    assert made.status_code == 422, made.text
    assert made.json()["error"]["code"] in codes
    assert "title" in made.json()["error"]["message"]
    workshop = server.workshop(moderation="post")
    joined = server.client.post(
        "/api/v1/join",
        content=json.dumps({"code": workshop["code"], "pseudonym": bad}),
        headers={"content-type": "application/json"},
    )
    assert joined.status_code == 422 and joined.json()["error"]["code"] in codes
    who = server.join(workshop, "Fox")
    doc = json.loads(design_text())
    for field, value in (("title", bad), ("description", bad), ("pseudonyms", [bad])):
        sent = json.dumps({**doc, field: value})
        answer = server.client.put(f"/api/v1/submissions/{doc['id']}", content=sent, headers=who)
        assert answer.status_code == 422, answer.text
        # The design's own text rules (game.core.text) refuse them, naming the field.
        assert answer.json()["error"]["code"] == "invalid_design"
        assert field in answer.json()["error"]["message"]
    # Line breaks and tabs are text.
    fine = json.dumps({**doc, "description": "Zeile 1\nZeile 2\tmit Tab"})
    answer = server.client.put(f"/api/v1/submissions/{doc['id']}", content=fine, headers=who)
    assert answer.status_code == 201, answer.text


def test_a_nul_in_an_address_or_a_form_is_refused_in_words(server):
    for path in ("/api/v1/submissions/%00", "/api/v1/submissions/x%00/image.png", "/w/AB%00CD"):
        answer = server.client.get(path, headers={"accept-language": "de"})
        assert answer.status_code == 422, (path, answer.text)
        assert "Steuerzeichen" in answer.text
    assert server.client.get("/api/v1/workshops/1?x=%00").status_code == 422
    joined = server.client.post("/jury", data={"csrf": csrf(server.client), "code": "AB\x00CD"})
    assert joined.status_code == 422 and "control characters" in joined.text
    assert server.client.get("/healthz").status_code == 200


@pytest.mark.parametrize("ref", ["99999999999999999999", "2147483648", "²"])
def test_the_export_names_a_huge_or_odd_workshop_number_as_unknown(server, ref):
    sessions = server.client.app.state.server.sessions
    with sessions() as session, pytest.raises(QuartierError) as refused:
        find_workshop(session, ref)
    assert refused.value.key == "export.no_workshop"


# L5: a full disk or a store that cannot be written is said so (507 / 503), the log names the cause


def _on_every_new_connection(server, statements):
    """Run `statements` on each connection the server opens from now on (its pool starts empty)."""
    engine = server.client.app.state.server.engine

    def run(connection, _record):
        cursor = connection.cursor()
        for statement in statements(cursor):
            cursor.execute(statement)
        cursor.close()

    event.listen(engine, "connect", run)
    engine.dispose()


def _sqlite_full(cursor):
    cursor.execute("PRAGMA page_count")
    return [f"PRAGMA max_page_count = {cursor.fetchone()[0]}"]


@pytest.mark.parametrize("db_url", [None], ids=["sqlite"])  # SQLite's max_page_count fills it
def test_a_full_database_disk_gives_507_in_words_and_the_log_names_the_cause(server, caplog):
    workshop = server.workshop(moderation="post")
    who = server.join(workshop, "Fox")
    _on_every_new_connection(server, _sqlite_full)
    doc = json.loads(design_text())
    answers = []
    for n in range(40):
        sent = {**doc, "description": f"{n} " + "Bäume " * 300}
        answers.append(
            server.client.put(
                f"/api/v1/submissions/{doc['id']}",
                content=json.dumps(sent),
                headers={**who, "accept-language": "de"},
            )
        )
        if answers[-1].status_code != 201:
            break
    assert answers[-1].status_code == 507, answers[-1].text
    assert answers[-1].json()["error"]["code"] == "disk_full"
    assert "Speicher des Servers ist voll" in answers[-1].json()["error"]["message"]
    assert "database or disk is full" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_store_that_cannot_be_written_gives_503_in_words_and_the_log_names_the_cause(
    server, caplog
):
    engine = server.client.app.state.server.engine
    if engine.dialect.name == "sqlite":
        _on_every_new_connection(server, lambda cursor: ["PRAGMA query_only = 1"])
        cause = "readonly database"
    else:
        with engine.connect() as connection:
            database = connection.exec_driver_sql("SELECT current_database()").scalar()
            connection.exec_driver_sql(
                f"ALTER DATABASE {database} SET default_transaction_read_only = on"
            )
            connection.commit()
        engine.dispose()
        cause = "read-only transaction"
    answer = server.client.post(
        "/api/v1/workshops", json={"title": "Platz", "level_id": "demo"}, headers=server.mod
    )
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "store_read_only"
    assert "cannot write" in answer.json()["error"]["message"]
    assert cause in caplog.text and "Traceback" not in caplog.text
    assert server.client.get("/api/v1/workshops/1").status_code == 404  # reading still works


def test_a_full_disk_for_the_picture_cache_gives_507(server, monkeypatch, caplog):
    workshop = server.workshop(moderation="post")
    uuid, text = server.submit(server.join(workshop, "Fox"))
    state = server.client.app.state.server
    images.rendering(state.data_dir, uuid, 1, text, state.workers).result(60)  # the upload's
    for picture in (state.data_dir / "images").iterdir():
        picture.unlink()
    # The full disk is patched into this process: the pictures are drawn here, not in a worker.
    state.pool.shutdown()
    state.pool = Workers(1, queue=1, kind="threads")

    def full(path, data, mode=0o666):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(storage, "_write_file", full)
    answer = server.client.get(f"/api/v1/submissions/{uuid}/image.png")
    assert answer.status_code == 507, answer.text
    assert answer.json()["error"]["code"] == "disk_full"
    assert "disk is full" in caplog.text


def test_serve_on_a_data_folder_that_cannot_be_written_says_so_in_one_line(capsys):
    assert main(["serve", "--data-dir", "/sys/quartier-test", "--port", "9"]) == 1
    err = capsys.readouterr().err
    assert text("en", "server.store_read_only") in err
    assert "Traceback" not in err and "OperationalError" not in err


def test_a_real_server_answers_bad_bytes_in_words_and_keeps_its_connections(tmp_path, db_url):
    """The findings as they were found: a real process on SQLite and PostgreSQL, where a NUL or
    a huge id broke the database connection (500 and a reset) instead of a refusal."""
    live = LiveServer(tmp_path / "live", db_url).start()
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            api = Api(client)
            workshop = api.workshop(moderation="post")
            who = api.join(workshop, "Fox")
            text_ = design_text()
            uuid = json.loads(text_)["id"]
            bom = codecs.BOM_UTF8 + text_.encode()
            put = client.put(f"/api/v1/submissions/{uuid}", content=bom, headers=who)
            assert put.status_code == 201, put.text
            assert client.get(f"/api/v1/submissions/{uuid}").status_code == 200
            utf16 = client.put(
                f"/api/v1/submissions/{uuid}", content=text_.encode("utf-16"), headers=who
            )
            assert utf16.status_code == 422 and utf16.json()["error"]["code"] == "not_utf8"
            for workshop_id in ("99999999999999999999", "2147483648"):
                assert client.get(f"/api/v1/workshops/{workshop_id}").status_code == 422
            assert client.get("/api/v1/submissions/%00").status_code == 422
            nul = client.post(
                "/api/v1/workshops", json={"title": "A\x00B", "level_id": "demo"}, headers=api.mod
            )
            assert nul.status_code == 422 and nul.json()["error"]["code"] == "control_characters"
            assert client.get("/healthz").status_code == 200
            assert client.get(f"/api/v1/workshops/{workshop['id']}").status_code == 200
    finally:
        live.kill()
