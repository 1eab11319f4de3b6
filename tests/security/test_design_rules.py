"""H1, M1, M4 of issue 13: a design file is held to its level's rules wherever it arrives, a
moderator's decision outlives the author's next upload, and only the server's pseudonyms are
published.

The attacks are design files written without the editor (its clipping never ran): every voxel a
wind turbine, locked voxels demolished, building outside the zone and above the height limit, a
block the level does not allow. `quartier design validate` and the server (in-process on SQLite
and PostgreSQL, and as a real process) refuse each with the rule in words; nothing is stored.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from design_attacks import (
    ATTACKS,
    LEAKS,
    STRICT,
    all_turbines,
    attack,
    column,
    design_of,
    strict_level,
    with_leaks,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_server import MODERATOR, Api, LiveServer
from op_strategies import operations

from game.app.editor import Editor
from game.cli import main
from game.core.design import new_design, open_design, parse_design, save_changes
from game.core.errors import QuartierError
from game.core.indicators import over_budget
from game.core.level import Level
from game.core.ops import Box, Operation
from game.core.rules import RulesBroken, broken_rules, check_design
from game.core.session import Session
from game.io.levels import find_level
from server_sync.cli import main as server_main
from server_sync.models import Revision


def validate(tmp_path: Path, text: str, capsys) -> tuple[int, str]:
    """`quartier design validate` on `text`: its exit code and what it said."""
    path = tmp_path / "attack.design.json"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["design", "validate", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("name", list(ATTACKS))
def test_design_validate_refuses_an_attack_naming_the_rule(name, tmp_path, capsys):
    _, text, said = attack(name)
    code, output = validate(tmp_path, text, capsys)
    assert code == 1
    assert "breaks the level's rules" in output
    for words in said:
        assert words in output


def test_the_refusal_is_said_in_german_too():
    level = find_level("demo")
    session = Session(level, all_turbines(level))
    with pytest.raises(RulesBroken) as refused:
        check_design(session)
    german = refused.value.message("de")
    assert "verletzt die Regeln" in german
    assert "Budget überschritten: 2.621.440.000 € von 12.000.000 €" in german


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_server_refuses_an_attack_with_422_and_stores_nothing(name, server):
    level, text, said = attack(name)
    workshop = server.workshop(level_id=level.id)
    pupil = server.join(workshop, "Fox")
    uuid = json.loads(text)["id"]
    response = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=pupil)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_design"
    for words in said:
        assert words in error["message"]
    listed = server.client.get(
        f"/api/v1/workshops/{workshop['id']}/submissions", headers=server.mod
    )
    assert listed.json() == []
    assert server.client.get(f"/api/v1/submissions/{uuid}", headers=server.mod).status_code == 404


def test_a_design_that_only_repeats_the_level_is_no_change():
    """Listing a locked voxel with the value it already has changes nothing, so breaks nothing."""
    level = find_level("demo")
    session = Session(level)
    assert broken_rules(session) == []


def test_saving_and_opening_again_does_not_reset_the_budget():
    """The editor's budget counted from zero after opening a design, so saving, opening and
    building on got round it; an opened design costs what its changes cost."""
    level = find_level("tutorial")
    session = Session(level)
    session.apply(Box(from_=(10, 10, 1), to=(14, 14, 3), block="housing"))
    doc = save_changes(new_design(level, "test"), session, "test")
    assert session.cost > 0
    assert open_design(doc, level).cost == session.cost


def test_the_editor_refuses_to_submit_a_design_outside_the_rules(level_factory):
    """A file changed outside the editor opens (the pupil keeps the work) but is not sent."""
    level = level_factory()
    grid = level.city.copy()
    grid[0, 0, 1] = level.catalogue.id("housing")
    editor = Editor(Session(level, grid), new_design(level, "test"), None, "en")
    try:
        assert not editor.submit("Park", "", "Fox")
        assert "1 voxels changed outside the building zone" in editor.current_toast()
        assert editor.outbox.pending() == []
        grid[0, 0, 1] = 0
        assert editor.submit("Park", "", "Fox")
        assert len(editor.outbox.pending()) == 1
    finally:
        editor.close()


# --- M1: moderation sticks --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["hide", "reject"])
def test_a_new_revision_of_a_hidden_or_rejected_design_stays_so(action, server):
    workshop = server.workshop(moderation="post")
    pupil = server.join(workshop, "Fox")
    uuid, text = server.submit(pupil)
    server.moderate(uuid, action, "not this way")
    changed = text.replace('"title": "Park"', '"title": "Parc"')
    response = server.client.put(f"/api/v1/submissions/{uuid}", content=changed, headers=pupil)
    assert response.status_code == 201, response.text
    assert response.json()["revision"] == 2
    assert response.json()["status"] == {"hide": "hidden", "reject": "rejected"}[action]
    gallery = server.client.get(f"/api/v1/workshops/{workshop['id']}/submissions")
    assert gallery.json() == []
    assert server.client.get(f"/api/v1/submissions/{uuid}").status_code == 404
    server.approve(uuid)
    assert server.client.get(f"/api/v1/submissions/{uuid}").status_code == 200


def test_under_pre_moderation_a_new_revision_of_a_rejected_design_waits_again(server):
    workshop = server.workshop(moderation="pre")
    pupil = server.join(workshop, "Fox")
    uuid, text = server.submit(pupil)
    server.moderate(uuid, "reject")
    changed = text.replace('"title": "Park"', '"title": "Parc"')
    response = server.client.put(f"/api/v1/submissions/{uuid}", content=changed, headers=pupil)
    assert response.json()["status"] == "pending"
    assert server.client.get(f"/api/v1/submissions/{uuid}").status_code == 404


# --- M4: only the server's pseudonyms are published -------------------------------------------


def test_the_published_design_names_the_participant_pseudonym_never_the_files(server, tmp_path):
    workshop = server.workshop(moderation="post")
    pupil = server.join(workshop, "Fox")
    text = with_leaks(design_of(find_level("demo"), find_level("demo").city.copy()))
    uuid = json.loads(text)["id"]
    response = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=pupil)
    assert response.status_code == 201, response.text
    shown = server.client.get(f"/api/v1/submissions/{uuid}").json()
    assert shown["pseudonym"] == "Fox"
    assert shown["design"]["pseudonyms"] == ["Fox"]
    assert shown["design"]["metrics"] == shown["metrics"]
    assert shown["metrics"]["cost"] == 0
    listed = server.client.get(f"/api/v1/workshops/{workshop['id']}/submissions").text
    page = server.client.get(f"/w/{workshop['code']}").text
    assert "Fox" in page
    server.sign_in()
    exported = server.client.get(f"/moderate/w/{workshop['id']}/export.zip")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        files = [archive.read(name) for name in archive.namelist() if not name.endswith(".pdf")]
        designs = [name for name in archive.namelist() if name.endswith(".design.json")]
        assert json.loads(archive.read(designs[0]))["pseudonyms"] == ["Fox"]
    for leak in LEAKS:
        assert leak not in json.dumps(shown)
        assert leak not in listed
        assert leak not in page
        assert not any(leak.encode() in content for content in files)


def test_design_fields_are_bounded():
    text = design_of(find_level("demo"), find_level("demo").city.copy())
    for field, value in [
        ("pseudonyms", ["x" * 1_000_000]),
        ("metrics", {f"k{i}": 1.0 for i in range(60_000)}),
        ("achievements", ["<script>"]),
    ]:
        raw = json.loads(text)
        raw[field] = value
        with pytest.raises(QuartierError):
            parse_design(json.dumps(raw))


def test_design_new_refuses_a_pseudonym_beyond_the_bounds_with_a_message(tmp_path, capsys):
    out = tmp_path / "new.design.json"
    code = main(["design", "new", "--level", "tutorial", "--out", str(out), "--author", "x" * 41])
    assert code == 1
    assert "pseudonyms.0: String should have at most 40 characters" in capsys.readouterr().err
    assert not out.exists()


# --- a real server process --------------------------------------------------------------------


def test_a_real_server_refuses_an_attack_and_keeps_a_hidden_design_hidden(tmp_path, db_url):
    import httpx

    server = LiveServer(tmp_path / "live", db_url).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            api = Api(client)
            workshop = api.workshop(moderation="post")
            pupil = api.join(workshop, "Fox")
            _, text, said = attack("all wind turbines")
            uuid = json.loads(text)["id"]
            refused = client.put(f"/api/v1/submissions/{uuid}", content=text, headers=pupil)
            assert refused.status_code == 422
            assert said[0] in refused.json()["error"]["message"]
            mine, design = api.submit(pupil)
            api.moderate(mine, "hide")
            changed = design.replace('"title": "Park"', '"title": "Parc"')
            again = client.put(f"/api/v1/submissions/{mine}", content=changed, headers=pupil)
            assert again.json() == {"uuid": mine, "revision": 2, "status": "hidden"}
            auth = {"Authorization": f"Bearer {MODERATOR}"}
            assert client.get(f"/api/v1/submissions/{uuid}", headers=auth).status_code == 404
    finally:
        server.kill()


# --- the property: the editor's designs keep the rules; a mutation outside them is refused ----

BLOCKS = ["housing", "office", "shop", "tree", "grass", "road", "plaza", "wind_turbine", "air"]
BUILDINGS = ["housing", "office", "shop"]


def edited(level: Level, script: list[Operation]) -> Session:
    """A session after `script`, run as the editor runs it: clipped, refused over budget."""
    session = Session(level)
    for op in script:
        try:
            index, values, clipped = session.preview(op)
        except QuartierError:
            continue
        if not over_budget(session, index, values):
            session.commit(index, values, clipped)
    return session


def scripts(level: Level) -> st.SearchStrategy[list[Operation]]:
    # Within the zone's bounding box (plus a margin) so that the edits land where it matters.
    xs, ys = np.nonzero(level.zone_columns)
    lo = (max(0, int(xs.min()) - 2), max(0, int(ys.min()) - 2))
    shape = (
        min(level.shape[0], int(xs.max()) + 3) - lo[0],
        min(level.shape[1], int(ys.max()) + 3) - lo[1],
        level.shape[2],
    )
    ops = operations(shape, BLOCKS, BUILDINGS)
    return st.lists(ops.map(lambda op: _shifted(op, lo)), max_size=6)


def _shifted(op: Operation, by: tuple[int, int]) -> Operation:
    """`op` moved by `by` (x, y): every position field it has."""
    update = {}
    for name in ("at", "from_", "to"):
        value = getattr(op, name, None)
        if value is not None:
            update[name] = (value[0] + by[0], value[1] + by[1], *value[2:])
    return op.model_copy(update=update)


def _mutate(level: Level, session: Session, data: st.DataObject) -> str:
    """Break one rule that the level has, at a drawn place; the key of the rule broken."""
    grid = session.grid
    kinds = ["outside", "above", "budget"]
    if level.locked.any():
        kinds.append("locked")
    if level.doc.allowed_blocks is not None:
        kinds.append("blocks")
    kind = data.draw(st.sampled_from(kinds), label="kind")
    housing = level.catalogue.id("housing")
    if kind == "budget":
        zone = level.editable & (grid == 0)
        grid[zone] = level.catalogue.id("wind_turbine")
        return "error.rule_budget"
    if kind == "blocks":
        x, y = column(level, inside=True)
        grid[x, y, 1] = level.catalogue.id("wind_turbine")
        return "error.rule_blocks"
    if kind == "locked":
        spots = np.argwhere(level.locked)
        where = tuple(spots[data.draw(st.integers(0, len(spots) - 1), label="voxel")])
        grid[where] = 0 if grid[where] else housing
        return "error.rule_locked"
    inside = kind == "above"
    columns = np.argwhere(level.zone_columns == inside)
    x, y = columns[data.draw(st.integers(0, len(columns) - 1), label="column")]
    low = level.doc.zone.top if inside else 0
    z = data.draw(st.integers(low, level.shape[2] - 1), label="z")
    grid[x, y, z] = 0 if grid[x, y, z] else housing
    return "error.rule_too_high" if inside else "error.rule_outside_zone"


@pytest.mark.parametrize("level_id", ["tutorial", "demo", "berlin-potsdamer-platz"])
def test_designs_the_editor_makes_on_a_bundled_level_keep_its_rules(level_id, tmp_path, capsys):
    level = find_level(level_id)

    @settings(max_examples=8 if level_id.startswith("berlin") else 25, deadline=None)
    @given(script=scripts(level))
    def run(script):
        session = edited(level, script)
        assert broken_rules(session) == []
        code, output = validate(tmp_path, design_of(level, session.grid), capsys)
        assert code == 0, output

    run()


@pytest.mark.parametrize("level_id", ["tutorial", "demo", STRICT])
def test_a_mutation_outside_the_rules_is_refused_alike_by_validate_and_the_server(
    level_id, server, tmp_path, capsys
):
    level = strict_level() if level_id == STRICT else find_level(level_id)
    workshop = server.workshop(level_id=level.id)
    pupil = server.join(workshop, "Fox")

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(script=scripts(level), data=st.data())
    def run(script, data):
        session = edited(level, script)
        rule = _mutate(level, session, data)
        text = design_of(level, session.grid)
        with pytest.raises(RulesBroken) as refused:
            check_design(Session(level, session.grid.copy()))
        assert rule in [broken.key for broken in refused.value.broken]
        reason = refused.value.message("en")
        code, output = validate(tmp_path, text, capsys)
        assert code == 1
        assert reason in output
        uuid = json.loads(text)["id"]
        response = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=pupil)
        assert response.status_code == 422, response.text
        assert reason in response.json()["error"]["message"]

    run()


def test_the_export_leaves_out_a_stored_design_that_breaks_the_rules(server, tmp_path):
    """A design stored by a server that did not check the rules yet (every voxel a wind
    turbine) must not reach the council with its numbers: the export lists it as left out,
    with the rule it breaks, and exports the others."""
    level = find_level("demo")
    workshop = server.workshop(title="Am Kanal", moderation="post")
    good, _ = server.submit(server.join(workshop, "Fox"), "Gut", 50)
    bad, _ = server.submit(server.join(workshop, "Owl"), "Turbinen", 60)
    turbines = json.loads(design_of(level, all_turbines(level), "Turbinen"))
    state = server.client.app.state.server
    with state.sessions() as session:
        stored = session.get_one(Revision, (bad, 1))
        stored.design = json.dumps({**turbines, "id": bad})
        session.commit()
    server.phase(workshop, "closed")
    out = tmp_path / "council.zip"
    db = state.engine.url.render_as_string(hide_password=False)
    args = ["export", "--workshop", workshop["code"], "--data-dir", str(state.data_dir)]
    assert server_main([*args, "--db", db, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        table = json.loads(archive.read("submissions.json"))
    assert [d["uuid"] for d in table["designs"]] == [good]
    assert [s["uuid"] for s in table["skipped"]] == [bad]
    assert "budget exceeded" in table["skipped"][0]["skipped"]
