"""`make test` names the groups of tests that did not run and how to install what they need;
under QUARTIER_CI=1 (`.ci/run`) nothing may skip. Checked on a tiny test file in a child pytest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).parent / "support"

NEEDS_CHROMIUM = """
import pytest
from missing_tools import missing

@pytest.fixture(scope="session")
def chromium():
    missing("browser", "Chromium not found at /nowhere/chromium")

def test_gallery(chromium):
    pass

def test_voting(chromium):
    pass

def test_without_a_browser():
    pass
"""


def run_pytest(tmp_path: Path, source: str, ci: bool) -> subprocess.CompletedProcess:
    (tmp_path / "test_tiny.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "QUARTIER_CI"}
    env["PYTHONPATH"] = str(SUPPORT)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugin under test
    if ci:
        env["QUARTIER_CI"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-ra", "-p", "missing_tools"]
        + ["-p", "no:cacheprovider", "test_tiny.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def test_a_missing_tool_skips_and_the_end_of_the_run_says_what_to_install(tmp_path):
    result = run_pytest(tmp_path, NEEDS_CHROMIUM, ci=False)
    assert result.returncode == 0, result.stdout
    out = result.stdout
    box = out[out.index("╔") : out.rindex("╝")]
    assert "Did not run:" in box and "2 browser tests (Chromium)" in box
    assert "Install with: apt-get install chromium" in box
    assert out.index("╝") > out.index("SKIPPED")  # after pytest's own list of skips
    assert "1 passed, 2 skipped" in out


def test_under_ci_a_missing_tool_fails_with_the_install_command(tmp_path):
    result = run_pytest(tmp_path, NEEDS_CHROMIUM, ci=True)
    assert result.returncode == 1
    assert "2 errors" in result.stdout or "2 failed" in result.stdout
    assert (
        "Chromium not found at /nowhere/chromium (QUARTIER_CI=1: nothing may skip)" in result.stdout
    )
    assert "Install with: apt-get install chromium" in result.stdout


@pytest.mark.parametrize("ci, code", [(False, 0), (True, 1)])
def test_under_ci_any_other_skip_fails_the_run_too(tmp_path, ci, code):
    source = "import pytest\n\ndef test_later():\n    pytest.skip('not today')\n"
    result = run_pytest(tmp_path, source, ci=ci)
    assert result.returncode == code
    assert ("in CI nothing may skip" in result.stdout) == ci
    assert "Did not run" not in result.stdout
