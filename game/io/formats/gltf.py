"""glTF 2.0 binary (`.glb`): the greedy mesh with per-vertex colours, written with numpy and `struct`.

One mesh, one primitive, one white matte material; the block colours (with the editor's
ambient occlusion) are in `COLOR_0`, which glTF defines as linear, so the sRGB catalogue
colours are converted. Props (trees, bushes, benches, playgrounds: `game.core.props`) are the
editor's small boxes in the same mesh, not voxels. Units are metres and y is up, as the glTF specification requires.

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
from game.core.level import Level
from game.core.mesh import Mesh, greedy_mesh
from game.core.props import box_mesh, meshed_as_air, prop_boxes, prop_ids
from game.io.formats.metres import Y_UP, in_metres

MAGIC, VERSION = b"glTF", 2
JSON_CHUNK, BIN_CHUNK = b"JSON", b"BIN\x00"
FLOAT, UNSIGNED_INT = 5126, 5125  # accessor componentType
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963  # bufferView target

CONTEXT_MARGIN = 32
"""Voxels of the city shown around the zone's rectangle on each side: the street and the
neighbours a design answers to (64 m on Berlin, whose zone plus context is then ~0.4 MB)."""


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


def _gltf(meshes: list[tuple[str, Mesh]], extras: dict | None = None) -> bytes:
    """A `.glb` with one node, mesh and primitive per named mesh (empty ones left out), all
    sharing one white matte material; `extras` go onto the scene (glTF 2.0, 5.26)."""
    meshes = [(name, mesh) for name, mesh in meshes if mesh.vertex_count]
    arrays: list[np.ndarray] = []
    for _name, mesh in meshes:
        # Every array is float32 or uint32, so each buffer view starts 4-byte aligned.
        arrays += [
            mesh.positions.astype(np.float32),
            mesh.normals.astype(np.float32),
            _linear(mesh.colors[:, :3]),
            mesh.indices.astype(np.uint32),
        ]
    offsets = np.cumsum([0] + [a.nbytes for a in arrays]).tolist()
    accessors: list[dict] = []
    for i, (_name, mesh) in enumerate(meshes):
        vertices = {"componentType": FLOAT, "count": mesh.vertex_count, "type": "VEC3"}
        positions = arrays[4 * i]
        accessors += [
            {
                "bufferView": 4 * i,
                **vertices,
                "min": positions.min(axis=0).tolist(),
                "max": positions.max(axis=0).tolist(),
            },
            {"bufferView": 4 * i + 1, **vertices},
            {"bufferView": 4 * i + 2, **vertices},
            {
                "bufferView": 4 * i + 3,
                "componentType": UNSIGNED_INT,
                "count": len(mesh.indices),
                "type": "SCALAR",
            },
        ]
    scene: dict = {"nodes": list(range(len(meshes)))}
    if extras:
        scene["extras"] = extras
    gltf = {
        "asset": {"generator": f"Quartier {__version__}", "version": "2.0"},
        "scene": 0,
        "scenes": [scene],
        "nodes": [{"name": name, "mesh": i} for i, (name, _mesh) in enumerate(meshes)],
        "meshes": [
            {
                "name": name,
                "primitives": [
                    {
                        "attributes": {
                            "POSITION": 4 * i,
                            "NORMAL": 4 * i + 1,
                            "COLOR_0": 4 * i + 2,
                        },
                        "indices": 4 * i + 3,
                        "material": 0,
                    }
                ],
            }
            for i, (name, _mesh) in enumerate(meshes)
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
                "target": ELEMENT_ARRAY_BUFFER if i % 4 == 3 else ARRAY_BUFFER,
            }
            for i, a in enumerate(arrays)
        ],
        "accessors": accessors,
    }
    return _glb(gltf, b"".join(a.tobytes() for a in arrays))


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    return {name: _gltf([("design", detailed_mesh(grid, catalogue, voxel_size_m))])}


def detailed_mesh(grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float) -> Mesh:
    """The grid in metres, y up, as the editor draws it with detail: the greedy mesh of its
    boxes (props count as air there, so the faces behind them show) and each prop as its
    boxes (`game.core.props.prop_boxes`).

    A prop's ground plate (a playground's sand, a garden's lawn: a box as wide as its voxel
    and a few centimetres high) is meshed like a voxel instead, merged with its neighbours and
    squashed to its height: a playground of 100 voxels is then a few quads, not 500 (the
    design page loads this file on a phone).
    """
    ids = prop_ids(catalogue)
    props = np.take(ids, grid)
    if not props.any():
        return in_metres(greedy_mesh(grid, catalogue.colors), voxel_size_m)
    boxes = np.where(meshed_as_air(props), 0, grid).astype(grid.dtype)
    found = prop_boxes(grid, (0, 0, 0), catalogue, ids, props)
    plate = (found.boxes[:, 3:5] >= 1).all(axis=1) & (found.boxes[:, 2] == found.voxel[:, 2])
    parts = [
        greedy_mesh(boxes, catalogue.colors),
        box_mesh(found.boxes[~plate], found.rgb[~plate], np.full(int((~plate).sum()), 255)),
    ]
    voxels, heights = found.voxel[plate], found.boxes[plate, 5]
    for z in np.unique(voxels[:, 2]).tolist():
        # One layer at a time: stacked plates must not merge into one tall box.
        at = voxels[:, 2] == z
        layer = np.zeros((*grid.shape[:2], 1), grid.dtype)
        x, y = voxels[at, 0], voxels[at, 1]
        layer[x, y, 0] = grid[x, y, z]
        # Solid below (the ground the plate lies on): no bottom faces.
        below = np.zeros((grid.shape[0] + 2, grid.shape[1] + 2, 3), grid.dtype)
        below[:, :, 0] = 1
        mesh = greedy_mesh(layer, catalogue.colors, neighbours=below)
        positions = mesh.positions.copy()
        positions[:, 2] = z + positions[:, 2] * float(heights[at].max())
        parts.append(Mesh(positions, mesh.normals, mesh.colors, mesh.indices))
    return in_metres(Mesh.concatenate(parts), voxel_size_m)


def zone_box(zone_columns: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The columns (x, y) of the zone's bounding rectangle widened by `margin` voxels on each
    side, within the level."""
    xs, ys = np.nonzero(zone_columns)
    width, depth = zone_columns.shape
    return (
        slice(max(0, int(xs.min()) - margin), min(width, int(xs.max()) + 1 + margin)),
        slice(max(0, int(ys.min()) - margin), min(depth, int(ys.max()) + 1 + margin)),
    )


