"""The import rules of docs/architecture.md hold, and breaking one of them fails the check.

The rules are import-linter contracts in pyproject.toml; `make check` runs the same command.
Each contract is its own test, so a failure names the rule that broke.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]["contracts"]
NAMES = {contract["id"]: contract["name"] for contract in CONTRACTS}


def lint_imports(cwd: Path, contract: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` for one contract, on the packages and pyproject.toml found in `cwd`."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), "--no-logo", "--no-cache", "--contract", contract],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("contract", sorted(NAMES))
def test_contract_is_kept(contract):
    result = lint_imports(ROOT, contract)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("injected", "contract", "broken_import"),
    [
        ("import game.render.topview", "client-layers", "game.core.level -> game.render.topview"),
        ("import pyglet", "pure-core", "game.core.level -> pyglet"),
        ("import game.app.editor", "editor-entry", "game.io.levels -> game.app.editor"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, injected, contract, broken_import):
    """A copy of the packages with one forbidden import fails with the contract's name."""
    for package in ("game", "server_sync"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    module = tmp_path / (broken_import.split(" -> ")[0].replace(".", "/") + ".py")
    module.write_text(module.read_text(encoding="utf-8") + f"\n{injected}\n", encoding="utf-8")

    result = lint_imports(tmp_path, contract)

    assert result.returncode == 1, result.stdout + result.stderr
    # The report wraps long lines at 80 columns; the name's start identifies the contract.
    assert NAMES[contract][:60] in result.stdout
    assert "BROKEN" in result.stdout
    assert broken_import in result.stdout
