"""Thin OpenGL helpers: shader programs, and meshes uploaded from numpy with one copy each.

pyglet's vertex lists take Python sequences; chunk meshes are numpy arrays of up to a few
hundred thousand vertices, so they go to the GPU through glBufferData on the array's memory.
"""

import ctypes

import numpy as np
import numpy.typing as npt
from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram

from game.core.mesh import Mesh
from game.render.traffic import Shapes


def program(vertex_source: str, fragment_source: str) -> ShaderProgram:
    return ShaderProgram(Shader(vertex_source, "vertex"), Shader(fragment_source, "fragment"))


def matrix_uniform(matrix: np.ndarray) -> tuple[float, ...]:
    """A numpy 4×4 (math convention) as the 16 column-major floats GLSL expects."""
    return tuple(np.asarray(matrix, np.float32).T.ravel().tolist())


class GpuMesh:
    """A vertex array with position (loc 0), normal (loc 1), RGBA colour (loc 2) and indices."""

    _LAYOUT: tuple[tuple[int, int, int, bool], ...] = (
        (0, 3, gl.GL_FLOAT, False),
        (1, 3, gl.GL_BYTE, False),
        (2, 4, gl.GL_UNSIGNED_BYTE, True),
    )

    def __init__(self) -> None:
        self.vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(self.vao))
        attributes = len(self._LAYOUT)
        self.buffers = (gl.GLuint * (attributes + 1))()  # and the indices', last
        gl.glGenBuffers(attributes + 1, self.buffers)
        gl.glBindVertexArray(self.vao)
        for (location, size, kind, normalised), buffer in zip(self._LAYOUT, self.buffers):
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, buffer)
            gl.glVertexAttribPointer(location, size, kind, normalised, 0, None)
            gl.glEnableVertexAttribArray(location)
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, self.buffers[attributes])
        gl.glBindVertexArray(0)
        self.count = 0

    def upload(self, mesh: Mesh, *more: np.ndarray) -> None:
        """The mesh's positions, normals, colours and indices, and `more` arrays of float32 for
        the attributes a subclass's layout adds (in its order)."""
        arrays: tuple[np.ndarray, ...] = (
            np.ascontiguousarray(mesh.positions, np.float32),
            np.ascontiguousarray(mesh.normals, np.int8),
            np.ascontiguousarray(mesh.colors, np.uint8),
            *(np.ascontiguousarray(array, np.float32) for array in more),
        )
        gl.glBindVertexArray(self.vao)
        for array, buffer in zip(arrays, self.buffers):
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, buffer)
            gl.glBufferData(gl.GL_ARRAY_BUFFER, array.nbytes, array.ctypes.data, gl.GL_STATIC_DRAW)
        indices = np.ascontiguousarray(mesh.indices, np.uint32)
        gl.glBufferData(
            gl.GL_ELEMENT_ARRAY_BUFFER, indices.nbytes, indices.ctypes.data, gl.GL_STATIC_DRAW
        )
        gl.glBindVertexArray(0)
        self.count = int(indices.size)

    def draw(self, mode: int = gl.GL_TRIANGLES, first: int = 0, count: int | None = None) -> None:
        """The indices first..first + count (default: all from first on)."""
        count = self.count - first if count is None else count
        if count <= 0:
            return
        gl.glBindVertexArray(self.vao)
        gl.glDrawElements(mode, count, gl.GL_UNSIGNED_INT, ctypes.c_void_p(4 * first))
        gl.glBindVertexArray(0)

    def delete(self) -> None:
        gl.glDeleteBuffers(len(self.buffers), self.buffers)
        gl.glDeleteVertexArrays(1, ctypes.byref(self.vao))
        self.count = 0


class FigureMesh(GpuMesh):
    """The people and cars (`game.render.traffic.Shapes`): their boxes at the origin facing
    along x, the same vertices facing along y (location 3) and each vertex's figure (location
    4), uploaded once; the vertex shader puts them where the figures stand."""

    _LAYOUT = (*GpuMesh._LAYOUT, (3, 3, gl.GL_FLOAT, False), (4, 1, gl.GL_FLOAT, False))

    def upload_shapes(self, shapes: Shapes) -> None:
        self.upload(shapes.along_x, shapes.along_y, shapes.owner)


def flat_mesh(
    positions: npt.ArrayLike, colors: npt.ArrayLike, indices: np.ndarray | None = None
) -> Mesh:
    """A mesh without lighting normals (lines, outlines, sky), indices default to 0..N-1."""
    xyz = np.asarray(positions, np.float32).reshape(-1, 3)
    rgba = np.broadcast_to(np.asarray(colors, np.uint8), (len(xyz), 4))
    if indices is None:
        indices = np.arange(len(xyz), dtype=np.uint32)
    return Mesh(xyz, np.zeros((len(xyz), 3), np.int8), np.ascontiguousarray(rgba), indices)


