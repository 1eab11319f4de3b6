"""Rendering performance: meshing, greedy vs naive triangles, single-edit re-mesh, honest frame rates.

Run: `.venv/bin/python benchmarks/render.py [--quick]` (part of `make bench`). Frames are drawn
by the real editor window at 1280×720 on whatever OpenGL the machine has (here: Mesa llvmpipe).

Every frame is timed until the GPU has finished it (`glFinish`): without waiting, a headless
EGL pbuffer lets frames queue up and the count measured how fast Python can *submit* them
(90 fps where 28 were drawn). Beside the editor, the same run draws the **flat-shader peer**:
the triangles of the editor's one opaque pass (the chunks and the lawn they stand on) in one
vertex buffer with a minimal flat shader, at the same resolution and camera, frame for frame
interleaved with the editor's, so the ratio editor/peer says how much of the frame the
editor's extras (shading, sky, HUD) cost on this machine whatever its load (and, for
comparison with earlier runs, the same peer without the lawn, as it was defined before); on llvmpipe the CPU time per frame (its rasteriser's threads
are this process's) gives the same ratio still less disturbed by other programs. Where `Xvfb` is installed the script also starts one on a
free display and measures a real, visible window there (a child process of this script).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyglet

CHILD = "--window-child" in sys.argv[1:]
pyglet.options["headless"] = not CHILD
pyglet.options["shadow_window"] = False
pyglet.options["debug_gl"] = False  # as `quartier play` runs the editor (game/app/launch.py)

from cities import city_level  # noqa: E402
from mode import pick  # noqa: E402
from table import print_table  # noqa: E402

from game import __version__  # noqa: E402
from game.core.design import new_design  # noqa: E402
from game.core.level import Level  # noqa: E402
from game.core.mesh import Mesh, naive_mesh  # noqa: E402
from game.core.session import Session  # noqa: E402
from game.io.levels import find_level  # noqa: E402
from game.render.chunks import ChunkGrid  # noqa: E402
from game.render.detail import Detail  # noqa: E402
from game.render.sun import DAYLIGHT, Shadow, sun_of  # noqa: E402
from game.render.traffic import Traffic  # noqa: E402

if TYPE_CHECKING:
    from game.app.camera import Preset

WIDTH, HEIGHT = 1280, 720
FRAMES = pick(120, 12)
LEVELS = pick(("demo", "city", "berlin-potsdamer-platz"), ("demo",))
# Views beside the benchmark's orbit for the culling's table: a pupil on the street, the bird's
# eye the editor starts with (window.view_preset), each turning by a degree a frame.
VIEWS: tuple["Preset", ...] = ("street", "bird")
VIEW_FRAMES = pick(40, 4)


def load(name: str) -> Level:
    return city_level((256, 256, 64)) if name == "city" else find_level(name)


def remesh_times(
    level: Level,
    edits: int,
    detail: bool | None = None,
    clock=time.perf_counter,
    living: bool = False,
) -> list[float]:
    """Milliseconds to re-mesh after one voxel is placed on top of a random column of the zone:
    the bare chunks, or with `detail` off or on as the editor meshes them (with the zone), on
    the clock or on this process's CPU time (`time.process_time`: other programs' load hardly
    changes it, where a p95 on the clock of a shared machine mostly measures the neighbours).
    With `living`, instead of the chunks: the sun's shade (in the evening, the longest) and the
    people's ways brought up to date, as the scene does after each edit besides re-meshing."""
    grid = level.city.copy()
    if living:
        day = DAYLIGHT["evening"]
        shadow = Shadow(grid, level.catalogue, sun_of(level, "evening"), day.shade)
        traffic = Traffic(grid, level.catalogue, level.doc.voxel_size_m, level.zone_columns)

        def update(lo, hi) -> None:
            shadow.edited(lo, hi)
            shadow.meshes()
            traffic.edited(lo, hi)
    else:
        if detail is None:
            chunks = ChunkGrid(grid, level.catalogue.colors)
        else:
            chunks = ChunkGrid(
                grid,
                level.catalogue.colors,
                zone=level.in_zone,
                detail=Detail(level.catalogue) if detail else None,
            )
        chunks.mesh_all()

        def update(lo, hi) -> None:
            chunks.mark_dirty(lo, hi)
            chunks.remesh_dirty()

    rng = np.random.default_rng(1)
    xs, ys = np.nonzero(level.zone_columns)
    times = []
    for i in rng.integers(0, xs.size, edits):
        x, y = int(xs[i]), int(ys[i])
        z = min(int(np.flatnonzero(grid[x, y]).max(initial=0)) + 1, grid.shape[2] - 1)
        grid[x, y, z] = level.catalogue.id("tree")
        start = clock()
        update((x, y, z), (x, y, z))
        times.append((clock() - start) * 1000)
    return times


