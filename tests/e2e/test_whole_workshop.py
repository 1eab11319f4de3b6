"""A whole school workshop the way a class of 30 has it (issue 14), with real processes only.

The teacher starts `quartier-server serve --classroom`, creates the workshop on the desk in
Chromium and reads the address, the code and the QR code off the projector page (the QR code
is read back by a real QR reader: it opens the address pupils use, never 127.0.0.1). Thirty
pupils join: three through the editor's own join screen (`quartier play --headless` with a
script: typed code, nickname, build, Submit), 27 through the same client code the editor runs
(`game.sync`). Each then opens the gallery on a phone-sized browser as the same participant,
through the personal code the editor shows. The teacher approves all, starts voting after a
confirmation, undoes it, starts it again, the class votes, the teacher closes and downloads
the council export.

What must hold: 30 participants (not 60: a phone is the same pupil), every vote counted once,
no design lost, and the results page shows every picture with shared ranks (1, 1, 3, 4, ...).
A test may only talk to 127.0.0.0/8: the server listens on every address and is reached
through 127.0.0.1, while the pages point pupils at the address the server printed.
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from browser import PHONE
from classroom_server import Classroom, classroom, read_qr
from live_server import MODERATOR, design_text
from playwright.sync_api import Page, expect

from game.core.design import parse_design
from game.io import storage
from game.sync.client import SyncClient, join
from game.sync.outbox import Outbox

PUPILS = 30
IN_THE_EDITOR = 3  # through the real join screen; the rest through the same client code
DESKTOP = {"width": 1280, "height": 900}
DRAG = {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [52, 53, 0]}}


def nickname(n: int) -> str:
    return f"Kind{n:02d}"


def start_editor_pupil(link: str, n: int, home: Path) -> subprocess.Popen[str]:
    """One pupil in the real editor: the join screen with the link from the board, a nickname,
    a box built and submitted. Started, not waited for: the editors and the other pupils join
    at the same time, as in a class (and the test waits for three editors once, not thrice)."""
    script = [
        {"do": "button", "label": "Join a workshop"},
        {"do": "text", "text": link},
        {"do": "key", "key": "TAB"},
        {"do": "key", "key": "TAB"},
        {"do": "text", "text": nickname(n)},
        {"do": "button", "label": "Join"},
        {"do": "button", "label": "Start building"},
        {"do": "tool", "tool": "box"},
        DRAG,
        {"do": "button", "label": "Submit"},
        {"do": "text", "text": f"Entwurf {n:02d}"},
        {"do": "button", "label": "Submit"},  # the dialog's: it is on top
        {"do": "wait_for_sync", "seconds": 60},
    ]
    home.mkdir(parents=True)
    (home / "script.json").write_text(json.dumps(script))
    command = [sys.executable, "-m", "game.cli", "play", "--headless", "--script", "script.json"]
    env = {**os.environ, "QUARTIER_HOME": str(home), "QUARTIER_LANG": "en"}
    return subprocess.Popen(
        command, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def saved_login(editor: subprocess.Popen[str], home: Path) -> dict:
    """The editor pupil's saved login (with the personal code), once their editor has finished."""
    _, errors = editor.communicate(timeout=300)
    assert editor.returncode == 0, errors
    return json.loads((home / "participant.json").read_text())


def client_pupil(server_url: str, code: str, n: int, folder: Path) -> dict:
    """One pupil through the editor's client code: join, then the outbox sends the design."""
    me = join(server_url, code, nickname(n))
    outbox = Outbox(folder, storage)
    outbox.queue(parse_design(design_text(f"Entwurf {n:02d}", x=34 + 3 * (n % 12))))
    with SyncClient(me, outbox) as client:
        report = client.send_pending()
    assert len(report.sent) == 1 and report.refused == [], report
    return me.to_json()


def confirm(desk: Page, button: str, yes: str) -> None:
    desk.get_by_role("button", name=button).click()
    desk.get_by_role("button", name=yes).click()


def votes_of(n: int) -> list[int]:
    """Whom pupil n votes for (two votes each): most for 1 and 2, so that they tie for the
    first rank; 1 and 2 give their second vote to 3."""
    return {1: [2, 3], 2: [1, 3]}.get(n, [1, 2])


@contextlib.contextmanager
def class_server(tmp_path: Path) -> Iterator[tuple[Classroom, str]]:
    """`serve --classroom` and the address it printed for pupils; on a machine without a
    network address (it says so), the same with a name for the class (`--public-url`)."""
    with classroom(tmp_path / "lan", "--classroom") as server:
        if server.pupils_url():
            yield server, str(server.pupils_url())
            return
    public = "http://quartier.klasse-7b.example:8765"
    with classroom(tmp_path / "named", "--classroom", "--public-url", public) as server:
        yield server, public


def test_a_class_of_30_from_joining_to_the_council_export(browser, tmp_path):
    with class_server(tmp_path) as (server, pupils_url):
        run_the_workshop(browser, tmp_path, server, pupils_url)