class ChunkBuffer:
    """The vertices of every chunk in one buffer, and the indices of the chunks shown, nearest
    first, in one index buffer per frame's order: one draw call per group of faces (each group
    has its own shader) instead of one per chunk and group, and no faces turned away from the
    eye.

    llvmpipe does a draw call's vertex work on the calling thread, with a cost per call: the
    Berlin level's 196 chunks in three groups were 588 calls, 3 ms more of the main thread per
    frame than three calls with the same triangles (glMultiDrawElements, one call that Mesa still
    splits into ranges, saved 0.8 ms). It also shades every vertex before it finds a face turned
    away; seen from one side of a chunk, all its walls looking the other way are, so the index
    buffer leaves them out (with `eye`). A chunk's vertices keep their slot when an edit
    re-meshes it and they fit; the index buffer is put together again only when the chunks
    shown, their order, the sides they show or a mesh changed.
    """

    GROUPS = 3

    def __init__(self) -> None:
        self._vertices = GpuMesh()  # its vertex array and buffers, filled in slots here
        self._slots: dict[tuple[int, int], tuple[int, int]] = {}  # first vertex, capacity
        self._meshes: dict[tuple[int, int], tuple[Mesh, tuple[int, int]]] = {}
        self._indices: dict[tuple[int, int], list[np.ndarray]] = {}  # per group, into the buffer
        # Per chunk: each quad's side (see `_sides`) per group, and per side the lowest and the
        # highest plane its quads lie in.
        self._sides: dict[tuple[int, int], tuple[list[np.ndarray], np.ndarray, np.ndarray]] = {}
        # Per chunk, for the last few sets of sides drawn, its indices of those per group.
        self._picked: dict[tuple[int, int], dict[bytes, list[np.ndarray]]] = {}
        self._side_table: tuple[dict[tuple[int, int], int], np.ndarray, np.ndarray] | None = None
        self._capacity = self._end = 0
        self._stale = False  # the buffer is too small: made again before the next draw
        self._drawn: tuple | None = None
        self._ranges: list[tuple[int, int]] = []

    def upload(self, key: tuple[int, int], mesh: Mesh, ends: tuple[int, int]) -> None:
        """A chunk's mesh, whose walls begin at index `ends[0]` and water at `ends[1]`."""
        self._meshes[key] = mesh, ends
        self._sides[key] = _sides(mesh, ends)
        self._side_table = None
        self._picked.pop(key, None)
        self._drawn = None
        if self._stale:
            return  # every chunk is written again before the next draw
        n = mesh.vertex_count
        first, capacity = self._slots.get(key, (0, -1))
        if n > capacity:
            room = _room(n)
            if self._end + room > self._capacity:
                self._stale = True  # once for all chunks uploaded before the next draw
                return
            first = self._end
            self._slots[key] = first, room
            self._end += room
        self._write(key, first)

    def index_count(self, key: tuple[int, int]) -> int:
        return int(self._meshes[key][0].indices.size) if key in self._meshes else 0

    def _write(self, key: tuple[int, int], first: int) -> None:
        mesh, ends = self._meshes[key]
        for array, buffer in zip(_vertex_arrays(mesh), self._vertices.buffers):
            if not array.nbytes:
                continue
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, buffer)
            offset = first * array.itemsize * array.shape[1]
            gl.glBufferSubData(gl.GL_ARRAY_BUFFER, offset, array.nbytes, array.ctypes.data)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, 0)
        indices = mesh.indices.astype(np.uint32) + np.uint32(first)
        bounds = (0, *ends, indices.size)
        self._indices[key] = [indices[bounds[g] : bounds[g + 1]] for g in range(self.GROUPS)]
        self._picked.pop(key, None)

    def _repack(self) -> None:
        """Every chunk again, one after the other, with room to grow behind them."""
        total = sum(_room(mesh.vertex_count) for mesh, _ in self._meshes.values())
        self._capacity = total + total // 4 + 4096
        for array, buffer in zip(_vertex_arrays(Mesh.empty()), self._vertices.buffers):
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, buffer)
            size = self._capacity * array.itemsize * array.shape[1]
            gl.glBufferData(gl.GL_ARRAY_BUFFER, size, None, gl.GL_STATIC_DRAW)
        self._end = 0
        self._stale = False
        self._slots.clear()
        for key, (mesh, _) in self._meshes.items():
            self._slots[key] = self._end, _room(mesh.vertex_count)
            self._write(key, self._end)
            self._end += _room(mesh.vertex_count)

    def facing(self, keys: list[tuple[int, int]], eye: np.ndarray | None) -> np.ndarray:
        """Per chunk of `keys`, which of its sides (see `_sides`) may face `eye` (all without
        one): a side is left out only where the eye lies behind every plane its quads lie in,
        by more than a hundredth of a voxel, so faces nearly edge-on stay for OpenGL to decide.
        """
        shown = np.ones((len(keys), 7), bool)
        if eye is None or not keys:
            return shown
        if self._side_table is None:  # every chunk's planes as two arrays, once per change
            every = list(self._sides)
            self._side_table = (
                {key: row for row, key in enumerate(every)},
                np.array([self._sides[key][1] for key in every]),
                np.array([self._sides[key][2] for key in every]),
            )
        row_of, all_lows, all_highs = self._side_table
        rows = [row_of[key] for key in keys]
        lows, highs = all_lows[rows], all_highs[rows]
        at = np.asarray(eye, np.float64)[[0, 0, 1, 1, 2, 2]]
        positive = np.array([False, True] * 3)
        shown[:, :6] = np.where(positive, at >= lows - 0.01, at <= highs + 0.01)
        return shown

    def draw(
        self,
        keys: list[tuple[int, int]],
        programs: tuple[ShaderProgram, ...],
        eye: np.ndarray | None = None,
    ) -> None:
        """The chunks `keys` in this order, group by group, each with its program; with `eye`,
        without the faces turned away from it."""
        if self._stale:
            self._repack()
        shown = self.facing(keys, eye)
        state = (tuple(keys), shown.tobytes())
        gl.glBindVertexArray(self._vertices.vao)
        if state != self._drawn:
            picked = [self._pick(key, sides) for key, sides in zip(keys, shown)]
            parts = [chunk[g] for g in range(self.GROUPS) for chunk in picked]
            indices = np.concatenate([np.empty(0, np.uint32), *parts])
            gl.glBufferData(
                gl.GL_ELEMENT_ARRAY_BUFFER, indices.nbytes, indices.ctypes.data, gl.GL_DYNAMIC_DRAW
            )
            counts = [sum(chunk[g].size for chunk in picked) for g in range(self.GROUPS)]
            starts = np.cumsum([0, *counts[:-1]]).tolist()
            self._ranges = list(zip(starts, counts))
            self._drawn = state
        for shader, (first, count) in zip(programs, self._ranges):
            if count:
                shader.use()
                gl.glDrawElements(
                    gl.GL_TRIANGLES, count, gl.GL_UNSIGNED_INT, ctypes.c_void_p(4 * first)
                )
        gl.glBindVertexArray(0)

    def _pick(self, key: tuple[int, int], shown: np.ndarray) -> list[np.ndarray]:
        """A chunk's indices per group, of the quads on the `shown` sides (kept for the last
        four sets of sides: the camera turning back and forth over a chunk's side, or culling
        switched off and on, need not pick them again)."""
        mark = shown.tobytes()
        cached = self._picked.setdefault(key, {})
        if mark not in cached:
            sides = self._sides[key][0]
            cached[mark] = [
                indices if shown[side].all() else indices.reshape(-1, 6)[shown[side]].ravel()
                for indices, side in zip(self._indices[key], sides)
            ]
            if len(cached) > 4:
                del cached[next(iter(cached))]
        return cached[mark]

    def delete(self) -> None:
        self._vertices.delete()