def mesh_row(name: str, level: Level) -> tuple[str, ...]:
    chunks = ChunkGrid(level.city.copy(), level.catalogue.colors)
    start = time.perf_counter()
    chunks.mesh_all()
    full_ms = (time.perf_counter() - start) * 1000
    greedy = sum(m.triangle_count for m in chunks.meshes.values())
    naive = naive_mesh(level.city, level.catalogue.colors).triangle_count
    times = remesh_times(level, pick(200, 20))
    p95 = float(np.percentile(times, 95))
    # As the editor meshes, detail off and on interleaved, edit for edit the same (one seed).
    plain, detailed, living = [], [], []
    for _ in range(pick(4, 1)):
        plain += remesh_times(level, pick(50, 20), False, time.process_time)
        detailed += remesh_times(level, pick(50, 20), True, time.process_time)
        living += remesh_times(level, pick(50, 20), None, time.process_time, living=True)
    return (
        name,
        "×".join(map(str, level.shape)),
        f"{full_ms:.0f} ms",
        f"{greedy:,}",
        f"{naive:,}",
        f"{greedy / naive:.3f}",
        f"{statistics.median(times):.1f} / {p95:.1f} ms",
        *(
            f"{statistics.median(t):.1f} / {float(np.percentile(t, 95)):.1f} ms"
            for t in (plain, detailed, living)
        ),
    )


# The parts of an editor frame the breakdown leaves out one at a time: (name, what draws it).
PARTS = (("lawn", "ground"), ("sky", "sky_box"), ("HUD", "hud"), ("people", "figures"))


