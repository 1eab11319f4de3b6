"""Two editors in one team room, side by side: the README's picture of "Building together".

A collection server runs on 127.0.0.1 (the test suite's `LiveServer`); a teacher makes a
workshop on the demo level, two pupils (Ada and Ben) join it, each on a "computer" of their own
(a QUARTIER_HOME each). Ada's headless editor makes a team room on the start screen and waits
for Ben; Ben's joins with the room's code (the teacher's desk lists it) and builds a playground. Ada, once she sees
it, draws a block of flats; Ben's editor waits until the block has arrived and takes its picture. The two pictures after the box, side by side, are
the README's; `tests/e2e/test_editor_room.py` runs the same session and compares the pixels.

    python scripts/room_screenshots.py [--out DIR] [--publish]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZE = (960, 540)
VIEW = [
    {"do": "camera", "preset": "bird"},
    {"do": "camera", "distance": 120, "target": [66, 62, 4]},
]
"""The same close view in both editors (a camera step also takes the mouse off the city)."""
BOX = {"from": {"voxel": [50, 52, 0]}, "to": {"voxel": [62, 57, 0]}}
BOX_TOP = [62, 57, 4]
"""Ada's block of flats: a drag over these ground voxels, four high; the voxel Ben waits for."""
POINT_AT = [55, 53, 4]
"""Where Ben points once Ada's block is there: its roof."""
PLAYGROUND = {"from": {"voxel": [52, 68, 0]}, "to": {"voxel": [57, 72, 0]}}
PLAYGROUND_AT = [57, 72, 1]
PICTURES = ("ada-code", "ada-before", "ada-after", "ben-after")


def ada_script(out: Path, quiet: list[dict], lang: str, pointing: bool) -> list[dict]:
    """On the start screen: make the room (its name as offered; a picture of the code, big);
    wait for Ben and his playground, a picture, build, (wait for Ben to point at it,) a
    picture."""
    from game.core.i18n import text

    return [
        {"do": "button", "label": text(lang, "start.make_room")},
        {"do": "key", "key": "ENTER"},
        {"do": "screenshot", "path": str(out / "ada-code.png")},
        {"do": "button", "label": text(lang, "start.joined_ok")},
        *VIEW,
        {"do": "wait_for_room", "members": 2, "seconds": 90},
        {"do": "wait_for_room", "voxel": PLAYGROUND_AT, "block": "playground", "seconds": 90},
        *quiet,
        {"do": "screenshot", "path": str(out / "ada-before.png")},
        {"do": "tool", "tool": "box"},
        *[{"do": "key", "key": "PERIOD"}] * 3,  # four floors high
        {"do": "drag", **BOX},
        {"do": "wait_for_room"},  # the room took it
        *VIEW,
        *([{"do": "wait_for_room", "pointers": 1, "seconds": 90}] if pointing else []),
        *quiet,
        {"do": "screenshot", "path": str(out / "ada-after.png")},
    ]


def ben_script(code: str, out: Path, quiet: list[dict], pointing: bool) -> list[dict]:
    """Join the room with the code (a script's step, as typed); build a playground, wait
    until Ada's block is there, (point at it,) a picture."""
    seconds = quiet[0]["seconds"] + 2 if quiet else 2
    point = [
        {"do": "tool", "tool": "place"},
        {"do": "hover", "voxel": POINT_AT},  # Ada sees where Ben points
    ]
    # Still in the room while Ada, who saw the pointer, waits as long and takes her picture.
    stay = [{"do": "wait", "seconds": seconds}]
    return [
        {"do": "room", "join": code.lower()},  # as a pupil might type it
        *VIEW,
        {"do": "tool", "tool": "box"},
        {"do": "block", "block": "playground"},
        {"do": "drag", **PLAYGROUND},
        {"do": "wait_for_room"},
        *VIEW,
        {"do": "wait_for_room", "voxel": BOX_TOP, "block": "housing", "seconds": 90},
        *(point if pointing else []),
        *quiet,
        {"do": "screenshot", "path": str(out / "ben-after.png")},
        *(stay if pointing else []),
    ]


