"""M5: a pupil cannot join as a classmate's look-alike, nor hide a rude word behind look-alike
letters or invisible characters (issue 13)."""

import json

import httpx
import pytest
import sqlalchemy as sa
from live_server import Api

from game.core.i18n import text
from server_sync.db import migrate
from server_sync.pseudonyms import problem, skeleton

LOOK_ALIKES = [
    "max",  # case
    "Мах",  # Cyrillic М, а, х
    "Ｍａｘ",  # full width
    "𝐌𝐚𝐱",  # mathematical bold
    "Ma\u0301x",  # a combining accent
    "MAX",
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_names_that_look_like_max_have_the_same_skeleton(name):
    assert skeleton(name) == skeleton("Max")


def test_different_names_stay_different():
    assert len({skeleton(n) for n in ("Max", "Mia", "Moritz", "Mats", "Jörg", "Ayşe")}) == 6


@pytest.mark.parametrize("name", ["Max\u3164", "Max\u115f", "Ma\u200bx", "\u202eMax"])
def test_invisible_characters_are_refused(name):
    assert problem(name) == "pseudonym_characters"


@pytest.mark.parametrize("name", ["Fuсk", "Ｆｕｃｋ", "𝐧𝐚𝐳𝐢", "Hіtler"])  # Cyrillic с, і
def test_the_rude_word_check_reads_the_skeleton(name):
    assert problem(name) == "pseudonym_word"


def test_a_classmates_look_alike_is_refused_by_a_real_server(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        api = Api(client)
        workshop = api.workshop()
        api.join(workshop, "Max")
        for name in LOOK_ALIKES:
            response = client.post(
                "/api/v1/join",
                json={"code": workshop["code"], "pseudonym": name},
                headers={"Accept-Language": "de"},
            )
            assert response.status_code == 409, name
            assert response.json()["error"]["message"] == text("de", "server.pseudonym_taken")
        listed = client.get(f"/api/v1/workshops/{workshop['id']}", headers=api.mod)
        assert listed.status_code == 200


def test_look_alikes_in_different_workshops_are_fine(server):
    first, second = server.workshop(), server.workshop()
    server.join(first, "Max")
    server.join(second, "Мах")


def database_at(tmp_path, revision: str) -> sa.Engine:
    """A SQLite database as an older server left it: migrated up to `revision` only."""
    from alembic import command
    from alembic.config import Config

    from server_sync.db import MIGRATIONS

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def test_an_older_database_with_look_alikes_upgrades_and_keeps_everyone(tmp_path):
    """The 0003 migration gives earlier look-alikes unique keys instead of failing."""
    engine = database_at(tmp_path, "0002")
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO workshops (id, code, title, level_id, phase, votes_per_participant,"
                " moderation, created) VALUES (1, 'ABCDEF', 'W', 'demo', 'building', 3, 'post',"
                " '2026-01-01')"
            )
        )
        for i, name in enumerate(["Max", "max", "Мах"], start=1):
            db.execute(
                sa.text(
                    "INSERT INTO participants (id, workshop_id, pseudonym, token_hash, created)"
                    " VALUES (:id, 1, :name, :hash, '2026-01-01')"
                ),
                {"id": i, "name": name, "hash": f"{i:064d}"},
            )
    migrate(engine)
    with engine.begin() as db:
        rows = db.execute(sa.text("SELECT pseudonym, pseudonym_key FROM participants")).all()
    assert sorted(r[0] for r in rows) == sorted(["Max", "max", "Мах"])
    assert sorted(r[1] for r in rows) == ["max", "max#2", "max#3"]
    engine.dispose()


def test_designs_stored_before_the_fix_are_mended_by_the_upgrade(tmp_path):
    """H4 and M4 for data already stored: a revision kept with its BOM could not be read back,
    and one kept the file's own `pseudonyms` (a real name). The 0005 migration mends both and
    leaves a revision that is no JSON at all as it was."""
    engine = database_at(tmp_path, "0003")
    designs = {
        "a": '\ufeff{"title": "Park", "pseudonyms": ["Fox"]}',
        "b": '{"title": "Platz", "pseudonyms": ["Anna Schmidt", "anna@example.org"]}',
        "c": "not json at all",
    }
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO workshops (id, code, title, level_id, phase, votes_per_participant,"
                " moderation, created) VALUES (1, 'ABCDEF', 'W', 'demo', 'voting', 3, 'post',"
                " '2026-01-01')"
            )
        )
        db.execute(
            sa.text(
                "INSERT INTO participants (id, workshop_id, pseudonym, pseudonym_key, token_hash,"
                " created) VALUES (1, 1, 'Fox', 'fox', :hash, '2026-01-01')"
            ),
            {"hash": "0" * 64},
        )
        for uuid, design in designs.items():
            db.execute(
                sa.text(
                    "INSERT INTO submissions (uuid, workshop_id, participant_id, revision,"
                    " content_hash, title, description, pseudonym, metrics, status, feedback,"
                    " created, updated) VALUES (:uuid, 1, 1, 1, 'h', 't', '', 'Fox', '{}',"
                    " 'approved', '', '2026-01-01', '2026-01-01')"
                ),
                {"uuid": uuid},
            )
            db.execute(
                sa.text(
                    "INSERT INTO revisions (uuid, revision, content_hash, design, created)"
                    " VALUES (:uuid, 1, 'h', :design, '2026-01-01')"
                ),
                {"uuid": uuid, "design": design},
            )
    migrate(engine)
    with engine.begin() as db:
        stored = dict(db.execute(sa.text("SELECT uuid, design FROM revisions")).all())
        joining = db.execute(sa.text("SELECT joining, max_participants FROM workshops")).one()
    engine.dispose()
    assert json.loads(stored["a"]) == {"title": "Park", "pseudonyms": ["Fox"]}
    assert json.loads(stored["b"]) == {"title": "Platz", "pseudonyms": ["Fox"]}
    assert stored["c"] == "not json at all"
    assert tuple(joining) == ("until_voting", None)  # 0004: joining ends when voting starts
