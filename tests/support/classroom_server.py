"""A classroom server for tests: `quartier-server serve --classroom` (or `--public-url`) in
its own process, what it told the teacher, and a real QR reader for the pages' join codes.

The server listens on every address; a test reaches it through 127.0.0.1 only.
"""

import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from live_server import MODERATOR, free_port
from playwright.sync_api import Page

PUPILS = "Pupils open: "
ONLY_HERE = "Warning: only this computer can reach the server"


class Classroom:
    """`quartier-server serve OPTIONS` in its own process, and what it told the teacher."""

    def __init__(self, data_dir: Path, *options: str) -> None:
        self.port, self.options = free_port(), options
        self.later: list[str] = []  # what it printed after it started (warnings, errors)
        self.url = f"http://127.0.0.1:{self.port}"  # how the teacher's own browser reaches it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server_sync.cli", "serve", "--port", str(self.port)]
            + ["--data-dir", str(data_dir), *options],
            env={**os.environ, "QUARTIER_MODERATOR_TOKEN": MODERATOR, "QUARTIER_LANG": "en"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.printed = self._wait_until_up()

    def _wait_until_up(self) -> list[str]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stdout.read() if self.process.stdout else "")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start within 60 s")
        # What it told the teacher is printed before it serves: where it serves, then (with
        # --classroom or --public-url) where pupils go or the warning. The rest stays unread.
        out = self.process.stdout
        assert out is not None
        told = 2 if {"--classroom", "--public-url"} & set(self.options) else 1
        printed = [out.readline().strip() for _ in range(told)]
        # What it says later is read too, so that a full pipe can never stop the server.
        threading.Thread(target=self.later.extend, args=(out,), daemon=True).start()
        return printed

    def pupils_url(self) -> str | None:
        for line in self.printed:
            if line.startswith(PUPILS):
                return line.removeprefix(PUPILS)
        return None

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self.process.wait(10)


@contextlib.contextmanager
def classroom(tmp_path: Path, *options: str) -> Iterator[Classroom]:
    server = Classroom(tmp_path / "server", *options)
    try:
        yield server
    finally:
        server.stop()


def read_qr(page: Page) -> str:
    """The text of the page's QR code, as a phone's camera would read it."""
    import zxingcpp
    from PIL import Image

    picture = Image.open(io.BytesIO(page.locator(".qr svg").screenshot()))
    found = zxingcpp.read_barcodes(picture)
    assert [code.format for code in found] == [zxingcpp.BarcodeFormat.QRCode], "no QR code read"
    return found[0].text
