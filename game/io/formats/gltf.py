"""glTF 2.0 binary (`.glb`), written with pygltflib: the greedy mesh with per-vertex colours.

One mesh, one primitive, one white matte material; the block colours (with the editor's
ambient occlusion) are in `COLOR_0`, which glTF defines as linear, so the sRGB catalogue
colours are converted. Units are metres and y is up, as the glTF specification requires.
"""

import numpy as np
import pygltflib as gl

from game import __version__
from game.core.catalogue import Catalogue
from game.io.formats.metres import mesh_in_metres


def _linear(srgb: np.ndarray) -> np.ndarray:
    c = srgb.astype(np.float32) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    mesh = mesh_in_metres(grid, catalogue.colors, voxel_size_m)
    arrays = [
        mesh.positions,
        mesh.normals.astype(np.float32),
        _linear(mesh.colors[:, :3]),
        mesh.indices,
    ]
    offsets = np.cumsum([0] + [a.nbytes for a in arrays])
    doc = gl.GLTF2(
        asset=gl.Asset(generator=f"Quartier {__version__}", version="2.0"),
        scene=0,
        scenes=[gl.Scene(nodes=[0])],
        nodes=[gl.Node(name="design", mesh=0)],
        meshes=[
            gl.Mesh(
                name="design",
                primitives=[
                    gl.Primitive(
                        attributes=gl.Attributes(POSITION=0, NORMAL=1, COLOR_0=2),
                        indices=3,
                        material=0,
                    )
                ],
            )
        ],
        materials=[
            gl.Material(
                name="blocks",
                pbrMetallicRoughness=gl.PbrMetallicRoughness(
                    baseColorFactor=[1, 1, 1, 1], metallicFactor=0, roughnessFactor=1
                ),
            )
        ],
        buffers=[gl.Buffer(byteLength=int(offsets[-1]))],
        bufferViews=[
            gl.BufferView(
                buffer=0,
                byteOffset=int(o),
                byteLength=a.nbytes,
                target=gl.ELEMENT_ARRAY_BUFFER if a is mesh.indices else gl.ARRAY_BUFFER,
            )
            for a, o in zip(arrays, offsets)
        ],
        accessors=[
            gl.Accessor(
                bufferView=0,
                componentType=gl.FLOAT,
                count=mesh.vertex_count,
                type=gl.VEC3,
                min=mesh.positions.min(axis=0).tolist(),
                max=mesh.positions.max(axis=0).tolist(),
            ),
            gl.Accessor(
                bufferView=1, componentType=gl.FLOAT, count=mesh.vertex_count, type=gl.VEC3
            ),
            gl.Accessor(
                bufferView=2, componentType=gl.FLOAT, count=mesh.vertex_count, type=gl.VEC3
            ),
            gl.Accessor(
                bufferView=3, componentType=gl.UNSIGNED_INT, count=len(mesh.indices), type=gl.SCALAR
            ),
        ],
    )
    doc.set_binary_blob(b"".join(a.tobytes() for a in arrays))
    return {name: b"".join(doc.save_to_bytes())}
