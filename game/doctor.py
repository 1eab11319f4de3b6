"""`quartier doctor`: what a teacher sends when something is wrong, gathered in one place.

Versions (Quartier, Python, the system, every library Quartier depends on, by extra), the OpenGL
renderer a window of the editor gets, the data folders, the joined workshop (its server, never the
token) and the log file. The library list is read from Quartier's installed metadata, so it always
names what `pyproject.toml` declares; the requirement strings are split with two regular
expressions because `packaging` is not among the dependencies of a pupil's install.
"""

import json
import platform
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from game import __version__
from game.io import paths
from game.io.logs import log_file

GL_TIMEOUT_S = 20
# Opens a window as the editor does (its config, hidden) and prints what the driver says it is.
GL_PROBE = """
import json, sys, pyglet
pyglet.options["headless"] = sys.argv[1] == "headless"
pyglet.options["shadow_window"] = False
from game.app.window import window_config
window = pyglet.window.Window(16, 16, visible=False, config=window_config())
from pyglet.gl import gl_info
print(json.dumps({"renderer": gl_info.get_renderer(), "version": gl_info.get_version_string()}))
window.close()
"""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
LEFT_OUT_EXTRAS = ("test",)  # a developer's tools, nothing a teacher's report needs


@dataclass(frozen=True)
class OpenGL:
    """The renderer and version, or `problem`: why no OpenGL window opened (the driver's words)."""

    renderer: str | None = None
    version: str | None = None
    problem: str | None = None


def probe_opengl(headless: bool, timeout: float = GL_TIMEOUT_S) -> OpenGL:
    """Open an OpenGL window as the editor would, in a child process, so that a driver that
    crashes or hangs cannot take the caller with it; `headless` uses EGL, without a screen."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", GL_PROBE, "headless" if headless else "window"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return OpenGL(problem=f"no answer within {timeout:g} s")
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return OpenGL(problem=lines[-1] if lines else f"exit code {result.returncode}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return OpenGL(renderer=answer["renderer"], version=answer["version"])


def libraries() -> dict[str, dict[str, str | None]]:
    """Installed version of each dependency (None: not installed), by extra ("base" is the pupil
    install, without extras). Empty when Quartier runs from a checkout that was never installed."""
    try:
        requirements = metadata.requires("quartier") or []
    except metadata.PackageNotFoundError:
        requirements = []
    groups: dict[str, dict[str, str | None]] = {}
    for requirement in requirements:
        name = _NAME.match(requirement)
        extra = _EXTRA.search(requirement)
        group = extra.group(1) if extra else "base"
        if name and group not in LEFT_OUT_EXTRAS:
            groups.setdefault(group, {})[name.group(0)] = _version(name.group(0))
    return groups


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def folders() -> dict[str, str]:
    return {
        name: str(where())
        for name, where in (
            ("designs", paths.designs_dir),
            ("levels", paths.levels_dir),
            ("autosave", paths.autosave_dir),
            ("outbox", paths.outbox_dir),
            ("logs", paths.logs_dir),
        )
    }


def workshop() -> dict[str, str] | None:
    """The workshop this computer joined: server, workshop and pseudonym, not the token."""
    from game.sync import load_participant

    person = load_participant(paths.participant_file())
    if person is None:
        return None
    return {
        "server": person.server,
        "workshop_id": person.workshop_id,
        "pseudonym": person.pseudonym,
    }


def report(headless: bool) -> dict[str, Any]:
    """Everything `quartier doctor` prints, as plain JSON values."""
    log = log_file()
    return {
        "quartier": __version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_path": sys.executable,
        "system": platform.platform(),
        "libraries": libraries(),
        "opengl": asdict(probe_opengl(headless)),
        "folders": folders(),
        "workshop": workshop(),
        "log_file": str(log) if log else None,
    }
