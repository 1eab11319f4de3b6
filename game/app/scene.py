"""Draws the level: chunk meshes, sky, ground grid, the zone, locked voxels, ghost and hover,
the sun's shade at the time of day (`game.render.sun`) and the people and cars
(`game.render.traffic`).

Chunks are meshed by `game.render` (greedy, numpy); only chunks an edit touched are re-meshed
and re-uploaded before the next frame.
"""

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyglet import gl

from game.app.gpu import ChunkBuffer, FigureMesh, GpuMesh, flat_mesh, matrix_uniform, program
from game.core.facades import FACADES, GRASS, KIND_COUNT
from game.core.level import Level
from game.core.mesh import Mesh, greedy_mesh
from game.render.chunks import ChunkGrid, boxes_in_view, group_ends
from game.render.detail import Detail
from game.render.sun import DAYLIGHT, Shadow, TimeOfDay, sun_of
from game.render.traffic import MOST_CARS, MOST_PEOPLE, Traffic

GROUND = (150, 170, 130, 255)
_FLOATS = ctypes.POINTER(gl.GLfloat)
LAWN_Z = 0.98  # the lawn's height: the top of the ground layer, just below the city's first faces

# The vertex inputs and the uniforms of the light and the haze, shared by both voxel shaders:
# one block of them for all four voxel programs, written once a frame (`Scene.draw`), instead
# of seven uniforms set on each program (0.3 ms of Python a frame).
_FRAME = """layout(std140) uniform Frame {
    mat4 view_proj;
    vec3 sun;
    vec3 sun_color;
    vec3 eye;
    vec3 fog_color;
    float fog_start;
    float fog_end;
};
"""
_VOXEL_HEAD = (
    """#version 330 core
layout(location=0) in vec3 position;
layout(location=1) in vec3 normal;
layout(location=2) in vec4 color;
"""
    + _FRAME
)

# Everything but the faint grid is per vertex: light, the pale look outside the zone, the fog and
# the ghost's tint. They are affine in the colour the grid darkens, so the vertex shader folds them
# into `v_shade * grid + v_add`. On llvmpipe (a CPU rasteriser) every operation per pixel costs;
# the former shader, with a texture lookup, a 3D grid and the fog per pixel, made frames 2× slower.
VOXEL_VS = (
    _VOXEL_HEAD
    + """uniform vec4 tint;
out vec3 v_shade;
out vec3 v_add;
out vec2 v_face;
void main() {
    gl_Position = view_proj * vec4(position, 1.0);
    float light = 0.45 + 0.4 * max(dot(normal, sun), 0.0) + 0.15 * (0.5 + 0.5 * normal.z);
    vec3 c = color.rgb * light * sun_color;
    // Outside the editable zone (alpha 0) the city is a little paler, so the building site
    // stands out: c -> mix(c, grey, 0.25) * 0.92 + 0.06.
    float outside = 1.0 - color.a;
    float grey = dot(c, vec3(0.3, 0.59, 0.11));
    c = mix(c, mix(c, vec3(grey), 0.25) * 0.92, outside);
    float fog = smoothstep(fog_start, fog_end, length(position - eye)) * 0.8;
    // frag = mix(mix(c * grid + 0.06 * outside, fog_color, fog), tint.rgb, tint.a)
    v_shade = c * (1.0 - fog) * (1.0 - tint.a);
    v_add = mix(mix(vec3(0.06 * outside), fog_color, fog), tint.rgb, tint.a);
    vec3 n = abs(normal);
    v_face = n.x > 0.5 ? position.yz : (n.y > 0.5 ? position.xz : position.xy);
}
"""
)

# The people and cars: the voxel shader's light and haze, at positions this vertex shader makes
# from the figures' shapes (uploaded once) and where each figure stands and which way it faces
# (a uniform array written once a frame): numpy built their mesh anew every frame before.
FIGURE_VS = VOXEL_VS.replace(
    "layout(location=0) in vec3 position;\n",
    "layout(location=0) in vec3 along_x;\n"
    "layout(location=3) in vec3 along_y;\n"
    "layout(location=4) in float figure;\n"
    f"uniform vec3 figures[{MOST_PEOPLE + MOST_CARS}];\n",
).replace(
    "void main() {\n",
    "void main() {\n"
    "    vec3 placed = figures[int(figure)];\n"
    "    vec3 position = (placed.z > 0.5 ? along_y : along_x) + vec3(placed.xy, 0.0);\n",
)

