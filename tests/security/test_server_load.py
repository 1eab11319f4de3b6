"""One client cannot stall or fill the server (issue 13, H3 and M2): the CPU work of uploads runs
in a bounded worker pool that refuses with 503 when full, while every other request is answered;
each participant has a cap on revisions per minute (429) and on stored bytes (413), and a
refused upload never loses what was stored before."""

import json
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import httpx
import pytest
from fastapi.testclient import TestClient
from live_server import BERLIN, MODERATOR, Api, LiveServer, berlin_designs, design_text

from server_sync.app import create_app
from server_sync.cli import main as server_main
from server_sync.errors import ApiError
from server_sync.services import images
from server_sync.services.workers import Workers
from server_sync.settings import Settings


def start(tmp_path, db_url, *options: str, revisions_per_minute: int = 100_000) -> LiveServer:
    live = tmp_path / "live"
    return LiveServer(
        live, db_url, revisions_per_minute=revisions_per_minute, options=options
    ).start()


@pytest.fixture
def busy_server(tmp_path):
    """One worker thread and one waiting job at most; database-independent, so SQLite only."""
    server = start(tmp_path, None, "--cpu-workers", "1", "--cpu-queue", "1")
    try:
        yield server
    finally:
        server.kill()


# H3: the CPU work in a bounded pool


def test_a_full_worker_queue_answers_503_and_health_and_gallery_still_answer(busy_server):
    uploads = 6
    with httpx.Client(base_url=busy_server.url, timeout=60) as client:
        api = Api(client)
        workshop = api.workshop(level_id=BERLIN, moderation="post")
        people = [api.join(workshop, f"Fox{n}") for n in range(uploads)]
        texts = berlin_designs(uploads)

        def put(n: int) -> httpx.Response:
            uuid = json.loads(texts[n])["id"]
            headers = {**people[n], "accept-language": "de" if n % 2 else "en"}
            return client.put(f"/api/v1/submissions/{uuid}", content=texts[n], headers=headers)

        with ThreadPoolExecutor(uploads) as pool:
            pending = {pool.submit(put, n) for n in range(uploads)}
            refused = None
            while pending and refused is None:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                refused = next((f.result() for f in done if f.result().status_code == 503), None)
            assert refused is not None, "the server queued every upload: no bounded pool"
            # The pool is full now (one job running, one waiting): the loop answers all the same.
            health = client.get("/healthz", timeout=10)
            gallery = client.get(f"/w/{workshop['code']}", timeout=10)
            uploads_still_running = [f for f in pending if not f.done()]
            answers = [f.result() for f in pending]
    assert health.status_code == 200 and gallery.status_code == 200
    assert uploads_still_running, "/healthz waited for the uploads"
    assert int(refused.headers["retry-after"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "busy"
    assert "try again" in error["message"] or "noch einmal versuchen" in error["message"]
    assert {a.status_code for a in answers} <= {201, 503}


def test_the_pool_refuses_at_once_when_its_queue_is_full_and_takes_jobs_again_after():
    workers = Workers(1, queue=1, kind="threads")
    release = threading.Event()
    try:
        running = workers.submit(release.wait, 30)
        waiting = workers.submit(lambda: "waited")
        with pytest.raises(ApiError) as busy:
            workers.submit(lambda: "refused")
        assert (busy.value.status, busy.value.code) == (503, "busy")
        assert busy.value.params["seconds"] > 0
        release.set()
        assert running.result(30) and waiting.result(30) == "waited"
        assert workers.run(lambda: "again") == "again"
    finally:
        release.set()
        workers.shutdown()


def test_the_pool_lives_with_the_apps_lifespan(tmp_path):
    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token=MODERATOR))
    state = app.state.server
    assert state.pool is None
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        pool = state.workers
        assert pool.run(os.getpid) != os.getpid()  # the CPU work runs in another process
    assert state.pool is None
    with pytest.raises(RuntimeError):
        pool.run(os.getpid)  # shut down with the app


# M2: per participant, revisions per minute and stored bytes


@pytest.fixture
def few_revisions(tmp_path, db_url):
    """Three revisions per minute per participant."""
    server = start(tmp_path, db_url, revisions_per_minute=3)
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def few_bytes(tmp_path, db_url):
    """10 kB of stored designs per participant (and no cap per minute to speak of)."""
    server = start(tmp_path, db_url, "--participant-mb", "0.01")
    try:
        yield server
    finally:
        server.kill()


def _revision(client, who: dict, base: dict, title: str, lang: str = "en") -> httpx.Response:
    doc = {**base, "title": title}
    return client.put(
        f"/api/v1/submissions/{base['id']}",
        content=json.dumps(doc),
        headers={**who, "accept-language": lang},
    )