def _sides(mesh: Mesh, ends: tuple[int, int]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Each quad's side per group, 2 · axis + (1 if it looks along the axis, else 0), or 6 where
    it is not an axis-aligned quad of its own four vertices and six indices (always drawn); and
    per side the lowest and highest coordinate along its axis of the planes its quads lie in."""
    quads = mesh.vertex_count // 4
    normals = mesh.normals[::4].astype(np.int64)
    side = np.full(quads, 6, np.uint8)
    if mesh.indices.size == 6 * quads and mesh.vertex_count == 4 * quads:
        axis = np.abs(normals).argmax(axis=1)
        sign = np.take_along_axis(normals, axis[:, None], axis=1)[:, 0]
        side = np.where(sign != 0, 2 * axis + (sign > 0), 6).astype(np.uint8)
    plane = mesh.positions[::4].astype(np.float64)
    lows, highs = np.full(6, np.inf), np.full(6, -np.inf)
    for s in range(6):
        at = plane[side == s, s // 2]
        if at.size:
            lows[s], highs[s] = at.min(), at.max()
    bounds = (0, *(e // 6 for e in ends), quads)
    return [side[bounds[g] : bounds[g + 1]] for g in range(3)], lows, highs


def _room(vertices: int) -> int:
    """A chunk's slot: room for a few edits that add faces before it has to move."""
    return vertices + vertices // 8 + 64


def _vertex_arrays(mesh: Mesh) -> tuple[np.ndarray, ...]:
    """Positions, normals and colours as the vertex array reads them."""
    return (
        np.ascontiguousarray(mesh.positions, np.float32),
        np.ascontiguousarray(mesh.normals, np.int8),
        np.ascontiguousarray(mesh.colors, np.uint8),
    )
