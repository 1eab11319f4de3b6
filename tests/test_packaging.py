"""The wheel and the extras: what a pupil, city staff and a server install get, and that it is enough.

`scripts/wheel-smoke` installs the wheel for real and runs every command; these tests check the
same promises quickly from the checkout: the file list of the wheel, that every import is a
declared dependency of the right extra, that the pupil's commands never import the GIS
libraries, and that a missing extra is a message naming it.
"""

import ast
import functools
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from game.cli import main
from game.core.errors import QuartierError

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
GIS_LIBRARIES = {"pyproj", "shapely", "osmium", "lxml", "tifffile", "pyogrio"}
# The modules that may import the [gis] extra at the top; they are only imported behind
# `game.io.gis.require_gis()` (`game/io/gis.py` itself imports them to check).
GIS_MODULES = {
    "game/io/gis.py",
    "game/io/georef.py",
    "game/io/features.py",
    "game/io/geojson_import.py",
    "game/io/cityjson_import.py",
    "game/io/osm_import.py",
    "game/io/citygml_import.py",
    "game/io/ogr_import.py",
    "game/io/level_import.py",
    "game/io/voxelise.py",
    "game/io/terrain.py",
    "game/io/level_info.py",
    "game/io/design_features.py",
    "game/io/formats/geojson.py",
    "game/io/formats/cityjson.py",
    "game/io/formats/citygml.py",
    "game/io/formats/gpkg.py",
}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(*extras: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {_name(r) for r in project["optional-dependencies"][extra]}
    return names - {"quartier"}


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    """Top-level names of every absolute import in a file, also those inside functions (each
    file parsed once: three tests ask)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return frozenset(found - set(sys.stdlib_module_names) - {"game", "server_sync", "__future__"})


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    """Which installed distributions provide each top-level module: asked once, because each
    call reads every installed package's file list (15 s a test when asked for every import)."""
    return importlib.metadata.packages_distributions()


def _distribution(module: str) -> str:
    names = _distributions().get(module)
    assert names, f"{module} is imported but no installed distribution provides it"
    return names[0].lower().replace("_", "-")


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_every_import_in_game_is_a_base_dependency_and_gis_only_in_the_gis_modules():
    base, gis = _declared(), _declared("gis")
    for path in _sources("game"):
        relative = path.relative_to(ROOT).as_posix()
        allowed = gis if relative in GIS_MODULES else base
        for module in _imports(path):
            assert _distribution(module) in allowed, (
                f"{relative} imports {module}, which the "
                f"{'[gis] extra' if relative in GIS_MODULES else 'pupil install'} does not bring"
            )


def test_every_import_in_the_server_is_in_its_extra():
    # [postgres] is the server's too: the votes' pool, imported only for a PostgreSQL URL.
    allowed = _declared("server", "postgres")
    for path in _sources("server_sync"):
        for module in _imports(path):
            assert _distribution(module) in allowed, f"{path} imports {module}"


def test_every_base_dependency_is_used_so_the_pupil_install_carries_nothing_idle():
    used = {
        _distribution(module)
        for folder in ("game", "server_sync")
        for path in _sources(folder)
        for module in _imports(path)
    }
    assert _declared() - used == set()


def test_the_pupils_commands_load_no_gis_library():
    """Importing everything `play`, `render`, `design`, `join` and `sync` use leaves pyproj and shapely out."""
    modules = [
        "game.cli",
        "game.app.launch",
        "game.render.snapshot",
        "game.io.formats",
        "game.io.formats.gltf",
        "game.io.formats.obj",
        "game.io.formats.vox",
        "game.io.formats.geojson",
        "game.io.formats.cityjson",
        "game.io.formats.gpkg",
        "game.io.vox",
        "game.sync",
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {sorted(GIS_LIBRARIES)!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


@pytest.fixture
def without_gis(monkeypatch):
    """As in a pupil's install: importing pyproj or shapely fails."""
    for name in GIS_LIBRARIES:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_level_import_without_the_gis_extra_names_the_command_that_installs_it(
    without_gis, tmp_path, capsys, lang
):
    source = tmp_path / "city.geojson"
    source.write_text('{"type": "FeatureCollection", "features": []}')
    out = tmp_path / "city.level.json"
    argv = ["--lang", lang, "level", "import", str(source), "--out", str(out), "--licence", "CC0"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert 'pip install "quartier[gis]"' in err and "Traceback" not in err
    assert ("GIS-Erweiterung" if lang == "de" else "GIS extra") in err
    assert not out.exists()


def test_level_info_and_gis_design_export_without_the_extra_say_so(without_gis, tmp_path, capsys):
    demo_design = tmp_path / "d.design.json"
    assert (
        main(["design", "new", "--level", "berlin-potsdamer-platz", "--out", str(demo_design)]) == 0
    )
    assert main(["--lang", "en", "level", "info", "demo"]) == 1
    out = tmp_path / "d.geojson"
    assert (
        main(["design", "export", str(demo_design), "--format", "geojson", "--out", str(out)]) == 1
    )
    err = capsys.readouterr().err
    assert err.count('pip install "quartier[gis]"') == 2
    # The voxel-model formats need nothing from it.
    glb = tmp_path / "d.glb"
    assert main(["design", "export", str(demo_design), "--format", "glb", "--out", str(glb)]) == 0
    assert glb.stat().st_size > 0


def test_a_postgresql_url_without_the_driver_names_the_postgres_extra(monkeypatch):
    from server_sync.db import make_engine

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(QuartierError) as refused:
        make_engine("postgresql+psycopg://quartier@127.0.0.1:1/quartier")
    assert refused.value.key == "error.needs_postgres"
    assert 'pip install "quartier[postgres]"' in refused.value.message("de")


def test_the_wheel_ships_the_package_and_bundled_levels_but_no_generators_sources_or_backups(
    tmp_path,
):
    source = tmp_path / "checkout"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", ".gitignore"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("game", "server_sync", "assets", "levels"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (source / "levels" / "demo.level.json.bak").write_bytes(b"{}")  # as `write_atomic` keeps one
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("quartier-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    levels = {n.removeprefix("game/_data/levels/") for n in names if "/_data/levels/" in n}
    assert levels == {p.name for p in (ROOT / "levels").glob("*.level.json")}
    assets = {p.relative_to(ROOT).as_posix() for p in (ROOT / "assets").rglob("*") if p.is_file()}
    assert {f"game/_data/{a}" for a in assets} <= names
    assert "game/cli.py" in names and "server_sync/templates/base.html" in names
    # The design page's 3D view: its script and the vendored three.js with its licence.
    vendored = {"three.min.js", "LICENSE", "README.md"}
    assert {f"server_sync/static/vendor/three/{n}" for n in vendored} <= names
    assert "server_sync/static/view3d.js" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.endswith(".bak") or "__pycache__" in n]
    assert not [n for n in names if not n.startswith(("game/", "server_sync/", "quartier-"))]