VOXEL_FS = """#version 330 core
in vec3 v_shade;
in vec3 v_add;
in vec2 v_face;
uniform float alpha;
out vec4 frag;
void main() {
    // Faint voxel grid, one pixel wide whatever the distance, fading out before it could alias.
    vec2 width = fwidth(v_face);
    vec2 g = abs(fract(v_face + 0.5) - 0.5) / max(width, vec2(1e-4));
    float fade = 1.0 - smoothstep(0.15, 0.4, max(width.x, width.y));
    frag = vec4(v_shade * (1.0 - 0.16 * (1.0 - clamp(min(g.x, g.y), 0.0, 1.0)) * fade) + v_add, alpha);
}
"""

# The detail shader (see `game.render.detail`): the same frame as above, plus windows, doors and
# shop windows on walls and a variation on grass, paving and water, all from the face's world
# position and the block's surface kind, which the chunk puts in alpha's lower seven bits (the
# zone in the top bit). Everything that depends only on the kind is chosen per vertex and passed
# flat; per pixel it is one rectangle test, a hash of the cell and a ripple, with no branches
# (llvmpipe would run both sides of one anyway).
#
# Per surface kind (`SURFACE_TABLES`, uniform arrays set once per program: llvmpipe reads a
# uniform array at a vertex's index in fewer steps than a constant array, 0.2 ms of the demo's
# frame): the window (u0, u1, z0, z1 within a voxel) and the tint of its glass (multiplied with
# the wall), both from `FACADES` as the server's pictures draw them, the ground floor's door or
# shop window, how often a door comes (every n-th voxel along the wall), the tint of doors,
# and the variation (per cell, ripple) of top faces.
_NONE4, _NONE3 = (0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
SURFACE_TABLES: dict[str, Sequence[tuple[float, ...]] | Sequence[float]] = {
    "WINDOW": [FACADES[k][0] if k in FACADES else _NONE4 for k in range(KIND_COUNT)],
    "DOOR": [
        _NONE4,
        (0.35, 0.65, 0.0, 0.62),
        (0.3, 0.7, 0.0, 0.7),
        (0.3, 0.7, 0.0, 0.7),
        (0.06, 0.94, 0.06, 0.8),
        (0.3, 0.7, 0.0, 0.7),
        *[_NONE4] * 4,
    ],
    "EVERY": [1.0, 3.0, 4.0, 4.0, 1.0, 5.0, *[1.0] * 4],
    "GLASS": [FACADES[k][1] if k in FACADES else _NONE3 for k in range(KIND_COUNT)],
    "DOORS": [
        _NONE3,
        (0.45, 0.3, 0.22),
        (0.3, 0.36, 0.44),
        (0.3, 0.36, 0.44),
        (0.55, 0.75, 0.9),
        (0.35, 0.28, 0.25),
        *[_NONE3] * 4,
    ],
    "VARY": [*[(0.0, 0.0)] * 6, (0.04, 0.3), (0.09, 0.0), (0.07, 0.0), (0.06, 0.0)],
}
DETAIL_VS = (
    _VOXEL_HEAD
    + "".join(
        f"uniform {'float' if isinstance(rows[0], float) else f'vec{len(rows[0])}'}"
        f" {name}[{KIND_COUNT}];\n"
        for name, rows in SURFACE_TABLES.items()
    )
    + """out vec3 v_shade;
out vec3 v_add;
out vec2 v_face;
flat out vec4 v_window;
flat out vec4 v_door;
flat out vec3 v_glass;
flat out vec3 v_doors;
flat out vec3 v_vary; // per-cell variation, ripple, how often a door comes
flat out float v_cornice;
void main() {
    gl_Position = view_proj * vec4(position, 1.0);
    float light = 0.45 + 0.4 * max(dot(normal, sun), 0.0) + 0.15 * (0.5 + 0.5 * normal.z);
    vec3 c = color.rgb * light * sun_color;
    float a = floor(color.a * 255.0 + 0.5);
    float outside = 1.0 - step(128.0, a);
    float rest = a - 128.0 * (1.0 - outside);
    float street = step(64.0, rest); // the ground floor faces a street: doors
    rest -= 64.0 * street;
    float cornice = step(32.0, rest); // the wall's top row, under the roof: a darker edge
    int kind = int(rest - 32.0 * cornice);
    kind = kind < 10 ? kind : 0;
    float grey = dot(c, vec3(0.3, 0.59, 0.11));
    c = mix(c, mix(c, vec3(grey), 0.25) * 0.92, outside);
    float fog = smoothstep(fog_start, fog_end, length(position - eye)) * 0.8;
    v_shade = c * (1.0 - fog);
    v_add = mix(vec3(0.06 * outside), fog_color, fog);
    vec3 n = abs(normal);
    v_face = n.x > 0.5 ? position.yz : (n.y > 0.5 ? position.xz : position.xy);
    float wall = 1.0 - n.z;
    v_window = WINDOW[kind] * wall;
    // The door's rectangle is taken on the ground floor (z 1..2, on the ground layer) only.
    v_door = DOOR[kind] * wall;
    v_glass = GLASS[kind];
    v_doors = DOORS[kind];
    v_vary = vec3(VARY[kind] * max(normal.z, 0.0), EVERY[kind] * street);
    v_cornice = cornice * wall;
}
"""
)

# Both detail fragment shaders begin alike: the cell, the fade with distance and the faint grid.
_DETAIL_FS_HEAD = """#version 330 core
in vec3 v_shade;
in vec3 v_add;
in vec2 v_face;
flat in vec4 v_window;
flat in vec4 v_door;
flat in vec3 v_glass;
flat in vec3 v_doors;
flat in vec3 v_vary;
flat in float v_cornice;
out vec4 frag;
void main() {
    vec2 f = fract(v_face);
    vec2 cell = v_face - f;
    vec2 width = fwidth(v_face);
    float fade = 1.0 - smoothstep(0.15, 0.4, max(width.x, width.y));
    vec2 g = abs(f - 0.5);
    g = (0.5 - g) / max(width, vec2(1e-4));
    float grid = 1.0 - 0.16 * (1.0 - clamp(min(g.x, g.y), 0.0, 1.0)) * fade;
"""

# The end of the detail shader: windows, doors and the roof's edge on walls, over `vary`.
_DETAIL_FS_WALLS = """    // A door on the ground floor every n-th voxel along the wall, else a window.
    // (v_vary.z is 0 where the wall faces no street: no door.)
    float door = (1.0 - step(2.0, cell.y)) * step(1.0, cell.y) * step(0.5, v_vary.z)
        * step(mod(cell.x, max(v_vary.z, 1.0)), 0.5);
    vec4 r = mix(v_window, v_door, door);
    vec2 in_r = step(r.xz, f) * step(f, r.yw);
    // Far away a window fades into its average, before its edges could flicker.
    float m = mix((r.y - r.x) * (r.w - r.z), in_r.x * in_r.y, fade);
    vec3 tint = mix(vec3(vary), mix(v_glass, v_doors, door), m);
    // The roof's edge: the top of a building's wall a little darker (its average far away).
    tint *= 1.0 - 0.35 * v_cornice * mix(0.12, step(0.88, f.y), fade);
    frag = vec4(v_shade * tint * grid + v_add, 1.0);
}
"""

DETAIL_FS = (
    _DETAIL_FS_HEAD
    + """    // Far away the variation fades out too, before it turns into noise.
    float vary = 1.0 + fade * (v_vary.x * (fract(dot(cell, vec2(0.7548777, 0.5698403))) - 0.5)
        + v_vary.y * (abs(fract(dot(v_face, vec2(0.35, 0.6))) - 0.5) - 0.25));
"""
    + _DETAIL_FS_WALLS
)

# Walls with detail: the detail shader less the variation of top faces (the vertex shader
# passes none for walls), which llvmpipe would compute for every pixel to add 0.
WALL_FS = _DETAIL_FS_HEAD + "    float vary = 1.0;\n" + _DETAIL_FS_WALLS

# Faces that look up or down, but water (roofs, streets, squares, the lawn), with detail: the
# detail shader less what only walls and water have (windows, doors, the roof's edge, ripples),
# which they would compute per pixel to multiply by 0. The same picture; llvmpipe runs every
# operation of a shader for every pixel (a branch around the walls' part does not skip it), and
# these faces cover most of the view.
LEVEL_FS = (
    _DETAIL_FS_HEAD
    + """    float vary = 1.0 + fade * v_vary.x * (fract(dot(cell, vec2(0.7548777, 0.5698403))) - 0.5);
    frag = vec4(v_shade * vary * grid + v_add, 1.0);
}
"""
)

FLAT_VS = """#version 330 core
layout(location=0) in vec3 position;
layout(location=2) in vec4 color;
uniform mat4 view_proj;
out vec4 v_color;
void main() { gl_Position = view_proj * vec4(position, 1.0); v_color = color; }
"""

# The same for the world's overlays (the shade, the zone's outline, hover and frames): the
# camera from the frame's uniform block, written once a frame for every program.
FLAT_WORLD_VS = FLAT_VS.replace("uniform mat4 view_proj;\n", _FRAME)

# The sky: a box standing on the lawn's border (its walls reach a little below the lawn, so no
# pixel at the lawn's edge is left to neither), drawn on the far plane after everything else.
# From a camera above the lawn every ray the lawn does not stop leaves through the box, so the
# sky is rasterised only beyond the lawn's picture (from the bird's eye, a third of the rows the
# lawn does not fill from edge to edge: llvmpipe pays for every pixel a triangle covers, also
# where the depth test then rejects it). The gradient runs up the window, as before the box.
SKY_VS = (
    """#version 330 core
layout(location=0) in vec3 position;
"""
    + _FRAME
    + "void main() { gl_Position = (view_proj * vec4(position, 1.0)).xyww; }\n"
)

SKY_FS = """#version 330 core
uniform vec3 horizon;
uniform vec3 zenith;
uniform float height;
out vec4 frag;
void main() { frag = vec4(mix(horizon, zenith, gl_FragCoord.y / height), 1.0); }
"""
SKY_TOP = 100000.0  # the box's lid, above every camera

FLAT_FS = """#version 330 core
in vec4 v_color;
out vec4 frag;
void main() { frag = v_color; }
"""


@dataclass
class Highlight:
    """What the cursor is on: a voxel and the face, drawn as a wire box and a bright face."""

    voxel: tuple[int, int, int]
    normal: tuple[int, int, int]
    removing: bool = False


def _box_lines(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    corners = np.array(
        [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])],
        np.float32,
    )
    edges = [
        (0, 1),
        (2, 3),
        (4, 5),
        (6, 7),
        (0, 2),
        (1, 3),
        (4, 6),
        (5, 7),
        (0, 4),
        (1, 5),
        (2, 6),
        (3, 7),
    ]
    return corners[np.array(edges).ravel()]