def frame_times(level: Level, frames: int) -> dict[str, object]:
    """Median milliseconds of an editor frame and of the flat-shader peer's, interleaved, and of
    editor frames each without one of `PARTS` (where the frame goes).

    All draw frame i from the same camera: the editor's orbit turned by one degree per frame,
    as a pupil turning the view. Each frame ends with `glFinish`, so it is counted when drawn.
    """
    from pyglet import gl

    from game.app.editor import Editor
    from game.app.gpu import GpuMesh, matrix_uniform, program
    from game.app.scene import FLAT_FS, FLAT_VS, Scene
    from game.app.script import ScriptRunner
    from game.app.window import EditorWindow

    editor = Editor(Session(level), new_design(level, __version__), None, "en")
    window = EditorWindow(editor, WIDTH, HEIGHT, visible=CHILD)
    try:
        ScriptRunner(window).frame()  # the first frame builds the HUD and uploads every chunk
        peer_mesh = GpuMesh()
        peer_mesh.upload(Mesh.concatenate(window.scene.opaque_meshes()))
        # The peer of the whole frame: also the sun's shade (every tile) and the people and
        # cars as they stand, the triangles the living scene adds, drawn flat and opaque.
        shadow = window.scene.shadow
        tiles = [-(-n // shadow.TILE) for n in shadow.heights.shape]
        shadow.dirty = {(i, j) for i in range(tiles[0]) for j in range(tiles[1])}
        everything = [*window.scene.opaque_meshes(), *shadow.meshes().values()]
        everything.append(window.scene.traffic.mesh())
        all_mesh = GpuMesh()
        all_mesh.upload(Mesh.concatenate(everything))
        chunks_mesh = GpuMesh()  # the peer as defined before: the chunks without the lawn
        chunks_mesh.upload(Mesh.concatenate(window.scene.chunks.meshes.values()))
        peer = program(FLAT_VS, FLAT_FS)
        detailed = window.scene
        # Today's frame before the living scene: plain blocks, no shade, no people and cars.
        plain = Scene(level, editor.session.grid, detail=False, people=False)
        plain.shadows = False

        def plain_frame() -> None:
            """The editor's frame with generated detail off (F7): plain blocks."""
            window.scene = plain
            try:
                window.on_draw()
            finally:
                window.scene = detailed

        def detail_only_frame() -> None:
            """The editor's frame with detail, without the shade and the people and cars."""
            detailed.shadows = detailed.people = False
            try:
                window.on_draw()
            finally:
                detailed.shadows = detailed.people = True

        def editor_frame() -> None:
            detailed.traffic.step(1 / 30)  # people and cars move on, as in the editor
            window.on_draw()

        def unculled_frame() -> None:
            """The editor's frame with every chunk and every face given to OpenGL."""
            detailed.culling = False
            try:
                window.on_draw()
            finally:
                detailed.culling = True

        def flat_frame(mesh: GpuMesh):
            def frame() -> None:
                gl.glViewport(0, 0, *window.get_framebuffer_size())
                window.clear()
                gl.glEnable(gl.GL_DEPTH_TEST)
                gl.glEnable(gl.GL_CULL_FACE)
                peer.use()
                peer["view_proj"] = matrix_uniform(window.view_proj())
                mesh.draw()
                peer.stop()
                gl.glDisable(gl.GL_CULL_FACE)
                gl.glDisable(gl.GL_DEPTH_TEST)

            return frame

        def without(part: str):
            owner = window.hud if part == "hud" else getattr(window.scene, part)

            def frame() -> None:
                owner.draw = lambda *args: None  # type: ignore[method-assign]  # hides the class's
                try:
                    window.on_draw()
                finally:
                    del owner.draw

            return frame

        previews = iter(range(1, 10**9))

        def dragging_frame() -> None:
            """As while a pupil drags a box: the cost it would add, in the HUD, changes."""
            window._update_ghost = lambda: setattr(  # type: ignore[method-assign]
                window.hud, "preview_cost", 1000.0 * next(previews)
            )
            try:
                window.on_draw()
            finally:
                del window._update_ghost

        draws = [
            ("editor", editor_frame),
            ("detail off", plain_frame),
            ("detail only", detail_only_frame),
            ("peer", flat_frame(peer_mesh)),
            ("peer without lawn", flat_frame(chunks_mesh)),
            ("peer with shade and people", flat_frame(all_mesh)),
            ("dragging", dragging_frame),
            ("no culling", unculled_frame),
        ]
        draws += [(f"no {name}", without(part)) for name, part in PARTS]
        times, cpu = _interleaved(window, draws, frames)
        views = {"orbit": _culling_figures(times, cpu, window)}
        for view in VIEWS:
            window.view_preset(view)
            pair = [("editor", editor_frame), ("no culling", unculled_frame)]
            views[view] = _culling_figures(*_interleaved(window, pair, VIEW_FRAMES), window)
        return {
            "views": views,
            "triangles": window.scene.triangle_count,
            "plain_triangles": plain.triangle_count,
            "plain_ms": statistics.median(times["detail off"]),
            "plain_cpu_ms": statistics.median(cpu["detail off"]),
            "detail_only_ms": statistics.median(times["detail only"]),
            "editor_ms": statistics.median(times["editor"]),
            "peer_ms": statistics.median(times["peer"]),
            "editor_cpu_ms": statistics.median(cpu["editor"]),
            "peer_cpu_ms": statistics.median(cpu["peer"]),
            "all_peer_ms": statistics.median(times["peer with shade and people"]),
            "all_peer_cpu_ms": statistics.median(cpu["peer with shade and people"]),
            "chunks_peer_ms": statistics.median(times["peer without lawn"]),
            "chunks_peer_cpu_ms": statistics.median(cpu["peer without lawn"]),
            "without_ms": {name: statistics.median(times[f"no {name}"]) for name, _ in PARTS},
            "dragging_ms": statistics.median(times["dragging"]),
            "renderer": gl.gl_info.get_renderer(),
        }
    finally:
        window.close()


def _interleaved(window, draws: list, frames: int) -> tuple[dict, dict]:
    """Milliseconds on the clock and of CPU per frame of each of `draws`, frame for frame
    interleaved, the camera turned by a degree before each round; each until glFinish."""
    from pyglet import gl

    times: dict[str, list[float]] = {name: [] for name, _ in draws}
    cpu: dict[str, list[float]] = {name: [] for name, _ in draws}
    for _ in range(frames):
        window.orbit.orbit(1.0, 0)
        for name, draw in draws:
            window.switch_to()
            window.dispatch_events()
            start, start_cpu = time.perf_counter(), time.process_time()
            draw()
            window.flip()
            gl.glFinish()
            times[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    return times, cpu


def _culling_figures(times: dict, cpu: dict, window) -> dict[str, float]:
    """The editor's frame with culling and without (medians), and the share of the chunks'
    triangles given to OpenGL from the last frame's camera."""
    scene = window.scene
    eye = window.camera.eye()
    keys = scene._front_to_back(window.view_proj(), eye)
    shown = scene.gpu.facing(keys, eye)
    given = sum(sum(part.size for part in scene.gpu._pick(k, f)) for k, f in zip(keys, shown))
    every = sum(scene.gpu.index_count(key) for key in scene.boxes)
    return {
        "on_ms": statistics.median(times["editor"]),
        "off_ms": statistics.median(times["no culling"]),
        "on_cpu_ms": statistics.median(cpu["editor"]),
        "off_cpu_ms": statistics.median(cpu["no culling"]),
        "given": given / max(every, 1),
    }


def culling_rows(name: str, surface: str, result: dict) -> list[tuple[str, ...]]:
    """Per view: the editor with chunks outside the view and faces turned away left out, beside
    the same frames given every chunk and face."""
    rows: list[tuple[str, ...]] = []
    for view, r in dict(result["views"]).items():
        rows.append(
            (
                name,
                surface,
                view,
                f"{r['given']:.2f}",
                f"{1000 / r['on_ms']:.0f} / {1000 / r['off_ms']:.0f}",
                f"{r['off_ms'] / r['on_ms']:.2f}",
                f"{r['on_cpu_ms']:.1f} / {r['off_cpu_ms']:.1f} ms",
                f"{r['off_cpu_ms'] / r['on_cpu_ms']:.2f}",
            )
        )
    return rows


def fps_row(name: str, surface: str, result: dict) -> tuple[str, ...]:
    editor, peer = float(result["editor_ms"]), float(result["peer_ms"])
    return (
        name,
        surface,
        f"{result['triangles']:,}",
        f"{editor:.1f} ms",
        f"{1000 / editor:.0f}",
        f"{1000 / peer:.0f}",
        f"{peer / editor:.2f}",
        f"{float(result['editor_cpu_ms']):.1f} / {float(result['peer_cpu_ms']):.1f} ms",
        f"{float(result['peer_cpu_ms']) / float(result['editor_cpu_ms']):.2f}",
        f"{float(result['all_peer_ms']) / editor:.2f}"
        f" / {float(result['all_peer_cpu_ms']) / float(result['editor_cpu_ms']):.2f}",
        f"{float(result['chunks_peer_ms']) / editor:.2f}"
        f" / {float(result['chunks_peer_cpu_ms']) / float(result['editor_cpu_ms']):.2f}",
    )


def detail_row(name: str, surface: str, result: dict) -> tuple[str, ...]:
    """The editor's frame with detail on beside the same frames with it off."""
    on, off = float(result["editor_ms"]), float(result["plain_ms"])
    on_cpu, off_cpu = float(result["editor_cpu_ms"]), float(result["plain_cpu_ms"])
    return (
        name,
        surface,
        f"{result['triangles']:,} / {result['plain_triangles']:,}",
        f"{1000 / on:.0f}",
        f"{1000 / float(result['detail_only_ms']):.0f}",
        f"{1000 / off:.0f}",
        f"{off / on:.2f}",
        f"{on_cpu:.1f} / {off_cpu:.1f} ms",
        f"{off_cpu / on_cpu:.2f}",
    )


def parts_row(name: str, result: dict) -> tuple[str, ...]:
    """What leaving out each part saves of the editor's frame (its cost, if nothing else
    changes), beside the peer's whole frame."""
    editor = float(result["editor_ms"])
    saved = [editor - float(result["without_ms"][part]) for part, _ in PARTS]
    return (
        name,
        f"{editor:.1f} ms",
        *(f"{ms:.1f} ms ({ms / editor:.0%})" for ms in saved),
        f"{float(result['peer_ms']):.1f} ms",
        f"{float(result['dragging_ms']):.1f} ms",
    )


def under_xvfb() -> tuple[list[tuple[str, dict]], str]:
    """The same frames in a visible window of a private Xvfb server; ([], why not) without one."""
    if not Path("/usr/bin/Xvfb").exists() and not any(
        (Path(p) / "Xvfb").exists() for p in os.environ.get("PATH", "").split(os.pathsep)
    ):
        return [], "Xvfb is not installed (apt-get install xvfb): no row for a real window"
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{WIDTH}x{HEIGHT + 80}x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            display = pipe.readline().strip()  # Xvfb picks a free display number and says which
        if not display:
            return [], "Xvfb did not start: no row for a real window"
        child = subprocess.run(
            [sys.executable, __file__, "--window-child", *sys.argv[1:]],
            env={**os.environ, "DISPLAY": f":{display}"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if child.returncode:
            return [], f"the window under Xvfb failed: {child.stderr.strip()[-300:]}"
        return [tuple(r) for r in json.loads(child.stdout)], ""
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    if CHILD:
        print(json.dumps([(name, frame_times(load(name), FRAMES)) for name in LEVELS]))
        return
    levels = {name: load(name) for name in LEVELS}
    print_table(
        (
            "level",
            "size",
            "full mesh",
            "greedy tris",
            "naive tris",
            "greedy/naive",
            "re-mesh after 1 edit (median / p95)",
            "as the editor (zone), detail off: CPU median / p95",
            "detail on: CPU median / p95",
            "shade and people after 1 edit (evening): CPU median / p95",
        ),
        [mesh_row(name, level) for name, level in levels.items()],
    )
    print()
    pbuffer = [(name, frame_times(level, FRAMES)) for name, level in levels.items()]
    window, note = under_xvfb()
    rows = [fps_row(name, "EGL pbuffer", r) for name, r in pbuffer]
    rows += [fps_row(name, "Xvfb window", r) for name, r in window]
    print_table(
        (
            "level",
            "surface",
            "triangles",
            "editor frame (median)",
            "editor fps",
            "flat-shader peer fps",
            "editor/peer",
            "CPU per frame: editor / peer",
            "editor/peer by CPU",
            "peer with the shade and people too: editor/peer by clock / by CPU",
            "peer without the lawn (before): editor/peer by clock / by CPU",
        ),
        rows,
    )
    print(f"\n{WIDTH}×{HEIGHT}, {FRAMES} frames each, each until glFinish; OpenGL: ", end="")
    print(pbuffer[0][1]["renderer"])
    print(
        "CPU per frame: this process's CPU time, llvmpipe's threads included (its rasteriser"
        " runs on the CPU); other programs' load changes it far less than the time on the clock."
    )
    print(
        "The peer draws the editor's opaque pass (chunks and lawn) with a flat shader; until"
        " issue 15's fourth round it drew the chunks alone (last column). The column before it"
        " adds the triangles of the living scene (issue 17: the sun's shade, the people and"
        " cars), drawn flat and opaque."
    )
    if note:
        print(note)
    print()
    print_table(
        (
            "level",
            "surface",
            "triangles: detail on / off",
            "fps detail, shade, people on",
            "fps detail only",
            "fps all off",
            "on/off (fps ratio)",
            "CPU per frame: on / off",
            "on/off by CPU",
        ),
        [detail_row(name, "EGL pbuffer", r) for name, r in pbuffer]
        + [detail_row(name, "Xvfb window", r) for name, r in window],
    )
    print(
        "\nGenerated detail (windows, doors, trees, playgrounds, ...), the sun's shade and the"
        " people and cars on, as the editor starts, and all of them off, frame for frame"
        " interleaved; the issue asks on/off ≥ 0.5 and ≥ 30 fps on the demo level."
    )
    print()
    print_table(
        (
            "level",
            "editor frame",
            *(f"{name} costs" for name, _ in PARTS),
            "peer frame",
            "frame while dragging",
        ),
        [parts_row(name, r) for name, r in pbuffer],
    )
    print(
        "\nWhere an EGL pbuffer frame goes: the editor's frame less the same frame without the"
        " part; while dragging, the HUD shows a new cost every frame."
    )
    print()
    print_table(
        (
            "level",
            "surface",
            "view",
            "triangles given to OpenGL",
            "fps: culling / every chunk and face",
            "culling/every (fps)",
            "CPU per frame: culling / every",
            "culling/every by CPU",
        ),
        [row for name, r in pbuffer for row in culling_rows(name, "EGL pbuffer", r)]
        + [row for name, r in window for row in culling_rows(name, "Xvfb window", r)],
    )
    print(
        "\nChunks outside the view and faces turned away from the eye left out before OpenGL"
        " (the same picture), beside the same frames with every chunk and face, interleaved;"
        " 'orbit' is the view of the tables above. The flat-shader peer is given every triangle."
    )


if __name__ == "__main__":
    main()
