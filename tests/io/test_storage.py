import errno

import pytest

from game.core.errors import QuartierError
from game.io import paths, storage
from game.io.storage import Autosaver, backup_path, read_document, write_atomic


def test_writing_keeps_the_previous_version_as_bak(tmp_path):
    path = tmp_path / "d.design.json"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert backup_path(path).read_bytes() == b"one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.design.json", "d.design.json.bak"]


@pytest.mark.parametrize(
    "code, message",
    [
        (errno.ENOSPC, "disk is full"),
        (errno.EROFS, "No permission"),
        (errno.EACCES, "No permission"),
        (errno.EIO, "could not be saved"),
    ],
)
def test_a_failing_disk_leaves_the_old_file_intact_and_says_why(
    tmp_path, monkeypatch, code, message
):
    path = tmp_path / "d.design.json"
    write_atomic(path, b"precious work")

    def failing_fsync(fd):
        raise OSError(code, "simulated")

    monkeypatch.setattr(storage.os, "fsync", failing_fsync)
    with pytest.raises(QuartierError, match=message) as info:
        write_atomic(path, b"new")
    assert "previous file is unchanged" in str(info.value)
    assert path.read_bytes() == b"precious work"
    assert [p.name for p in tmp_path.iterdir()] == ["d.design.json"]  # no temporary files left


def test_a_crash_between_writing_and_renaming_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "d.design.json"
    write_atomic(path, b"saved")

    def crash(src, dst):
        raise OSError(errno.EIO, "power cut")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(QuartierError):
        write_atomic(path, b"half")
    assert path.read_bytes() == b"saved"


def test_reading_missing_oversized_or_folder_paths_gives_clear_messages(tmp_path):
    with pytest.raises(QuartierError, match="File not found"):
        read_document(tmp_path / "nope.json")
    with pytest.raises(QuartierError, match="is a folder"):
        read_document(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(QuartierError, match="too large"):
        read_document(big, max_bytes=1024)


def test_autosave_writes_only_when_dirty_and_due(tmp_path):
    now = [0.0]
    saves = []
    path = tmp_path / "auto.design.json"
    saver = Autosaver(path, lambda: saves.append(1) or b"state", interval=30, clock=lambda: now[0])
    assert not saver.tick()
    saver.mark_dirty()
    now[0] = 29
    assert not saver.tick()
    now[0] = 30
    assert saver.tick() and path.read_bytes() == b"state"
    assert not saver.tick()
    saver.mark_dirty()
    assert saver.flush() and len(saves) == 2


def test_a_failed_autosave_stays_dirty_and_reports_the_error(tmp_path, monkeypatch):
    saver = Autosaver(tmp_path / "a.json", lambda: b"x", interval=0)
    saver.mark_dirty()
    monkeypatch.setattr(
        storage.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full"))
    )
    assert not saver.tick()
    assert saver.dirty and "disk is full" in str(saver.last_error)
    monkeypatch.undo()
    assert saver.tick() and not saver.dirty


def test_quartier_home_overrides_the_platform_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("QUARTIER_HOME", str(tmp_path / "stick"))
    assert paths.designs_dir() == tmp_path / "stick" / "designs"
    assert paths.outbox_dir().parent == paths.levels_dir().parent == tmp_path / "stick"
    monkeypatch.delenv("QUARTIER_HOME")
    assert "quartier" in str(paths.home()).lower()