def export_level_zone(grid: np.ndarray, level: Level, margin: int = CONTEXT_MARGIN) -> bytes:
    """`export_zone` of a grid on `level` (its city or a design on it), with the level's zone."""
    return export_zone(
        grid,
        level.zone_columns,
        level.doc.zone.top,
        level.catalogue,
        level.doc.voxel_size_m,
        margin,
    )


def export_zone(
    grid: np.ndarray,
    zone_columns: np.ndarray,
    zone_top: int,
    catalogue: Catalogue,
    voxel_size_m: float,
    margin: int,
) -> bytes:
    """The zone and `margin` voxels of the city around it as a `.glb` for the browser's 3D view.

    Why cropped: the whole Berlin level is 8.3 MB, too much for a phone on a school's network
    and for the software rasteriser of a school PC; the zone and its street are what a pupil
    changed and what the class judges. Two nodes, `zone` and `context`, so the viewer can fade
    the context as the editor does; the zone's box (in the file's metres, y up; from its ground
    to its top height) is in the scene's `extras.zone` for its outline. The zone's centre is at
    x = z = 0, the level's bottom at y = 0.

    Props (trees, playgrounds, ...) are drawn as the editor's boxes in the zone, and as voxels
    in the context: the demo level's park around its zone is 650 boxes, which would make the
    file four times larger (`benchmarks/view3d.py`), while the context is shown faded.
    """
    box = zone_box(zone_columns, margin)
    crop = grid[box]
    inside = zone_columns[box]
    zone = np.where(inside[:, :, None], crop, 0).astype(np.uint8)
    context = np.where(inside[:, :, None], 0, crop).astype(np.uint8)
    xs, ys = np.nonzero(inside)
    # Where the outline lies: the most common height of the lowest air around the zone (the
    # street level; the same before and after, as designs change only the zone's columns).
    around = ~inside if (~inside).any() else inside
    ground = int(np.bincount(np.argmax(crop[around] == 0, axis=1)).argmax())
    low = np.array([xs.min(), ys.min(), ground])
    high = np.array([xs.max() + 1, ys.max() + 1, zone_top])
    centre = (low + high) / 2.0
    centre[2] = 0

    def placed(part: np.ndarray, detailed: bool) -> Mesh:
        if detailed:
            mesh = detailed_mesh(part, catalogue, voxel_size_m)
        else:
            mesh = in_metres(greedy_mesh(part, catalogue.colors), voxel_size_m)
        shift = (centre @ Y_UP.T * voxel_size_m).astype(np.float32)
        return Mesh(mesh.positions - shift, mesh.normals, mesh.colors, mesh.indices)

    corners = ((np.stack([low, high]) - centre) @ Y_UP.T * voxel_size_m).astype(float)
    extras = {"zone": {"min": corners.min(axis=0).tolist(), "max": corners.max(axis=0).tolist()}}
    return _gltf([("zone", placed(zone, True)), ("context", placed(context, False))], extras)
