"""The editor's screenshot matrix: every bundled level from the bird's eye, the street and on foot,
at 1280×720 and 1920×1080, in German and English (`make screenshots`).

Each level's session is its README script (`docs/screenshot-LEVEL.json`: what a pupil builds,
ending on a close bird's-eye view) followed by `VIEWS`: a picture there, then the street view
(F4, chosen from the level by `street_spot`), then walking from it (Tab). One headless
`quartier play` per level, size and language, so the three views share one build and the two
languages differ only in the HUD. All pictures go to `build/screenshots/` (ignored); the README
gets a few of them, made smaller (`publish`): each level's bird's eye, and one sheet with every
level's three views at 1280×720 in English.

    python scripts/screenshots.py [--levels demo,...] [--sizes 1280x720,...] [--langs de,en]
        [--out DIR] [--jobs N] [--publish]
"""

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LEVELS = ("demo", "kaiserslautern-innenstadt", "berlin-potsdamer-platz")
SCRIPTS = {
    "demo": "screenshot-demo.json",
    "kaiserslautern-innenstadt": "screenshot-kaiserslautern.json",
    "berlin-potsdamer-platz": "screenshot-berlin.json",
}
SIZES = ("1280x720", "1920x1080")
LANGS = ("de", "en")
VIEWS: dict[str, list[dict]] = {
    "bird": [{"do": "wait", "seconds": 4.5}],  # banners and messages gone: the city, not the news
    "street": [{"do": "camera", "preset": "street"}],
    "walk": [{"do": "action", "action": "toggle_walk"}],
}
"""Steps to each view from the one before (in this order), after the level's README script."""
SHEET_SIZE, SHEET_LANG, TILE = "1280x720", "en", (640, 360)


def name(level: str, view: str, size: str, lang: str) -> str:
    return f"{level}-{view}-{size}-{lang}.png"


def session(level: str, size: str, lang: str, out: Path) -> list[dict]:
    """The level's README script, then a picture of each view."""
    steps = json.loads((DOCS / SCRIPTS[level]).read_text(encoding="utf-8"))
    for view, to_view in VIEWS.items():
        path = out / name(level, view, size, lang)
        steps += [*to_view, {"do": "screenshot", "path": str(path.resolve())}]
    return steps


def shoot(level: str, size: str, lang: str, out: Path) -> None:
    """One headless editor session; raises with the editor's own message if a step fails."""
    script = out / "scripts" / f"{level}-{size}-{lang}.json"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(json.dumps(session(level, size, lang, out), indent=1), encoding="utf-8")
    command = [sys.executable, "-m", "game.cli", "--lang", lang, "play", "--headless"]
    command += ["--level", level, "--size", size, "--script", str(script)]
    home = out / "home"  # autosaves and logs of these sessions stay out of the user's folders
    env = {**os.environ, "QUARTIER_LANG": lang, "QUARTIER_HOME": str(home)}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{level} {size} {lang}: {done.stderr.strip() or done.stdout.strip()}")


def matrix(
    out: Path,
    levels: tuple[str, ...] = LEVELS,
    sizes: tuple[str, ...] = SIZES,
    langs: tuple[str, ...] = LANGS,
    jobs: int = 2,
) -> list[Path]:
    """Every picture of the matrix, in `out`; the paths, levels × sizes × langs × views."""
    out.mkdir(parents=True, exist_ok=True)
    runs = [(level, size, lang) for level in levels for size in sizes for lang in langs]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        list(pool.map(lambda run: shoot(*run, out), runs))
    return [out / name(level, view, size, lang) for level, size, lang in runs for view in VIEWS]


def publish(out: Path) -> None:
    """The README's pictures from the matrix: each level's bird's eye and one sheet of views,
    as 256-colour PNGs (a fifth of the size, and a README picture needs no more)."""
    from PIL import Image

    def small(image: Image.Image, path: Path) -> None:
        image.convert("RGB").quantize(256).save(path, optimize=True)

    for level in LEVELS:
        bird = Image.open(out / name(level, "bird", SHEET_SIZE, SHEET_LANG))
        small(bird, DOCS / SCRIPTS[level].replace(".json", ".png"))
    sheet = Image.new("RGB", (TILE[0] * len(VIEWS), TILE[1] * len(LEVELS)), "white")
    for row, level in enumerate(LEVELS):
        for column, view in enumerate(VIEWS):
            tile = Image.open(out / name(level, view, SHEET_SIZE, SHEET_LANG)).convert("RGB")
            sheet.paste(
                tile.resize(TILE, Image.Resampling.LANCZOS), (column * TILE[0], row * TILE[1])
            )
    small(sheet, DOCS / "screenshot-views.png")


def _list(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--langs", default=",".join(LANGS))
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--publish", action="store_true", help="copy the README's pictures")
    args = parser.parse_args(argv)
    paths = matrix(args.out, _list(args.levels), _list(args.sizes), _list(args.langs), args.jobs)
    print(f"{len(paths)} pictures in {args.out}")
    if args.publish:
        publish(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