def _stored(client, uuid: str, api: Api) -> tuple[int, str]:
    shown = client.get(f"/api/v1/submissions/{uuid}", headers=api.mod).json()
    return shown["revision"], shown["design"]["title"]


def test_revisions_per_minute_are_capped_with_429_and_nothing_stored_is_lost(few_revisions):
    with httpx.Client(base_url=few_revisions.url, timeout=60) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post")
        fox, owl = api.join(workshop, "Fox"), api.join(workshop, "Owl")
        base = json.loads(design_text())
        for n in (1, 2, 3):
            assert _revision(client, fox, base, f"Park {n}").status_code == 201
        refused = _revision(client, fox, base, "Park 4", "de")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 61
        error = refused.json()["error"]
        assert error["code"] == "too_many_revisions" and "3" in error["message"]
        assert "warten" in error["message"]
        assert _stored(client, base["id"], api) == (3, "Park 3")
        # The same content again (a retry after a lost answer) is still answered, not refused.
        assert _revision(client, fox, base, "Park 3").status_code == 200
        # Another participant has their own allowance.
        assert api.submit(owl, "Owl's park")[0]


def test_a_participants_stored_bytes_are_capped_with_413_naming_the_cap(few_bytes):
    with httpx.Client(base_url=few_bytes.url, timeout=60) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post", level_id="demo")
        fox, owl = api.join(workshop, "Fox"), api.join(workshop, "Owl")
        answers = []
        for n in range(12):
            text = design_text(f"Park {n}", 48 + n % 8 * 3)
            uuid = json.loads(text)["id"]
            answer = client.put(f"/api/v1/submissions/{uuid}", content=text, headers=fox)
            answers.append((uuid, answer))
            if answer.status_code != 201:
                break
        last_uuid, refused = answers[-1]
        assert refused.status_code == 413, [a.status_code for _, a in answers]
        error = refused.json()["error"]
        assert error["code"] == "participant_full" and "0.01 MB" in error["message"]
        assert client.get(f"/api/v1/submissions/{last_uuid}", headers=api.mod).status_code == 404
        for uuid, _ in answers[:-1]:  # everything stored before is still there
            assert _stored(client, uuid, api)[0] == 1
        assert api.submit(owl, "Owl's park")[0]  # the cap is per participant


def test_many_uploads_at_once_on_sqlite_are_all_answered(tmp_path):
    """More uploads at once than the server has threads (40): the upload must never hold
    SQLite's one connection while it waits for a thread, or every thread waits for the
    connection and nothing moves until the pool's 60 s timeout (found by the benchmark)."""
    clients = 50
    server = start(tmp_path, None, "--cpu-queue", str(2 * clients))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            api = Api(client)
            workshop = api.workshop(moderation="post")
            people = [api.join(workshop, f"Fox{n}") for n in range(clients)]
            texts = [design_text(f"Park {n}", 48 + n % 8 * 3) for n in range(clients)]

            def put(n: int) -> int:
                uuid = json.loads(texts[n])["id"]
                put = client.put(f"/api/v1/submissions/{uuid}", content=texts[n], headers=people[n])
                return put.status_code

            with ThreadPoolExecutor(clients) as pool:
                assert list(pool.map(put, range(clients))) == [201] * clients
    finally:
        server.kill()


def test_pictures_after_an_upload_wait_for_a_free_pool_instead_of_failing(tmp_path):
    """The background rendering after an upload has nobody to tell "come back later": with the
    pool full it leaves the pictures to the first GET, which renders them then."""
    text = design_text()
    workers = Workers(1, queue=0, kind="threads")
    release = threading.Event()
    try:
        busy = workers.submit_later(release.wait, 30)
        images.render_soon(tmp_path, "d", 1, text, workers)  # no exception
        assert not any(
            path.exists() for path in images.image_paths(tmp_path, "d", 1, text).values()
        )
        release.set()
        assert busy.result(30)
        for view in images.SOON:
            images.rendering(tmp_path, "d", 1, text, workers, view).result(30)
        assert all(path.exists() for path in images.image_paths(tmp_path, "d", 1, text).values())
    finally:
        release.set()
        workers.shutdown()


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--cpu-queue", "-1", "from 0 up"),
        ("--cpu-queue", "x", "from 0 up"),
        ("--participant-mb", "-3", "above 0"),
        ("--participant-mb", "nan", "above 0"),
        ("--participant-mb", "inf", "above 0"),
    ],
)
def test_a_pool_or_size_setting_out_of_range_is_a_usage_error(option, value, said, capsys):
    """Before, `--cpu-queue -1` crashed the server at start with a traceback."""
    with pytest.raises(SystemExit) as ended:
        server_main(["serve", option, value])
    assert ended.value.code == 2
    assert said in capsys.readouterr().err
