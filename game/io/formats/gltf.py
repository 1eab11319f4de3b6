"""glTF 2.0 binary (`.glb`): the greedy mesh with per-vertex colours, written with numpy and `struct`.

One mesh, one primitive, one white matte material; the block colours (with the editor's
ambient occlusion) are in `COLOR_0`, which glTF defines as linear, so the sRGB catalogue
colours are converted. Units are metres and y is up, as the glTF specification requires.

Why no library: a `.glb` is a 12-byte header, a JSON chunk and a binary chunk, each padded
to 4 bytes (glTF 2.0, section 4.4 "Binary glTF Layout"), and the JSON here is a fixed
handful of objects. pygltflib, which wrote it before, added 4 MB with marshmallow and
dataclasses-json to the pupil install for that; trimesh can write it too but is 5 MB and a
second mesh model. The tests read the file with trimesh, an independent reader.
"""

import json
import struct

import numpy as np

from game import __version__
from game.core.catalogue import Catalogue
from game.io.formats.metres import mesh_in_metres

MAGIC, VERSION = b"glTF", 2
JSON_CHUNK, BIN_CHUNK = b"JSON", b"BIN\x00"
FLOAT, UNSIGNED_INT = 5126, 5125  # accessor componentType
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963  # bufferView target


def _linear(srgb: np.ndarray) -> np.ndarray:
    c = srgb.astype(np.float32) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _chunk(kind: bytes, data: bytes, pad: bytes) -> bytes:
    data += pad * (-len(data) % 4)
    return struct.pack("<I", len(data)) + kind + data


def _glb(gltf: dict, binary: bytes) -> bytes:
    """A binary glTF file: header, the JSON chunk (padded with spaces), the BIN chunk (with zeros)."""
    body = _chunk(JSON_CHUNK, json.dumps(gltf, separators=(",", ":")).encode(), b" ")
    body += _chunk(BIN_CHUNK, binary, b"\x00")
    return MAGIC + struct.pack("<II", VERSION, 12 + len(body)) + body


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    mesh = mesh_in_metres(grid, catalogue.colors, voxel_size_m)
    # Every array is float32 or uint32, so each buffer view starts 4-byte aligned.
    arrays = [
        mesh.positions.astype(np.float32),
        mesh.normals.astype(np.float32),
        _linear(mesh.colors[:, :3]),
        mesh.indices.astype(np.uint32),
    ]
    offsets = np.cumsum([0] + [a.nbytes for a in arrays]).tolist()
    vertices = {"componentType": FLOAT, "count": mesh.vertex_count, "type": "VEC3"}
    gltf = {
        "asset": {"generator": f"Quartier {__version__}", "version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "design", "mesh": 0}],
        "meshes": [
            {
                "name": "design",
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ],
            }
        ],
        "materials": [
            {
                "name": "blocks",
                "pbrMetallicRoughness": {
                    "baseColorFactor": [1, 1, 1, 1],
                    "metallicFactor": 0,
                    "roughnessFactor": 1,
                },
            }
        ],
        "buffers": [{"byteLength": offsets[-1]}],
        "bufferViews": [
            {
                "buffer": 0,
                "byteOffset": offsets[i],
                "byteLength": a.nbytes,
                "target": ELEMENT_ARRAY_BUFFER if i == 3 else ARRAY_BUFFER,
            }
            for i, a in enumerate(arrays)
        ],
        "accessors": [
            {
                "bufferView": 0,
                **vertices,
                "min": arrays[0].min(axis=0).tolist(),
                "max": arrays[0].max(axis=0).tolist(),
            },
            {"bufferView": 1, **vertices},
            {"bufferView": 2, **vertices},
            {
                "bufferView": 3,
                "componentType": UNSIGNED_INT,
                "count": len(mesh.indices),
                "type": "SCALAR",
            },
        ],
    }
    return {name: _glb(gltf, b"".join(a.tobytes() for a in arrays))}
