"""Rendering performance: meshing, greedy vs naive triangles, single-edit re-mesh, frames per second.

Run: `.venv/bin/python benchmarks/render.py` (part of `make bench`). Frames are drawn by the real
editor window, headless at 1280×720, on whatever OpenGL the machine has (here: Mesa llvmpipe).
"""

import statistics
import time

import numpy as np
import pyglet

pyglet.options["headless"] = True
pyglet.options["shadow_window"] = False

from cities import city_level  # noqa: E402
from table import print_table  # noqa: E402

from game import __version__  # noqa: E402
from game.core.design import new_design  # noqa: E402
from game.core.level import Level  # noqa: E402
from game.core.mesh import naive_mesh  # noqa: E402
from game.core.session import Session  # noqa: E402
from game.io.levels import find_level  # noqa: E402
from game.render.chunks import ChunkGrid  # noqa: E402


def remesh_times(level: Level, edits: int = 200) -> list[float]:
    """Milliseconds to re-mesh after one voxel is placed on top of a random column of the zone."""
    grid = level.city.copy()
    chunks = ChunkGrid(grid, level.catalogue.colors)
    chunks.mesh_all()
    rng = np.random.default_rng(1)
    xs, ys = np.nonzero(level.zone_columns)
    times = []
    for i in rng.integers(0, xs.size, edits):
        x, y = int(xs[i]), int(ys[i])
        z = min(int(np.flatnonzero(grid[x, y]).max(initial=0)) + 1, grid.shape[2] - 1)
        grid[x, y, z] = level.catalogue.id("tree")
        start = time.perf_counter()
        chunks.mark_dirty((x, y, z), (x, y, z))
        chunks.remesh_dirty()
        times.append((time.perf_counter() - start) * 1000)
    return times


def frames_per_second(level: Level, seconds: float = 4.0) -> tuple[float, str]:
    """Frames drawn per second while the camera turns, and the OpenGL renderer that drew them."""
    from game.app.editor import Editor
    from game.app.script import ScriptRunner
    from game.app.window import EditorWindow

    editor = Editor(Session(level), new_design(level, __version__), None, "en")
    window = EditorWindow(editor, 1280, 720, visible=False)
    try:
        runner = ScriptRunner(window)
        runner.frame()
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            window.orbit.orbit(1.0, 0)  # keep the camera moving as a student would
            window.switch_to()
            window.on_draw()
            window.flip()
            frames += 1
        return frames / (time.perf_counter() - start), pyglet.gl.gl_info.get_renderer()
    finally:
        window.close()


def row(name: str, level: Level) -> tuple[tuple[str, ...], str]:
    chunks = ChunkGrid(level.city.copy(), level.catalogue.colors)
    start = time.perf_counter()
    chunks.mesh_all()
    full_ms = (time.perf_counter() - start) * 1000
    greedy = sum(m.triangle_count for m in chunks.meshes.values())
    naive = naive_mesh(level.city, level.catalogue.colors).triangle_count
    times = remesh_times(level)
    p95 = float(np.percentile(times, 95))
    fps, renderer = frames_per_second(level)
    return (
        name,
        "×".join(map(str, level.shape)),
        f"{full_ms:.0f} ms",
        f"{greedy:,}",
        f"{naive:,}",
        f"{greedy / naive:.3f}",
        f"{statistics.median(times):.1f} / {p95:.1f} ms",
        f"{fps:.0f}",
    ), renderer


def main() -> None:
    results = [row("demo", find_level("demo")), row("city", city_level((256, 256, 64)))]
    rows = [r for r, _ in results]
    header = (
        "level",
        "size",
        "full mesh",
        "greedy tris",
        "naive tris",
        "greedy/naive",
        "re-mesh after 1 edit (median / p95)",
        "fps 1280×720",
    )
    print_table(header, rows)
    print(f"OpenGL: {results[0][1]}")


if __name__ == "__main__":
    main()
