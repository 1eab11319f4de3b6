"""The upload pipeline sized for a class (issue #15): the CPU work in worker processes with a
bounded queue (503 with Retry-After, never a 500, nothing acknowledged lost), pictures rendered
once per revision without delaying the answer, and reads that go on while SQLite is written."""

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from live_server import BERLIN, MODERATOR, Api, LiveServer, berlin_designs, design_text

from server_sync.app import create_app
from server_sync.errors import ApiError
from server_sync.services import images
from server_sync.services.submissions import checked
from server_sync.services.workers import CHECKS_NICENESS, PICTURES_NICENESS, Workers
from server_sync.settings import Settings


def test_a_burst_beyond_the_queue_is_refused_with_503_never_500_and_nothing_acked_is_lost(
    tmp_path,
):
    """One worker and one waiting job: most of eight uploads at once are refused with 503 and
    Retry-After; sent again after it, as the editor does, every one is stored exactly once."""
    server = LiveServer(tmp_path / "live", None, options=("--cpu-workers", "1", "--cpu-queue", "1"))
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            api = Api(client)
            workshop = api.workshop(level_id=BERLIN, moderation="post")
            texts = berlin_designs(8)
            people = [api.join(workshop, f"Fox{n}") for n in range(len(texts))]
            statuses: list[int] = []
            lock = threading.Lock()

            def send(n: int) -> httpx.Response:
                uuid = json.loads(texts[n])["id"]
                while True:
                    answer = client.put(
                        f"/api/v1/submissions/{uuid}", content=texts[n], headers=people[n]
                    )
                    with lock:
                        statuses.append(answer.status_code)
                    if answer.status_code != 503:
                        return answer
                    assert int(answer.headers["retry-after"]) > 0
                    assert answer.json()["error"]["code"] == "busy"
                    time.sleep(0.2)  # shorter than asked, to keep the test quick

            with ThreadPoolExecutor(len(texts)) as pool:
                answers = list(pool.map(send, range(len(texts))))
            assert 503 in statuses, "the server queued every upload: no bounded queue"
            assert set(statuses) <= {201, 503}
            assert [a.status_code for a in answers] == [201] * len(texts)
            for text, answer in zip(texts, answers, strict=True):
                uuid = json.loads(text)["id"]
                stored = client.get(f"/api/v1/submissions/{uuid}", headers=api.mod).json()
                assert stored["revision"] == answer.json()["revision"] == 1
    finally:
        server.kill()


def test_the_checks_and_pictures_run_in_other_processes(tmp_path):
    workers = Workers(1, queue=1)
    try:
        assert workers.run(os.getpid) != os.getpid()
        assert workers.submit_later(os.getpid).result(60) != os.getpid()
        # and at a lower priority than the web process: its requests are short and many
        # (the kernel stops at 19, which a test run started with `nice` reaches sooner)
        assert workers.run(os.nice, 0) == min(19, os.nice(0) + CHECKS_NICENESS)
        assert workers.submit_later(os.nice, 0).result(60) == min(
            19, os.nice(0) + PICTURES_NICENESS
        )
        text = design_text()
        found = workers.run(checked, text, json.loads(text)["id"], "demo", "en")
        assert found.doc.title == "Park" and found.values  # only plain data comes back
    finally:
        workers.shutdown()


def test_a_refusal_from_a_worker_process_keeps_its_status_and_words():
    workers = Workers(1, queue=0)
    try:
        text = design_text()
        with pytest.raises(ApiError) as refused:  # rebuilt in this process
            workers.run(checked, text, json.loads(text)["id"], "tutorial", "de")
        assert (refused.value.status, refused.value.code) == (422, "wrong_level")
        assert refused.value.params == {"level": "tutorial"}
    finally:
        workers.shutdown()


def test_pictures_asked_for_at_the_same_moment_are_rendered_once(tmp_path, monkeypatch):
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_render(*args):
        calls.append(args)
        started.set()
        release.wait(30)

    monkeypatch.setattr(images, "_render_design", slow_render)
    workers = Workers(1, queue=4, kind="threads")
    try:
        text = design_text()
        first = images.rendering(tmp_path, "d", 1, text, workers)
        assert started.wait(30)
        again = [images.rendering(tmp_path, "d", 1, text, workers) for _ in range(3)]
        assert all(future is first for future in again)
        release.set()
        first.result(30)
        assert len(calls) == 1
    finally:
        release.set()
        workers.shutdown()


def test_the_upload_is_answered_before_its_pictures_and_a_get_waits_for_them(server):
    workshop = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(workshop, "Fox"))
    picture = server.client.get(f"/api/v1/submissions/{uuid}/image.png?view=top")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


def test_reads_are_answered_while_a_write_transaction_holds_sqlite(tmp_path):
    """With one connection per process, a read waited for every write (and after 60 s was a
    500, "QueuePool limit of size 1"); with WAL and a connection per request thread it does not."""
    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    with TestClient(app) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post")
        api.submit(api.join(workshop, "Fox"))
        engine = app.state.server.engine
        with engine.connect() as writer:
            writer.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite's write lock, held
            writer.exec_driver_sql("UPDATE workshops SET title = 'Neu'")
            started = time.monotonic()
            listed = client.get(f"/api/v1/workshops/{workshop['id']}/submissions")
            page = client.get(f"/w/{workshop['code']}")
            took = time.monotonic() - started
            writer.exec_driver_sql("ROLLBACK")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert page.status_code == 200
    assert took < 20  # not the busy timeout (30 s) nor the pool's (60 s)


def test_the_same_revision_sent_twice_at_once_is_stored_once(server):
    """The editor used to give up after 20 s and send the design again into the same queue."""
    workshop = server.workshop(level_id=BERLIN, moderation="post")
    fox = server.join(workshop, "Fox")
    text = berlin_designs(1)[0]
    uuid = json.loads(text)["id"]

    def put(_: int) -> httpx.Response:
        return server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=fox)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(put, range(2)))
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert {a.json()["revision"] for a in answers} == {1}
    stored = server.client.get(f"/api/v1/submissions/{uuid}", headers=server.mod).json()
    assert stored["revision"] == 1
