"""The moderator's export for the council: a workshop with 30 designs on the demo level (prints a table).

Run: `make bench` or `.venv/bin/python benchmarks/council.py`. The workshop is filled through the
real API (30 participants each submit a design and cast 3 votes), then `quartier-server export`
writes the zip twice: with the pictures the server rendered at upload, as usual, and after the
picture cache was emptied, so that the export renders all 60 itself. Target: under 30 s.
`--quick`: 4 designs, one export each way.
"""

import contextlib
import io
import os
import shutil
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from mode import pick
from table import print_table

DESIGNS = pick(30, 4)  # more than VOTES: nobody votes for their own design
VOTES = 3
TOKEN = "benchmark-moderator-token-0123456789"


def fill_workshop(data_dir: Path) -> str:
    """A closed workshop with DESIGNS approved designs and votes; returns its join code."""
    os.environ["QUARTIER_MODERATOR_TOKEN"] = TOKEN
    from fastapi.testclient import TestClient

    from game.core.design import new_design, save_changes
    from game.core.ops import Box
    from game.core.session import Session
    from game.io.levels import find_level
    from server_sync.app import create_app
    from server_sync.settings import Settings

    level = find_level("demo")
    app, _ = create_app(Settings(data_dir=data_dir, rate_limit=1_000_000))
    mod = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app) as client:
        workshop = client.post(
            "/api/v1/workshops",
            json={"title": "Benchmark", "level_id": "demo", "votes_per_participant": VOTES},
            headers=mod,
        ).json()
        people, uuids = [], []
        for n in range(DESIGNS):
            joined = client.post(
                "/api/v1/join", json={"code": workshop["code"], "pseudonym": f"Team{n:02d}"}
            ).json()
            people.append({"Authorization": f"Bearer {joined['token']}"})
            session = Session(level)
            x, y = 50 + (n % 6) * 5, 52 + (n // 6) * 5
            session.apply(Box(from_=(x, y, 1), to=(x + 3, y + 3, 1 + n % 6), block="housing"))
            doc = save_changes(
                new_design(level, "bench", title=f"Entwurf Nr. {n + 1}", pseudonym=f"Team{n:02d}"),
                session,
                "bench",
            )
            client.put(
                f"/api/v1/submissions/{doc.id}", content=doc.to_json(), headers=people[-1]
            ).raise_for_status()
            client.post(
                f"/api/v1/submissions/{doc.id}/moderation", json={"action": "approve"}, headers=mod
            ).raise_for_status()
            uuids.append(str(doc.id))
        client.patch(
            f"/api/v1/workshops/{workshop['id']}", json={"phase": "voting"}, headers=mod
        ).raise_for_status()
        for n, person in enumerate(people):
            for k in range(1, VOTES + 1):
                client.put(
                    f"/api/v1/submissions/{uuids[(n + k) % DESIGNS]}/vote", headers=person
                ).raise_for_status()
        client.patch(
            f"/api/v1/workshops/{workshop['id']}", json={"phase": "closed"}, headers=mod
        ).raise_for_status()
    return workshop["code"]


def export_seconds(data_dir: Path, code: str, out: Path) -> float:
    from server_sync.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(
                [
                    "export",
                    "--workshop",
                    code,
                    "--out",
                    str(out),
                    "--data-dir",
                    str(data_dir),
                    "--lang",
                    "de",
                ]
            )
            == 0
        )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, out = Path(tmp) / "server", Path(tmp) / "council.zip"
        code = fill_workshop(data_dir)
        cached = statistics.median(export_seconds(data_dir, code, out) for _ in range(pick(3, 1)))
        with zipfile.ZipFile(out) as archive:
            report = len(archive.read("report.pdf"))
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(archive.read("report.pdf"))).pages)
        size = out.stat().st_size
        shutil.rmtree(data_dir / "images")
        cold = export_seconds(data_dir, code, out)
    rows = [
        (
            f"{DESIGNS} designs, pictures cached",
            f"{cached:.1f} s",
            f"{size / 2**20:.1f} MB",
            f"{pages} pages, {report / 2**20:.1f} MB",
        ),
        (
            f"{DESIGNS} designs, pictures rendered",
            f"{cold:.1f} s",
            f"{size / 2**20:.1f} MB",
            f"{pages} pages, {report / 2**20:.1f} MB",
        ),
    ]
    print_table(("demo workshop", "export", "zip", "report.pdf"), rows)


if __name__ == "__main__":
    main()