def _face_quad(voxel, normal, inset: float = 0.0) -> np.ndarray:
    """Two triangles covering one voxel face, lifted slightly off it."""
    axis = int(np.flatnonzero(normal)[0])
    u, w = [a for a in range(3) if a != axis]
    base = np.asarray(voxel, np.float32)
    plane = base[axis] + (1.0 if normal[axis] > 0 else 0.0) + 0.01 * normal[axis]
    quad = []
    for du, dw in (
        (inset, inset),
        (1 - inset, inset),
        (1 - inset, 1 - inset),
        (inset, inset),
        (1 - inset, 1 - inset),
        (inset, 1 - inset),
    ):
        p = base.copy()
        p[axis] = plane
        p[u] += du
        p[w] += dw
        quad.append(p)
    return np.array(quad, np.float32)


def zone_outline(columns: np.ndarray, z: float, width: float = 0.22) -> np.ndarray:
    """Flat ribbons along the border of the editable columns, as triangles (N, 3): one ribbon
    per straight run of border, not one per column (llvmpipe pays per triangle: a square zone
    of 32 columns is 8 triangles instead of 256)."""
    padded = np.pad(columns, 1)
    inside = padded[1:-1, 1:-1]
    tris = []
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        neighbour = padded[1 + dx : padded.shape[0] - 1 + dx, 1 + dy : padded.shape[1] - 1 + dy]
        edge = inside & ~neighbour
        # Runs along the border: along y for the x sides (dx), along x for the y sides.
        lines = edge if dx else edge.T
        flanks = np.diff(np.pad(lines, ((0, 0), (1, 1))).astype(np.int8), axis=1)
        for line, first in zip(*np.nonzero(flanks == 1)):
            end = first + int(np.argmax(flanks[line, first + 1 :] == -1)) + 1
            across = line + (1 - width if (dx or dy) > 0 else 0)
            a, b, c, d = (
                (across, first, across + width, end) if dx else (first, across, end, across + width)
            )
            tris += [(a, b, z), (c, b, z), (c, d, z), (a, b, z), (c, d, z), (a, d, z)]
    return np.array(tris, np.float32).reshape(-1, 3)


