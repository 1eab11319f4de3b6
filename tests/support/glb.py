"""A `.glb` read back with trimesh (an independent reader), one mesh per node.

The exporter writes a primitive per material (walls with a window texture apart from the
rest), which trimesh loads as geometries named after the mesh: "zone", "zone_1", "zone_2".
"""

import json
import re
import struct
from collections import defaultdict
from typing import Any

import numpy as np
import trimesh


def glb_json(data: bytes) -> dict:
    """The file's JSON chunk (glTF 2.0, 4.4: it follows the 12-byte header and its own 8)."""
    (length,) = struct.unpack("<I", data[12:16])
    return json.loads(data[20 : 20 + length])


def glb_scene(data: bytes) -> trimesh.Scene:
    return trimesh.load_scene(trimesh.util.wrap_as_stream(data), file_type="glb", process=False)


def glb_parts(data: bytes) -> dict[str, trimesh.Trimesh]:
    """Per mesh name, its primitives as one mesh; their linear vertex colours (`COLOR_0`) in
    `vertex_attributes["color"]`."""
    groups = defaultdict(list)
    for name, geometry in glb_scene(data).geometry.items():
        groups[re.sub(r"_\d+$", "", name)].append(geometry)
    return {name: _merged(found) for name, found in groups.items()}


def _merged(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    mesh = trimesh.Trimesh(
        np.vstack([m.vertices for m in meshes]),
        np.vstack([m.faces + o for m, o in zip(meshes, offsets)]),
        process=False,
    )
    # trimesh keeps COLOR_0 in the visual's attributes, textured (TextureVisuals) or not.
    visuals: list[Any] = [m.visual for m in meshes]
    mesh.vertex_attributes["color"] = np.vstack([v.vertex_attributes["color"] for v in visuals])
    return mesh


COMPONENTS = {5126: np.float32, 5125: np.uint32}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3}


def glb_view(data: bytes, view: int) -> bytes:
    """The bytes of a buffer view: the BIN chunk follows the JSON chunk (4.4)."""
    (length,) = struct.unpack("<I", data[12:16])
    start = 20 + length + 8
    found = glb_json(data)["bufferViews"][view]
    offset = start + found.get("byteOffset", 0)
    return data[offset : offset + found["byteLength"]]


def glb_accessor(data: bytes, index: int) -> np.ndarray:
    """An accessor's values as (count, width) numbers (tightly packed, as the exporter writes)."""
    found = glb_json(data)["accessors"][index]
    values = np.frombuffer(glb_view(data, found["bufferView"]), COMPONENTS[found["componentType"]])
    return values.reshape(found["count"], WIDTH[found["type"]])
