"""Shared fixtures: an isolated QUARTIER_HOME for every test, and small constructed levels."""

from pathlib import Path

import numpy as np
import pytest

from game.core.catalogue import default_catalogue
from game.core.level import Level, build_level_document

pytest_plugins = ["server_fixtures"]


@pytest.fixture(autouse=True)
def quartier_home(tmp_path, monkeypatch) -> Path:
    """No test ever writes into the real user's folders."""
    home = tmp_path / "quartier-home"
    monkeypatch.setenv("QUARTIER_HOME", str(home))
    monkeypatch.setenv("QUARTIER_LANG", "en")
    return home


@pytest.fixture(scope="session")
def catalogue():
    return default_catalogue()


def make_level(
    shape=(16, 16, 8),
    zone=(slice(4, 12), slice(4, 12)),
    zone_top=6,
    locked=None,
    city=None,
    level_id="test",
    allowed=None,
    **extra,
) -> Level:
    """A small level: grass ground, an editable square zone, optional locked voxels."""
    cat = default_catalogue()
    if city is None:
        city = np.zeros(shape, np.uint8)
        city[:, :, 0] = cat.id("grass")
    zone_columns = np.zeros(shape[:2], bool)
    zone_columns[zone] = True
    doc = build_level_document(
        city=city,
        zone_columns=zone_columns,
        zone_top=zone_top,
        locked=locked,
        catalogue=cat,
        id=level_id,
        title={"de": "Test", "en": "Test"},
        description={"de": "", "en": ""},
        voxel_size_m=extra.pop("voxel_size_m", 1.0),
        budget=1e6,
        source="tests",
        licence="CC0-1.0",
        allowed_blocks=allowed,
        **extra,
    )
    return Level(doc, cat)


@pytest.fixture
def level() -> Level:
    return make_level()


@pytest.fixture
def level_factory():
    return make_level
