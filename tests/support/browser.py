"""Browser tests' helpers: real Chromium driven by Playwright against a real server process.

Chromium comes from Debian (`apt-get install chromium`); Playwright's own browser download is
never needed. Outside CI the tests skip, naming what to install; in CI they fail instead
(tests/support/missing_tools.py).
"""

import os
from pathlib import Path

import httpx
from live_server import Api
from missing_tools import missing

CHROMIUM = Path(os.environ.get("QUARTIER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}


def chromium_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright not installed: pip install -e '.[test]'"
    return None


def require_chromium() -> None:
    reason = chromium_missing()
    if reason:
        missing("browser", reason)


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


class Site(Api):
    """The server under test: its address, and the API calls a test uses to set the scene."""

    def __init__(self, url: str) -> None:
        super().__init__(httpx.Client(base_url=url, timeout=60))
        self.url = url

    def workshop(self, title: str = "Unser Platz", **fields) -> dict:
        return super().workshop(title=title, **fields)

    def submit_as(self, workshop: dict, pseudonym: str, title: str, x: int = 50) -> str:
        """A new participant joins and submits a design; its uuid."""
        return self.submit(self.join(workshop, pseudonym), title, x)[0]


def screenshot_dir() -> Path | None:
    """Where `make screenshots` wants the page pictures (else the tests keep none)."""
    folder = os.environ.get("QUARTIER_PAGE_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def serious_axe_findings(page) -> list[str]:
    """axe-core's serious and critical findings on the page, with the first few places each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
