"""A design's level id is a name, never a path (issue 13, M7): a design naming `/dev/zero`, a FIFO
or `/dev/stdin` as its level is refused at once by `quartier design info` and `validate`, and an
explicit level path on the command line is read only if it is an ordinary file."""

import json
import os
import resource
import subprocess
import sys

import pytest
from live_server import design_text

from game.core.errors import QuartierError
from game.io.levels import find_level
from game.io.storage import read_document

MEMORY = 2 * 1024**3  # far more than the command needs, far less than /dev/zero offers


def quartier(*args: str, home) -> subprocess.CompletedProcess[str]:
    """The command as a pupil runs it, in its own process: a hang or an endless read shows as a
    timeout or a memory error, not a stuck test run."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run(
        [sys.executable, "-m", "game.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        env={**os.environ, "QUARTIER_HOME": str(home), "QUARTIER_LANG": "en"},
        stdin=subprocess.PIPE,  # never closed by us: reading it would wait forever
    )


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "level.fifo"
    os.mkfifo(path)
    return path


def design_on(tmp_path, level_id: str):
    doc = json.loads(design_text())
    doc["level"]["id"] = level_id
    path = tmp_path / "odd.design.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("command", ["info", "validate"])
@pytest.mark.parametrize(
    "level", ["/dev/zero", "/dev/stdin", "FIFO", "../levels/demo", "demo.json"]
)
def test_a_design_naming_a_path_as_its_level_is_refused_at_once(
    tmp_path, fifo, quartier_home, command, level
):
    path = design_on(tmp_path, str(fifo) if level == "FIFO" else level)
    try:
        done = quartier("design", command, str(path), home=quartier_home)
    except subprocess.TimeoutExpired:
        pytest.fail(f"design {command} hung on a design whose level is {level}")
    assert done.returncode != 0
    assert "level.id" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_level_id_is_only_looked_up_among_the_known_levels(tmp_path, monkeypatch):
    (tmp_path / "demo").write_text("not a level")
    monkeypatch.chdir(tmp_path)
    assert find_level("demo").id == "demo"  # the bundled one, not the file in the folder
    for name in ("/dev/zero", str(tmp_path / "demo"), "levels/demo.level.json"):
        with pytest.raises(QuartierError) as refused:
            find_level(name)
        assert refused.value.key == "error.unknown_level"


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/stdin", "FIFO"])
def test_an_explicit_level_path_that_is_no_ordinary_file_is_refused(
    tmp_path, fifo, quartier_home, source
):
    level = str(fifo) if source == "FIFO" else source
    out = tmp_path / "new.design.json"
    try:
        done = quartier("design", "new", "--level", level, "--out", str(out), home=quartier_home)
    except subprocess.TimeoutExpired:
        pytest.fail(f"design new hung on --level {level}")
    assert done.returncode != 0 and "not an ordinary file" in done.stderr, done.stderr
    assert not out.exists()


def test_documents_are_read_from_ordinary_files_only(tmp_path, fifo):
    with pytest.raises(QuartierError) as refused:
        read_document(fifo)
    assert refused.value.key == "error.not_a_file"
    with pytest.raises(QuartierError) as refused:
        read_document(tmp_path)
    assert refused.value.key == "error.is_a_folder"
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(QuartierError) as refused:
        read_document(big, max_bytes=1024)
    assert refused.value.key == "error.file_too_large"
    assert read_document(big, max_bytes=4096) == b" " * 2048
