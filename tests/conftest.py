"""Shared fixtures: an isolated QUARTIER_HOME and logging for every test, small constructed levels.

The plugin `missing_tools` (tests/support) gives skips for a missing tool their group and install
hint, fails them under QUARTIER_CI=1, and sums them up at the end of the run.
"""

import logging
import sys
import threading
from pathlib import Path

import numpy as np
import pyglet
import pytest

from game.core.catalogue import default_catalogue
from game.core.level import Level, build_level_document

pytest_plugins = ["missing_tools", "server_fixtures"]

# No test opens a window on a screen: pyglet picks its display (EGL without one) when a test
# module first imports `pyglet.window`, which with two xdist workers can be any module.
pyglet.options["headless"] = True
pyglet.options["shadow_window"] = False


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory):
    """Also servers that a module or the session starts (and their log files) stay out of the
    real user's folders; each test then gets its own home below."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUARTIER_HOME", str(tmp_path_factory.mktemp("session-home")))
        yield


@pytest.fixture(autouse=True)
def quartier_home(tmp_path, monkeypatch) -> Path:
    """No test ever writes into the real user's folders."""
    home = tmp_path / "quartier-home"
    monkeypatch.setenv("QUARTIER_HOME", str(home))
    monkeypatch.setenv("QUARTIER_LANG", "en")
    return home


@pytest.fixture(autouse=True)
def process_logging():
    """`quartier` run in-process sets up its log file and exception hooks (game.io.logs); after
    the test, pytest's own are back, so a later test's log records and thread errors reach pytest."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = sys.excepthook, threading.excepthook
    yield
    for handler in [
        h for h in root.handlers if isinstance(h, logging.FileHandler) and h not in handlers
    ]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


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
