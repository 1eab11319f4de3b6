"""Window tests: pyglet runs headless (EGL). They skip only outside CI, naming what to install."""

import os
import subprocess
import sys

import pytest
from missing_tools import missing

from game.doctor import probe_opengl

# Asked once per session, in a child process, exactly as `quartier doctor` asks.
_GL = probe_opengl(headless=True, timeout=60)


@pytest.fixture(scope="session")
def headless_gl():
    if _GL.problem is not None:
        missing("window", f"headless OpenGL unavailable ({_GL.problem})")


@pytest.fixture
def play(headless_gl, tmp_path):
    """Run `quartier play --headless` with a script; returns the finished process."""

    def run(script: list, *args: str, level: str = "demo") -> subprocess.CompletedProcess:
        import json

        path = tmp_path / "script.json"
        path.write_text(json.dumps(script))
        command = [
            sys.executable,
            "-m",
            "game.cli",
            "play",
            "--headless",
            "--script",
            str(path),
            *args,
        ]
        if "--design" not in args:
            command += ["--level", level]
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env={**os.environ, "QUARTIER_LANG": "en"},
        )

    return run


@pytest.fixture
def window(headless_gl):
    """An editor window on the demo level inside this process (pyglet headless)."""
    import pyglet

    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False
    from game.app.launch import PlayOptions, create_editor
    from game.app.window import EditorWindow

    w = EditorWindow(create_editor(PlayOptions(level="demo")), 960, 540, visible=False)
    yield w
    w.close()


@pytest.fixture
def read_png():
    import numpy as np
    from PIL import Image

    return lambda path: np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; each test opens its own contexts (own cookies)."""
    from browser import launch, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A real `quartier-server` (SQLite) for the module's tests; each test makes its own workshop."""
    from browser import Site
    from live_server import LiveServer

    server = LiveServer(tmp_path_factory.mktemp("site"), None).start()
    try:
        yield Site(server.url)
    finally:
        server.kill()


@pytest.fixture
def visitor(browser, site):
    """`visitor(size, lang)`: a new page in a fresh browser context (no cookies), on the site."""
    from browser import PHONE

    contexts = []

    def open_page(size=PHONE, lang="en"):
        context = browser.new_context(viewport=size, locale=lang, base_url=site.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def moderator(visitor):
    """`moderator(size)`: a page signed in at /moderate with the moderator token."""
    from live_server import MODERATOR

    def signed_in(**kwargs):
        page = visitor(**kwargs)
        page.goto("/moderate")
        page.get_by_label("Moderator token").fill(MODERATOR)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="New workshop").wait_for()
        return page

    return signed_in