def run_the_workshop(browser, tmp_path: Path, server: Classroom, pupils_url: str) -> None:
    address = urlsplit(pupils_url).hostname
    assert address not in ("127.0.0.1", "localhost", "::1")

    # The teacher: the desk in Chromium, the workshop, the projector page.
    context = browser.new_context(viewport=DESKTOP, locale="en", base_url=server.url)
    context.set_default_timeout(20_000)
    desk = context.new_page()
    desk.goto("/moderate")
    desk.get_by_label("Moderator token").fill(MODERATOR)
    desk.get_by_role("button", name="Sign in").click()
    desk.get_by_label("Title").fill("Klasse 7b: Unser Platz")
    desk.get_by_label("Level").select_option("demo")
    desk.get_by_label("Votes per participant").fill("2")
    desk.get_by_role("button", name="Create workshop").click()
    workshop_id = int(desk.url.rsplit("/", 1)[1])
    desk.goto(f"/moderate/w/{workshop_id}/projector")
    code = desk.locator(".code-large").first.inner_text().strip()
    expect(desk.get_by_text(pupils_url).first).to_be_visible()
    link = read_qr(desk)
    assert link == f"{pupils_url}/?code={code}"
    # What a pupil types comes off the board; the test reaches the same server on 127.0.0.1.
    here = link.replace(pupils_url, server.url)

    # Thirty pupils join and send a design each.
    homes = {n: tmp_path / f"editor{n}" for n in range(1, IN_THE_EDITOR + 1)}
    editors = {n: start_editor_pupil(here, n, home) for n, home in homes.items()}
    try:
        others = [
            client_pupil(server.url, code, n, tmp_path / f"outbox{n}")
            for n in range(IN_THE_EDITOR + 1, PUPILS + 1)
        ]
        logins = [saved_login(editors[n], homes[n]) for n in homes] + others
    finally:
        for editor in editors.values():
            editor.kill()  # after a failure above; a finished one is not touched
            editor.wait()
    assert [login["pseudonym"] for login in logins] == [nickname(n) for n in range(1, PUPILS + 1)]
    assert all(login["personal_code"] for login in logins)

    # The teacher approves them all, starts voting, takes it back, and starts it again.
    desk.goto(f"/moderate/w/{workshop_id}")
    expect(desk.get_by_role("heading", name=f"Class ({PUPILS})")).to_be_visible()
    desk.get_by_role("button", name=f"Approve all waiting ({PUPILS})").click()
    expect(desk.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    confirm(desk, "Start voting", "Yes, open voting")
    expect(desk.get_by_text("Now: Voting")).to_be_visible()
    confirm(desk, "Reopen building", "Yes, reopen building")  # no vote yet: it can be undone
    expect(desk.get_by_text("Now: Building")).to_be_visible()
    confirm(desk, "Start voting", "Yes, open voting")

    # Each pupil signs their phone in with the editor's personal code and votes twice.
    uuids = designs_by_pupil(desk, workshop_id)
    for n, login in enumerate(logins, start=1):
        phone = browser.new_context(viewport=PHONE, locale="en", base_url=server.url)
        phone.set_default_timeout(20_000)
        page = phone.new_page()
        page.goto(f"/p/{login['personal_code']}")  # what the editor's QR code opens
        page.get_by_role("button", name="Yes, sign in").click()
        expect(page.get_by_text(f"You are taking part as {nickname(n)}")).to_be_visible()
        for target in votes_of(n):
            page.locator(f"#d-{uuids[target]} form button").click()
            expect(page.locator(f"#d-{uuids[target]} .voted")).to_be_visible()
        expect(page.get_by_text("You have 0 of 2 votes left.")).to_be_visible()
        phone.close()

    # The teacher closes, looks at the results and downloads the export.
    confirm(desk, "Close the workshop", "Yes, close the workshop")
    expect(desk.get_by_text("Now: Closed")).to_be_visible()
    expect(desk.get_by_role("heading", name=f"Class ({PUPILS})")).to_be_visible()  # not 60
    results = context.new_page()
    results.goto(f"/w/{code}/results")
    ranks = [int(r) for r in results.locator("td.rank").all_inner_texts()]
    assert ranks == [1, 1, 3] + [4] * (PUPILS - 3)
    pictures = results.locator(".result-design img")
    expect(pictures).to_have_count(PUPILS)
    for picture in pictures.all():
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") > 0
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Approved designs (ZIP)").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as bundle:
        table = json.loads(bundle.read("submissions.json"))
    designs = table["designs"]
    assert len(designs) == PUPILS and table["skipped"] == []  # no design lost
    assert sorted(d["pseudonym"] for d in designs) == [nickname(n) for n in range(1, PUPILS + 1)]
    cast = sum(len(votes_of(n)) for n in range(1, PUPILS + 1))
    assert sum(d["votes"] for d in designs) == cast  # every vote counted once
    by_name = {d["pseudonym"]: d["votes"] for d in designs}
    assert by_name[nickname(1)] == by_name[nickname(2)] == PUPILS - 1
    assert by_name[nickname(3)] == 2
    listed = desk.request.get(
        f"/api/v1/workshops/{workshop_id}/participants",
        headers={"Authorization": f"Bearer {MODERATOR}"},
    ).json()
    assert len(listed) == PUPILS  # one participant per pupil, whatever the devices
    context.close()


def designs_by_pupil(desk: Page, workshop_id: int) -> dict[int, str]:
    """Each pupil's design id, from the API the desk's own browser may read."""
    listed = desk.request.get(f"/api/v1/workshops/{workshop_id}/submissions").json()
    return {int(s["pseudonym"].removeprefix("Kind")): s["uuid"] for s in listed}
