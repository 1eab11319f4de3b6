"""The framed pictures through the image route: each kind, one "before" per level, and a picture
rendered once however many ask for it at the same moment."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from live_server import MODERATOR, Api
from PIL import Image

from server_sync.app import create_app
from server_sync.services import images
from server_sync.settings import Settings

ASKING = 20


def test_each_view_has_its_size_before_is_one_file_per_level_after_one_per_revision(server):
    workshop = server.workshop(moderation="post")
    fox, _ = server.submit(server.join(workshop, "Fox"), "Park", x=50)
    owl, _ = server.submit(server.join(workshop, "Owl"), "Zoo", x=60)
    sizes = {"zone": images.IMAGE_SIZE, "before": images.IMAGE_SIZE}
    pictures = {
        (uuid, view): server.client.get(f"/api/v1/submissions/{uuid}/image.png?view={view}")
        for uuid in (fox, owl)
        for view in (*sizes, "locator")
    }
    assert all(answer.status_code == 200 for answer in pictures.values())
    for view, size in {**sizes, "locator": images.LOCATOR_SIZE}.items():
        assert Image.open(io.BytesIO(pictures[fox, view].content)).size == size
    assert pictures[fox, "before"].content == pictures[owl, "before"].content
    assert pictures[fox, "zone"].content != pictures[owl, "zone"].content
    folder = server.client.app.state.server.data_dir / "images"
    assert len(list(folder.glob("level-*-before.png"))) == 1


@pytest.mark.parametrize("view", ["zone", "before"])
def test_twenty_requests_at_once_for_a_missing_picture_render_it_once(tmp_path, monkeypatch, view):
    """All requests arrive while the one rendering is under way (it waits until they have all
    asked), so each of them must wait for it rather than start its own."""
    asked, renders = threading.Semaphore(0), []
    rendering, render = images.rendering, images._render_design

    def counted_asking(*args, **kwargs):
        asked.release()
        return rendering(*args, **kwargs)

    def counted_render(path, text, shown):
        if shown == view:
            renders.append(path)
            for _ in range(ASKING):  # every request is in `rendering` before this one ends
                assert asked.acquire(timeout=30)
        render(path, text, shown)

    monkeypatch.setattr(images, "render_soon", lambda *args: None)  # nothing rendered ahead
    monkeypatch.setattr(images, "rendering", counted_asking)
    monkeypatch.setattr(images, "_render_design", counted_render)
    settings = Settings(
        data_dir=tmp_path, moderator_token=MODERATOR, cpu_pool="threads", rate_limit=100_000
    )
    app, _ = create_app(settings)
    with TestClient(app) as client:
        api = Api(client)
        workshop = api.workshop(moderation="post")
        designs = [
            api.submit(api.join(workshop, name), name, x)[0]
            for name, x in (("Fox", 50), ("Owl", 60))
        ]
        # "before" is the level's: asked for through both designs, still one rendering.
        urls = [
            f"/api/v1/submissions/{designs[n % 2 if view == 'before' else 0]}/image.png?view={view}"
            for n in range(ASKING)
        ]
        with ThreadPoolExecutor(ASKING) as pool:
            answers = list(pool.map(client.get, urls))
    assert [answer.status_code for answer in answers] == [200] * ASKING
    assert len({answer.content for answer in answers}) == 1
    assert len(renders) == 1
