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


def program(vertex_source: str, fragment_source: str) -> ShaderProgram:
    return ShaderProgram(Shader(vertex_source, "vertex"), Shader(fragment_source, "fragment"))


def matrix_uniform(matrix: np.ndarray) -> tuple[float, ...]:
    """A numpy 4×4 (math convention) as the 16 column-major floats GLSL expects."""
    return tuple(np.asarray(matrix, np.float32).T.ravel().tolist())


class GpuMesh:
    """A vertex array with position (loc 0), normal (loc 1), RGBA colour (loc 2) and indices."""

    _LAYOUT = (
        (0, 3, gl.GL_FLOAT, False),
        (1, 3, gl.GL_BYTE, False),
        (2, 4, gl.GL_UNSIGNED_BYTE, True),
    )

    def __init__(self) -> None:
        self.vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(self.vao))
        self.buffers = (gl.GLuint * 4)()
        gl.glGenBuffers(4, self.buffers)
        gl.glBindVertexArray(self.vao)
        for (location, size, kind, normalised), buffer in zip(self._LAYOUT, self.buffers):
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, buffer)
            gl.glVertexAttribPointer(location, size, kind, normalised, 0, None)
            gl.glEnableVertexAttribArray(location)
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, self.buffers[3])
        gl.glBindVertexArray(0)
        self.count = 0

    def upload(self, mesh: Mesh) -> None:
        arrays: tuple[np.ndarray, ...] = (
            np.ascontiguousarray(mesh.positions, np.float32),
            np.ascontiguousarray(mesh.normals, np.int8),
            np.ascontiguousarray(mesh.colors, np.uint8),
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
        gl.glDeleteBuffers(4, self.buffers)
        gl.glDeleteVertexArrays(1, ctypes.byref(self.vao))
        self.count = 0


def flat_mesh(
    positions: npt.ArrayLike, colors: npt.ArrayLike, indices: np.ndarray | None = None
) -> Mesh:
    """A mesh without lighting normals (lines, outlines, sky), indices default to 0..N-1."""
    xyz = np.asarray(positions, np.float32).reshape(-1, 3)
    rgba = np.broadcast_to(np.asarray(colors, np.uint8), (len(xyz), 4))
    if indices is None:
        indices = np.arange(len(xyz), dtype=np.uint32)
    return Mesh(xyz, np.zeros((len(xyz), 3), np.int8), np.ascontiguousarray(rgba), indices)
