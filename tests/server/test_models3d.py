"""The design page's 3D models (GET /submissions/{uuid}/model.glb) and the page's CSP for them."""

from concurrent.futures import ThreadPoolExecutor

from glb import glb_json

from server_sync.web import PAGE_CSP


def model(server, uuid: str, state: str = "after", **kwargs):
    return server.client.get(f"/api/v1/submissions/{uuid}/model.glb?state={state}", **kwargs)


def nodes(data: bytes) -> set[str]:
    return {node["name"] for node in glb_json(data)["nodes"]}


def test_the_server_makes_after_once_per_revision_and_before_once_per_level(server, tmp_path):
    w = server.workshop(moderation="post")
    fox, _ = server.submit(server.join(w, "Fox"), x=50)
    owl, _ = server.submit(server.join(w, "Owl"), x=60)
    after = model(server, fox)
    assert after.status_code == 200 and after.headers["content-type"] == "model/gltf-binary"
    assert after.content[:4] == b"glTF" and nodes(after.content) == {"zone", "context"}
    assert after.headers["cache-control"] == "public, max-age=3600"
    before = model(server, fox, "before")
    assert before.status_code == 200 and before.content != after.content
    assert model(server, owl, "before").content == before.content
    assert model(server, owl).content not in (before.content, after.content)
    assert model(server, fox).content == after.content
    made = {p.name for p in (tmp_path / "server" / "models").iterdir()}
    (level,) = made - {f"{fox}-r1.glb", f"{owl}-r1.glb"}
    assert level.startswith("level-demo-")  # one "before" for both designs


def test_twenty_visitors_asking_for_a_model_at_once_all_get_it_and_it_is_made_once(
    server, tmp_path
):
    w = server.workshop(moderation="post")
    fox, _ = server.submit(server.join(w, "Fox"))
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: model(server, fox, "before"), range(20)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(list((tmp_path / "server" / "models").iterdir())) == 1


def test_a_model_is_refused_for_another_state_and_hidden_from_the_public_with_its_design(server):
    w = server.workshop(moderation="post")
    fox, _ = server.submit(server.join(w, "Fox"))
    refused = model(server, fox, "side")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_state"
    server.moderate(fox, "hide", "later")
    assert model(server, fox).status_code == 404
    for_moderator = model(server, fox, headers=server.mod)
    assert for_moderator.status_code == 200
    assert for_moderator.headers["cache-control"] == "private, no-store"


def test_only_the_design_page_may_fetch_and_only_from_its_own_server(server):
    w = server.workshop(moderation="post")
    fox, _ = server.submit(server.join(w, "Fox"))
    design = server.client.get(f"/w/{w['code']}/d/{fox}")
    policy = design.headers["content-security-policy"]
    # blob: for the model's window textures, which GLTFLoader reads from the file's own bytes.
    images = PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:")
    assert policy == images + "; connect-src 'self' blob:"
    assert "unsafe-" not in policy and "worker-src" not in policy and "*" not in policy
    assert '<script type="module" src="/static/view3d.js"></script>' in design.text
    assert f"/api/v1/submissions/{fox}/model.glb?state=before" in design.text
    gallery = server.client.get(f"/w/{w['code']}")
    assert "connect-src" not in gallery.headers["content-security-policy"]
    assert "view3d.js" not in gallery.text  # three.js loads on the design page only
