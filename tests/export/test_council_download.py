"""The bundle as a download on the moderator's desk, and with GIS files for a level on the real map."""

import io
import json
import zipfile

import numpy as np
import pytest
from live_server import MODERATOR
from pypdf import PdfReader

from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level
from server_sync.cli import main


def sign_in(client) -> None:
    client.get("/moderate")
    response = client.post(
        "/moderate/login",
        data={"csrf": client.cookies.get("quartier_csrf"), "token": MODERATOR},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_moderator_downloads_the_bundle_from_the_desk_in_the_page_language(council):
    client = council.server.client
    url = f"/moderate/w/{council.workshop['id']}/export.zip"
    refused = client.get(url)
    assert (
        refused.headers["content-type"].startswith("text/html") and b"PK" not in refused.content[:2]
    )
    sign_in(client)
    client.cookies.set("quartier_lang", "de")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f"quartier-{council.workshop['code']}.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        report = "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(archive.read("report.pdf"))).pages
        )
        titles = [d["title"] for d in json.loads(archive.read("submissions.json"))["designs"]]
    assert "Rangliste" in report and titles == [t for t, _, _ in council.approved]
    with_hidden = client.get(url + "?include=hidden")
    with zipfile.ZipFile(io.BytesIO(with_hidden.content)) as archive:
        assert len(json.loads(archive.read("submissions.json"))["designs"]) == len(council.uuids)
    audit = client.get(f"/moderate/w/{council.workshop['id']}").text
    assert "export_with_hidden" in audit


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_design_on_a_georeferenced_level_comes_with_geojson_for_a_gis(server, tmp_path):
    level = find_level("berlin-potsdamer-platz")
    xs, ys = np.nonzero(level.zone_columns)
    x, y = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])
    session = Session(level)
    session.apply(Box(from_=(x, y, 1), to=(x + 3, y + 3, 4), block="housing"))
    body = save_changes(
        new_design(level, "test", title="Hof am Platz", pseudonym="Spatz"), session, "test"
    ).to_json()
    workshop = server.workshop(level_id=level.id, moderation="post")
    who = server.join(workshop, "Spatz")
    uuid = json.loads(body)["id"]
    assert (
        server.client.put(f"/api/v1/submissions/{uuid}", content=body, headers=who).status_code
        == 201
    )
    svc = server.client.app.state.server
    out = tmp_path / "berlin.zip"
    assert (
        main(
            [
                "export",
                "--workshop",
                str(workshop["id"]),
                "--out",
                str(out),
                "--data-dir",
                str(svc.data_dir),
            ]
        )
        == 0
    )
    with zipfile.ZipFile(out) as archive:
        geo = [name for name in archive.namelist() if name.startswith("geo/")]
        assert geo == [f"geo/hof-am-platz-{uuid[:8]}.geojson"]
        assert json.loads(archive.read(geo[0]))["type"] == "FeatureCollection"