def editor(home: Path, script: list[dict], lang: str, level: bool = True) -> subprocess.Popen[str]:
    """`quartier play --headless` as the pupil whose files are in `home`: on the demo level, or
    (`level=False`) on the start screen."""
    path = home / "script.json"
    path.write_text(json.dumps(script, indent=1), encoding="utf-8")
    command = [sys.executable, "-m", "game.cli", "play", "--headless"]
    command += ["--level", "demo"] if level else []
    command += ["--script", str(path), "--size", "x".join(map(str, SIZE)), "--people", "off"]
    env = {**os.environ, "QUARTIER_HOME": str(home), "QUARTIER_LANG": lang}
    return subprocess.Popen(
        command, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _finished(process: subprocess.Popen[str], who: str) -> None:
    output, _ = process.communicate(timeout=300)
    if process.returncode:
        raise RuntimeError(f"{who}'s editor failed:\n{output}")


def team_session(
    server: str,
    moderator: str,
    out: Path,
    lang: str = "en",
    quiet: float = 4.5,
    pointing: bool = True,
) -> dict[str, Path]:
    """Run the two editors against the server at `server`; the pictures by name (`PICTURES`).
    Each picture waits `quiet` seconds first: 4.5 and the messages have faded (the README's),
    2.5 and a star's banner has (a test looking only at the city saves the seconds).
    `pointing`: Ben points at Ada's block and her picture shows his marker on it (the
    README's; a test comparing the block's pixels leaves it out)."""
    wait = [{"do": "wait", "seconds": quiet}]
    from game.io import storage
    from game.sync import join, save_participant

    teacher = {"Authorization": f"Bearer {moderator}"}
    with httpx.Client(base_url=server, timeout=30) as http:
        workshop = http.post(
            "/api/v1/workshops", json={"title": "Marktplatz", "level_id": "demo"}, headers=teacher
        ).json()
        homes = {}
        for name in ("Ada", "Ben"):
            homes[name] = home = out / name.lower()
            home.mkdir(parents=True, exist_ok=True)
            person = join(server, workshop["code"], name, lang=lang)
            save_participant(person, home / "participant.json", storage)
        ada = editor(homes["Ada"], ada_script(out, wait, lang, pointing), lang, level=False)
        try:
            code, deadline = None, time.monotonic() + 120
            while code is None:  # the teacher's desk lists the room once Ada has made it
                if ada.poll() is not None or time.monotonic() > deadline:
                    _finished(ada, "Ada")
                    raise RuntimeError("Ada's editor made no room")
                rooms = http.get(f"/api/v1/workshops/{workshop['id']}/rooms", headers=teacher)
                code = rooms.json()[0]["code"] if rooms.json() else None
                time.sleep(0.2)
            ben = editor(homes["Ben"], ben_script(code, out, wait, pointing), lang)
            _finished(ben, "Ben")
        finally:
            _finished(ada, "Ada")
    return {name: out / f"{name}.png" for name in PICTURES}


def side_by_side(left: Path, right: Path, path: Path, gap: int = 12) -> None:
    """The two pictures next to each other on white, the way two pupils' screens stand."""
    from PIL import Image

    from game.io.images import write_png

    a, b = (np.asarray(Image.open(p).convert("RGB")) for p in (left, right))
    white = np.full((a.shape[0], gap, 3), 255, np.uint8)
    write_png(path, np.concatenate([a, white, b], axis=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "rooms")
    parser.add_argument("--publish", action="store_true", help="write docs/screenshot-room.png")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from live_server import MODERATOR, LiveServer

    args.out.mkdir(parents=True, exist_ok=True)
    server = LiveServer(args.out / "server", None).start()
    try:
        pictures = team_session(server.url, MODERATOR, args.out.resolve())
    finally:
        server.kill()
    target = ROOT / "docs" / "screenshot-room.png" if args.publish else args.out / "side.png"
    side_by_side(pictures["ada-after"], pictures["ben-after"], target)
    print(target)


if __name__ == "__main__":
    main()