class Scene:
    def __init__(
        self,
        level: Level,
        grid: np.ndarray,
        chunk_size: int = 32,
        detail: bool = True,
        people: bool = True,
    ) -> None:
        self.level = level
        self.colors = level.catalogue.colors
        self._detail = Detail(level.catalogue)
        self.chunks = ChunkGrid(
            grid,
            self.colors,
            size=chunk_size,
            zone=level.in_zone,
            detail=self._detail if detail else None,
        )
        self.gpu = ChunkBuffer()
        # With detail, per chunk where its walls and its water begin among its indices: each
        # group is drawn with its own shader (see `grouped_by_shader`); without, one group.
        self.group_ends: dict[tuple[int, int], tuple[int, int]] = {}
        # Per chunk the box its mesh fills (lo, hi), to leave out chunks outside the view.
        self.boxes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        # Per dict of boxes (by id) its keys and boxes as two arrays, until a box changes.
        self._stacked: dict[int, tuple[list[tuple[int, int]], np.ndarray, np.ndarray]] = {}
        #: Chunks outside the view left out (off only to measure and test what it saves).
        self.culling = True
        self.voxel_program = program(VOXEL_VS, VOXEL_FS)
        self.detail_program = program(DETAIL_VS, DETAIL_FS)
        self.level_program = program(DETAIL_VS, LEVEL_FS)
        self.wall_program = program(DETAIL_VS, WALL_FS)
        for shader in (self.detail_program, self.level_program, self.wall_program):
            for name, rows in SURFACE_TABLES.items():
                if name in shader.uniforms:  # not if its fragment shader leaves it unused
                    shader[name] = rows
        self.flat_program = program(FLAT_WORLD_VS, FLAT_FS)
        self.screen_program = program(FLAT_VS, FLAT_FS)  # the sky, in the window's coordinates
        self.screen_program["view_proj"] = matrix_uniform(np.eye(4))
        # The light, the haze and the camera of the frame, which every voxel program reads.
        self.frame = self.voxel_program.uniform_blocks["Frame"].create_ubo()
        sx, sy, _ = level.shape
        m = max(sx, sy)
        # The lawn's corners (x, y): as far beyond the level on every side as the level is wide.
        self.lawn = ((-m, -m), (sx + m, sy + m))
        self.ground = GpuMesh()
        self.ground_mesh = Mesh.empty()
        self.outline = GpuMesh()
        self.outline.upload(flat_mesh(zone_outline(level.zone_columns, 1.02), (255, 214, 10, 255)))
        self.locked = GpuMesh()
        self.locked.upload(self._locked_mesh())
        self.sky = GpuMesh()  # the whole window, from a camera outside the sky's box
        self.sky_box = GpuMesh()
        self.sky_box.upload(self._sky_box_mesh())
        self.sky_program = program(SKY_VS, SKY_FS)
        self._sky_for: tuple | None = None  # the time of day and height its uniforms are for
        self._time: TimeOfDay = "noon"
        self.sun = sun_of(level, self._time)
        self.shadow = Shadow(grid, level.catalogue, self.sun, DAYLIGHT[self._time].shade)
        # The shade's tiles in one buffer (one draw call), with their boxes as the chunks'.
        self.shadow_tiles = ChunkBuffer()
        self.shadow_boxes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._upload_sky()
        self.traffic = Traffic(grid, level.catalogue, level.doc.voxel_size_m, level.zone_columns)
        self.people = people
        #: The sun's shade drawn (off only to measure what it costs).
        self.shadows = True
        self.figures = FigureMesh()
        if len(self.traffic):
            self.figures.upload_shapes(self.traffic.shapes())
        self.figure_program = program(FIGURE_VS, VOXEL_FS)
        self.figure_program["alpha"] = 1.0
        self.figure_program["tint"] = (0.0, 0.0, 0.0, 0.0)
        self._placed = self.figure_program.uniforms["figures"]["location"]
        self.ghost = GpuMesh()
        self.ghost_lines = GpuMesh()
        self.ghost_removes = False
        self.hover = GpuMesh()
        self.hover_lines = GpuMesh()
        self.sync()

    @property
    def detail(self) -> bool:
        """Whether blocks are drawn with generated detail (windows, trees, ...); switching it
        re-meshes every chunk before the next frame."""
        return self.chunks.detail is not None

    @detail.setter
    def detail(self, on: bool) -> None:
        self.chunks.detail = self._detail if on else None
        self.sync()

    @property
    def time_of_day(self) -> TimeOfDay:
        """Morning, noon or evening: where the sun stands (as the sunlight indicator aims it),
        its light, the sky and the shadows follow."""
        return self._time

    @time_of_day.setter
    def time_of_day(self, time: TimeOfDay) -> None:
        self._time = time
        self.sun = sun_of(self.level, time)
        self.shadow.relight(self.sun, DAYLIGHT[time].shade)
        self._upload_sky()
        self.sync()

    def _upload_sky(self) -> None:
        day = DAYLIGHT[self._time]
        self.sky.upload(
            flat_mesh(
                [(-1, -1, 1.0), (1, -1, 1.0), (1, 1, 1.0), (-1, 1, 1.0)],
                np.array([day.sky_horizon, day.sky_horizon, day.sky_top, day.sky_top]),
                np.array([0, 1, 2, 0, 2, 3], np.uint32),
            )
        )

    def _sky_box_mesh(self) -> Mesh:
        """Four walls on the lawn's border, from a voxel below it up to the lid, and the lid."""
        (x0, y0), (x1, y1) = self.lawn
        low, top = LAWN_Z - 1.0, SKY_TOP
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        walls = [
            [(*a, low), (*b, low), (*b, top), (*a, top)]
            for a, b in zip(corners, corners[1:] + corners[:1])
        ]
        quads = [*walls, [(*c, top) for c in corners]]
        indices = np.array(
            [[4 * i, 4 * i + 1, 4 * i + 2, 4 * i, 4 * i + 2, 4 * i + 3] for i in range(5)]
        )
        return flat_mesh(quads, (255, 255, 255, 255), indices.astype(np.uint32).ravel())

    def _in_sky_box(self, eye: np.ndarray) -> bool:
        (x0, y0), (x1, y1) = self.lawn
        x, y, z = (float(v) for v in eye)
        return x0 < x < x1 and y0 < y < y1 and LAWN_Z < z < SKY_TOP

    def _ground_mesh(self, cells: int = 8) -> Mesh:
        """A wide lawn around the level, at the top of the ground layer, so the quarter sits in a city.

        It lies outside the zone (alpha 0: pale, as the shader draws the city there) and is cut
        into `cells`² squares, so the fog, taken per vertex, stays within 2 of 255 levels of the
        fog per pixel; llvmpipe pays for every large triangle in every tile it crosses, so 8² cost
        a third less than 32².
        """
        (x0, y0), (x1, y1) = self.lawn
        xs = np.linspace(x0, x1, cells + 1, dtype=np.float32)
        ys = np.linspace(y0, y1, cells + 1, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        corners = np.stack([gx, gy, np.full_like(gx, LAWN_Z)], axis=-1).reshape(-1, 3)
        normals = np.tile(np.array([[0, 0, 1]], np.int8), (len(corners), 1))
        # Alpha 0 is "outside the zone" for both shaders; with detail the lawn varies as grass.
        alpha = GRASS if self.detail else 0
        colors = np.tile(np.array([(*GROUND[:3], alpha)], np.uint8), (len(corners), 1))
        # Two counter-clockwise triangles (seen from above) per cell of the (cells+1)² corners.
        i, j = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        a = (i * (cells + 1) + j).ravel().astype(np.uint32)
        b, c, d = a + cells + 1, a + cells + 2, a + 1
        indices = np.stack([a, b, c, a, c, d], axis=1).ravel()
        return Mesh(corners, normals, colors, indices)

    def _locked_mesh(self) -> Mesh:
        """Protected voxels under a bluish glass case, so students see what must stay."""
        if not self.level.locked.any():
            return Mesh.empty()
        lut = np.zeros((256, 3), np.uint8)
        lut[1] = (120, 160, 235)
        return greedy_mesh(self.level.locked.astype(np.uint8), lut)

    def _set_box(
        self,
        boxes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
        key: tuple[int, int],
        mesh: Mesh,
    ) -> None:
        """The box (lo, hi) a mesh fills, or none for a mesh without faces (not drawn)."""
        if len(mesh.positions):
            boxes[key] = mesh.positions.min(axis=0), mesh.positions.max(axis=0)
        else:
            boxes.pop(key, None)
        self._stacked.pop(id(boxes), None)

    def mark_dirty(self, lo, hi) -> None:
        self.chunks.mark_dirty(lo, hi)
        self.shadow.edited(lo, hi)
        self.traffic.edited(lo, hi)

    def sync(self) -> list[tuple[int, int]]:
        """Re-mesh and upload every chunk an edit touched since the last frame."""
        if self.chunks.dirty == set(self.chunks.keys()):
            self.ground_mesh = self._ground_mesh()  # new, or detail switched
            self.ground.upload(self.ground_mesh)
        keys = self.chunks.remesh_dirty()
        for key in keys:
            mesh = self.chunks.meshes[key]
            end = int(mesh.indices.size)
            self.group_ends[key] = group_ends(mesh) if self.detail else (end, end)
            self.gpu.upload(key, mesh, self.group_ends[key])
            self._set_box(self.boxes, key, mesh)
        # Only when a tile changed: the shade's kinds of every column take 2 ms on Berlin.
        for tile, mesh in self.shadow.meshes().items() if self.shadow.dirty else ():
            self.shadow_tiles.upload(tile, mesh, (mesh.indices.size, mesh.indices.size))
            self._set_box(self.shadow_boxes, tile, mesh)
        return keys

    @property
    def triangle_count(self) -> int:
        return sum(m.triangle_count for m in self.chunks.meshes.values())

    def opaque_meshes(self) -> list[Mesh]:
        """The triangles of the one opaque pass, all drawn with the same shader: the chunks and
        the lawn (part of the city's mesh, not a backdrop). `benchmarks/render.py` draws these
        with a flat shader, so its editor/peer ratio compares shading, not what is drawn."""
        return [*self.chunks.meshes.values(), self.ground_mesh]

    def set_ghost(
        self, index: np.ndarray | None, values: np.ndarray | None, removing: bool = False
    ) -> None:
        """The preview of the current tool: translucent blocks (or red boxes where it removes)."""
        if index is None or not index.size:
            self.ghost.count = self.ghost_lines.count = 0
            return
        coords = np.stack(np.unravel_index(index, self.level.shape), axis=1)
        lo = coords.min(axis=0)
        sub = np.zeros(tuple(coords.max(axis=0) - lo + 1), np.uint8)
        colors = self.colors
        if removing:
            values = np.ones_like(values)
            colors = np.zeros((256, 3), np.uint8)
            colors[1] = (235, 64, 52)
        sub[tuple((coords - lo).T)] = values
        self.ghost.upload(greedy_mesh(sub, colors, origin=(int(lo[0]), int(lo[1]), int(lo[2]))))
        # A bright frame around the preview, so it reads against any background.
        frame = (235, 64, 52, 255) if removing else (255, 196, 0, 255)
        self.ghost_lines.upload(flat_mesh(_box_lines(lo - 0.02, coords.max(axis=0) + 1.02), frame))
        self.ghost_removes = removing

    def set_frame(self, lo, hi) -> None:
        """Outline the inclusive box lo..hi (a selection) with the ghost's bright frame."""
        self.ghost_lines.upload(
            flat_mesh(_box_lines(np.asarray(lo) - 0.02, np.asarray(hi) + 1.02), (255, 196, 0, 255))
        )

    def set_hover(self, highlight: Highlight | None) -> None:
        if highlight is None:
            self.hover.count = self.hover_lines.count = 0
            return
        colour = (255, 80, 60, 110) if highlight.removing else (255, 255, 255, 90)
        self.hover.upload(flat_mesh(_face_quad(highlight.voxel, highlight.normal), colour))
        lo = np.asarray(highlight.voxel, np.float32) - 0.01
        self.hover_lines.upload(flat_mesh(_box_lines(lo, lo + 1.02), (20, 20, 20, 255)))

    def _front_to_back(self, view_proj: np.ndarray, eye: np.ndarray) -> list[tuple[int, int]]:
        """The chunks that may show, nearest the eye first: on a CPU rasteriser a pixel hidden
        behind one already drawn fails the depth test before its fragment shader runs, so
        near-first shades less. Chunks without faces or wholly outside the view are left out
        (see `boxes_in_view`): the picture is the same, llvmpipe shades fewer vertices."""
        keys = self._in_view(self.boxes, view_proj)
        if not keys:
            return []
        centres = (np.array(keys, np.float64) + 0.5) * self.chunks.size
        distance = np.hypot(centres[:, 0] - eye[0], centres[:, 1] - eye[1])
        return [keys[i] for i in np.argsort(distance, kind="stable").tolist()]

    def _in_view(
        self, boxes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]], view_proj: np.ndarray
    ) -> list[tuple[int, int]]:
        """The keys of `boxes` whose box may show (all of them without `culling`); the boxes
        stacked into arrays once per change, not per frame (0.7 ms on Berlin's 196 chunks)."""
        stacked = self._stacked.get(id(boxes))
        if stacked is None:
            keys = list(boxes)
            lows, highs = (np.array([boxes[k][i] for k in keys]).reshape(-1, 3) for i in (0, 1))
            stacked = self._stacked[id(boxes)] = keys, lows, highs
        keys, lows, highs = stacked
        if self.culling and keys:
            keys = [k for k, shown in zip(keys, boxes_in_view(view_proj, lows, highs)) if shown]
        return list(keys)

    def draw(
        self,
        view_proj: np.ndarray,
        eye: np.ndarray,
        fog: tuple[float, float],
        view: tuple[int, int, int, int],
    ) -> None:
        """One frame; `fog` is the (start, end) distance over which the world fades into the haze,
        `view` the framebuffer's width and height and the rows (bottom, top) the scissor leaves.

        The opaque city comes first (near chunks first, without blending; with detail its roofs
        and streets, then its walls), then the lawn and the sky where nothing covers them: each
        pixel then runs the voxel shader about once instead of for a full-screen lawn and sky
        underneath it (llvmpipe shades every covered pixel).
        """
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LEQUAL)
        gl.glEnable(gl.GL_CULL_FACE)
        gl.glDisable(gl.GL_BLEND)

        vp = self.voxel_program
        day = DAYLIGHT[self._time]
        with self.frame as frame:
            frame.view_proj[:] = matrix_uniform(view_proj)
            frame.sun[:] = self.sun.tolist()
            frame.sun_color[:] = day.light
            frame.eye[:] = eye.tolist()
            frame.fog_color[:] = [c / 255 for c in day.sky_horizon[:3]]
            frame.fog_start, frame.fog_end = fog
        keys = self._front_to_back(view_proj, eye)
        if self.detail:
            # Roofs and streets of every chunk with the shader without walls, then the walls,
            # then water with the whole detail shader: one draw call each.
            programs = (self.level_program, self.wall_program, self.detail_program)
            self.gpu.draw(keys, programs, eye if self.culling else None)
            self.level_program.use()
        else:
            vp.use()
            vp["alpha"] = 1.0
            vp["tint"] = (0.0, 0.0, 0.0, 0.0)
            self.gpu.draw(keys, (vp,), eye if self.culling else None)
        self.ground.draw()
        if self.people and self.figures.count:
            self.figure_program.use()
            placed = self.traffic.placements()
            gl.glUniform3fv(self._placed, len(placed), placed.ctypes.data_as(_FLOATS))
            self.figures.draw()

        # The sky lies on the far plane: it only fills pixels the depth clear left at 1.0, and is
        # rasterised only where the lawn leaves the window open (its box, see `SKY_VS`).
        gl.glDepthMask(gl.GL_FALSE)
        if self._in_sky_box(eye):
            self.sky_program.use()
            sky_for = (self._time, view[1])
            if sky_for != self._sky_for:
                self._sky_for = sky_for
                self.sky_program["horizon"] = tuple(c / 255 for c in day.sky_horizon[:3])
                self.sky_program["zenith"] = tuple(c / 255 for c in day.sky_top[:3])
                self.sky_program["height"] = float(view[1])
            gl.glDisable(gl.GL_CULL_FACE)  # its walls are seen from inside
            self.sky_box.draw()
            gl.glEnable(gl.GL_CULL_FACE)
        else:
            self.screen_program.use()
            self.sky.draw()

        gl.glEnable(gl.GL_BLEND)
        gl.glEnable(gl.GL_POLYGON_OFFSET_FILL)
        gl.glPolygonOffset(-1.0, -2.0)
        # The shade multiplies what lies under it (walls' windows, grass, markings stay seen).
        fp = self.flat_program
        fp.use()
        gl.glBlendFunc(gl.GL_DST_COLOR, gl.GL_ZERO)
        if self.shadows:
            tiles = self._in_view(self.shadow_boxes, view_proj)
            self.shadow_tiles.draw(tiles, (fp,), eye if self.culling else None)
        gl.glBlendFunc(gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
        # Translucent overlays write no depth: frames and hover lines around them stay visible.
        vp.use()
        if self.locked.count:
            vp["alpha"] = 0.35
            vp["tint"] = (0.0, 0.0, 0.0, 0.0)
            self.locked.draw()
        if self.ghost.count:
            vp["alpha"] = 0.75
            vp["tint"] = (1.0, 1.0, 1.0, 0.2) if not self.ghost_removes else (0.0, 0.0, 0.0, 0.0)
            self.ghost.draw()
        gl.glDepthMask(gl.GL_TRUE)

        fp.use()
        self.outline.draw()
        self.hover.draw()
        gl.glDisable(gl.GL_POLYGON_OFFSET_FILL)
        self.hover_lines.draw(gl.GL_LINES)
        self.ghost_lines.draw(gl.GL_LINES)
        fp.stop()
        gl.glDisable(gl.GL_CULL_FACE)
        gl.glDisable(gl.GL_DEPTH_TEST)
