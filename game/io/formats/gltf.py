"""glTF 2.0 binary (`.glb`): the greedy mesh with per-vertex colours, written with numpy and `struct`.

One mesh per part; the block colours (with the editor's ambient occlusion) are in `COLOR_0`,
which glTF defines as linear, so the sRGB catalogue colours are converted. Windows and roof
edges (the generated detail's `game.core.facades`, as the editor's shader and the server's
pictures draw them) are a texture, not geometry: walls get texture coordinates in voxels and
a material per look whose tiny PNG (one voxel of wall, white with the kind's window in its
glass tint) repeats once per voxel and multiplies the vertex colour, so the greedy mesh's big
wall quads stay big; the rest is one white matte material. Props (trees, bushes, benches, playgrounds: `game.core.props`) are the
editor's small boxes in the same mesh, not voxels. Units are metres and y is up, as the glTF specification requires.

Why no library: a `.glb` is a 12-byte header, a JSON chunk and a binary chunk, each padded
to 4 bytes (glTF 2.0, section 4.4 "Binary glTF Layout"), and the JSON here is a fixed
handful of objects. pygltflib, which wrote it before, added 4 MB with marshmallow and
dataclasses-json to the pupil install for that; trimesh can write it too but is 5 MB and a
second mesh model. The tests read the file with trimesh, an independent reader.
"""

import json
import struct
from dataclasses import dataclass

import numpy as np

from game import __version__
from game.core.catalogue import Catalogue
from game.core.facades import (
    CORNICE_EDGE,
    CORNICE_ID,
    FACADES,
    GLASS,
    HOME,
    OFFICE,
    PLAIN,
    SHOP,
    buildings,
    surface_kinds,
)
from game.core.level import Level
from game.core.mesh import Mesh, greedy_mesh
from game.core.png import encode_png
from game.core.props import box_mesh, meshed_as_air, prop_boxes, prop_ids
from game.io.formats.metres import Y_UP, in_metres, quad_blocks

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


WINDOW_TEXELS = 64
"""Texels per voxel of a window texture: its rectangle within 1/128 of a voxel of `FACADES`, a
power of two so that WebGL 1 may repeat and mipmap it, and a few hundred bytes as PNG."""
NEAREST, LINEAR_MIPMAP_LINEAR, REPEAT = 9728, 9987, 10497  # sampler (glTF 2.0, 5.26)
LOOKS = [(kind, False) for kind in FACADES] + [(kind, True) for kind in (PLAIN, *FACADES)]
"""The textured looks of a wall, (surface kind, top row under a roof): a kind's windows, and
on a building's top row the roof's darker edge (over its windows, if it has any)."""


def window_texture(kind: int, cornice: bool) -> np.ndarray:
    """One voxel of wall as an RGB image (`WINDOW_TEXELS` square): white, the kind's window
    (`FACADES`) in its glass tint and, on a top row, the roof's edge (`CORNICE_EDGE`) darker.

    glTF multiplies it with the vertex colour, as the editor's shader multiplies its tint with
    the wall's colour. Row 0 is the voxel's top (texture coordinate v runs down the wall); a
    texel is glass where its centre is in the window.
    """
    centre = (np.arange(WINDOW_TEXELS) + 0.5) / WINDOW_TEXELS
    u, up = centre[None, :], 1 - centre[:, None]
    tint = np.ones((WINDOW_TEXELS, WINDOW_TEXELS, 3))
    if kind in FACADES:
        (u0, u1, w0, w1), glass = FACADES[kind]
        tint[(u0 <= u) & (u <= u1) & (w0 <= up) & (up <= w1)] = glass
    if cornice:
        tint[up[:, 0] >= CORNICE_EDGE[0]] *= CORNICE_EDGE[1]
    return np.rint(tint * 255).astype(np.uint8)


@dataclass(frozen=True)
class Dressed:
    """A mesh of quads (four vertices and six indices each, in order) and its walls' looks.

    `looks` is per quad: 0 for no texture, else 1 + the index of its look in `LOOKS`; `uv` is
    per vertex, in voxels along the wall and down it, so a window texture set to repeat shows
    one window per voxel on the greedy mesh's big wall quads, at no extra geometry.
    """

    mesh: Mesh
    looks: np.ndarray
    uv: np.ndarray

    @classmethod
    def plain(cls, mesh: Mesh) -> "Dressed":
        n = mesh.vertex_count
        return cls(mesh, np.zeros(n // 4, np.uint8), np.zeros((n, 2), np.float32))

    @classmethod
    def concatenate(cls, parts: list["Dressed"]) -> "Dressed":
        return cls(
            Mesh.concatenate(part.mesh for part in parts),
            np.concatenate([part.looks for part in parts]),
            np.concatenate([part.uv for part in parts]),
        )

    def primitives(self) -> list[tuple[int, Mesh, np.ndarray]]:
        """(look, its quads as a mesh, their uv) per look present, plain first."""
        found = []
        quad_indices = self.mesh.indices.reshape(-1, 6).astype(np.int64)
        for look in np.unique(self.looks).tolist():
            quads = np.flatnonzero(self.looks == look)
            vertices = (4 * quads[:, None] + np.arange(4)).ravel()
            indices = quad_indices[quads] + 4 * (np.arange(len(quads)) - quads)[:, None]
            mesh = Mesh(
                self.mesh.positions[vertices],
                self.mesh.normals[vertices],
                self.mesh.colors[vertices],
                indices.astype(np.uint32).ravel(),
            )
            found.append((look, mesh, self.uv[vertices]))
        return found


def dressed_mesh(grid: np.ndarray, catalogue: Catalogue) -> Dressed:
    """The greedy mesh of `grid` (voxel units, z up) with windows on its walls: a building's top
    row meshed apart (as the editor does, with `CORNICE_ID`), so that its roof edge is a look of
    its own, and each wall quad the look of its block's surface kind (`surface_kinds`)."""
    top = buildings(catalogue)[grid]
    top[:, :, :-1] &= grid[:, :, 1:] == 0
    if grid.size and int(grid.max()) >= CORNICE_ID:
        top[:] = False  # a catalogue this large has no spare ids: no roof edge
    marked = (grid | np.uint8(CORNICE_ID) * top).astype(np.uint8)
    mesh = greedy_mesh(marked, catalogue.colors[np.arange(256) % CORNICE_ID])
    if not mesh.vertex_count:
        return Dressed.plain(mesh)
    kinds = surface_kinds(catalogue)
    table = np.zeros((256, 2), np.uint8)  # look by block id and top row
    table[:, 1] = LOOKS.index((PLAIN, True)) + 1  # a top row without windows (a green roof)
    for i, (kind, cornice) in enumerate(LOOKS):
        table[kinds == kind, int(cornice)] = i + 1
    block = quad_blocks(marked, mesh)
    wall = mesh.normals[::4, 2] == 0
    looks = np.where(wall, table[block % CORNICE_ID, (block >= CORNICE_ID).astype(np.intp)], 0)
    p = mesh.positions
    along = np.where(mesh.normals[:, 0] != 0, p[:, 1], p[:, 0])
    uv = np.stack([along, -p[:, 2]], axis=1).astype(np.float32)
    return Dressed(mesh, looks.astype(np.uint8), uv)


def _gltf(models: list[tuple[str, Dressed]], extras: dict | None = None) -> bytes:
    """A `.glb` with one node and mesh per named model (empty ones left out) and a primitive
    per look: a white matte material for what has no texture, one with its window texture
    (`window_texture`, repeated) per look of a wall; `extras` go onto the scene (glTF 2.0, 5.26)."""
    arrays: list[np.ndarray] = []
    accessors: list[dict] = []

    def accessor(array: np.ndarray, kind: str, **bounds: list[float]) -> int:
        # Every array is float32 or uint32, so each buffer view starts 4-byte aligned.
        arrays.append(array)
        accessors.append(
            {
                "bufferView": len(arrays) - 1,
                "componentType": UNSIGNED_INT if array.dtype == np.uint32 else FLOAT,
                "count": len(array),
                "type": kind,
                **bounds,
            }
        )
        return len(accessors) - 1

    used = sorted({int(look) for _name, model in models for look in model.looks} - {0})
    material = {look: i + 1 for i, look in enumerate(used)} | {0: 0}
    nodes: list[dict] = []
    meshes: list[dict] = []
    for name, model in models:
        primitives = []
        for look, mesh, uv in model.primitives():
            positions = mesh.positions.astype(np.float32)
            low, high = positions.min(axis=0).tolist(), positions.max(axis=0).tolist()
            attributes = {
                "POSITION": accessor(positions, "VEC3", min=low, max=high),
                "NORMAL": accessor(mesh.normals.astype(np.float32), "VEC3"),
                "COLOR_0": accessor(_linear(mesh.colors[:, :3]), "VEC3"),
            }
            if look:
                attributes["TEXCOORD_0"] = accessor(uv, "VEC2")
            indices = accessor(mesh.indices.astype(np.uint32), "SCALAR")
            primitives.append(
                {"attributes": attributes, "indices": indices, "material": material[look]}
            )
        if primitives:
            nodes.append({"name": name, "mesh": len(meshes)})
            meshes.append({"name": name, "primitives": primitives})
    views = [
        {
            "buffer": 0,
            "byteLength": a.nbytes,
            "target": ELEMENT_ARRAY_BUFFER if a.dtype == np.uint32 else ARRAY_BUFFER,
        }
        for a in arrays
    ]
    blobs = [a.tobytes() for a in arrays]
    for look in used:
        png = encode_png(window_texture(*LOOKS[look - 1]))
        views.append({"buffer": 0, "byteLength": len(png)})
        blobs.append(png + b"\x00" * (-len(png) % 4))  # the next view starts 4-byte aligned
    offset = 0
    for view, blob in zip(views, blobs):
        view["byteOffset"] = offset
        offset += len(blob)
    white = {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0, "roughnessFactor": 1}
    scene: dict = {"nodes": list(range(len(nodes)))}
    if extras:
        scene["extras"] = extras
    gltf: dict = {
        "asset": {"generator": f"Quartier {__version__}", "version": "2.0"},
        "scene": 0,
        "scenes": [scene],
        "nodes": nodes,
        "meshes": meshes,
        "materials": [{"name": "blocks", "pbrMetallicRoughness": white}]
        + [
            {
                "name": _look_name(*LOOKS[look - 1]),
                "pbrMetallicRoughness": {**white, "baseColorTexture": {"index": i}},
            }
            for i, look in enumerate(used)
        ],
        "buffers": [{"byteLength": offset}],
        "bufferViews": views,
        "accessors": accessors,
    }
    if used:
        gltf["samplers"] = [
            {
                "magFilter": NEAREST,
                "minFilter": LINEAR_MIPMAP_LINEAR,
                "wrapS": REPEAT,
                "wrapT": REPEAT,
            }
        ]
        gltf["images"] = [
            {"bufferView": len(arrays) + i, "mimeType": "image/png"} for i in range(len(used))
        ]
        gltf["textures"] = [{"sampler": 0, "source": i} for i in range(len(used))]
    return _glb(gltf, b"".join(blobs))


def _look_name(kind: int, cornice: bool) -> str:
    name = {PLAIN: "wall", HOME: "home", OFFICE: "office", GLASS: "glass", SHOP: "shop"}
    return name.get(kind, "public") + (" roof edge" if cornice else " windows")


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    return {name: _gltf([("design", detailed_mesh(grid, catalogue, voxel_size_m))])}


def detailed_mesh(grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float) -> Dressed:
    """The grid in metres, y up, as the editor draws it with detail: the greedy mesh of its
    boxes with windows on its walls (`dressed_mesh`; props count as air there, so the faces
    behind them show) and each prop as its boxes (`game.core.props.prop_boxes`).

    A prop's ground plate (a playground's sand, a garden's lawn: a box as wide as its voxel
    and a few centimetres high) is meshed like a voxel instead, merged with its neighbours and
    squashed to its height: a playground of 100 voxels is then a few quads, not 500 (the
    design page loads this file on a phone).
    """
    ids = prop_ids(catalogue)
    props = np.take(ids, grid)
    if not props.any():
        return _in_metres(dressed_mesh(grid, catalogue), voxel_size_m)
    boxes = np.where(meshed_as_air(props), 0, grid).astype(grid.dtype)
    found = prop_boxes(grid, (0, 0, 0), catalogue, ids, props)
    plate = (found.boxes[:, 3:5] >= 1).all(axis=1) & (found.boxes[:, 2] == found.voxel[:, 2])
    parts = [box_mesh(found.boxes[~plate], found.rgb[~plate], np.full(int((~plate).sum()), 255))]
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
    dressed = Dressed.concatenate(
        [dressed_mesh(boxes, catalogue), *(Dressed.plain(part) for part in parts)]
    )
    return _in_metres(dressed, voxel_size_m)


def _in_metres(dressed: Dressed, voxel_size_m: float) -> Dressed:
    """`in_metres` of the mesh; the texture coordinates stay in voxels (one window each)."""
    return Dressed(in_metres(dressed.mesh, voxel_size_m), dressed.looks, dressed.uv)


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

    def placed(part: np.ndarray, detailed: bool) -> Dressed:
        if detailed:
            dressed = detailed_mesh(part, catalogue, voxel_size_m)
        else:
            dressed = _in_metres(dressed_mesh(part, catalogue), voxel_size_m)
        mesh = dressed.mesh
        shift = (centre @ Y_UP.T * voxel_size_m).astype(np.float32)
        moved = Mesh(mesh.positions - shift, mesh.normals, mesh.colors, mesh.indices)
        return Dressed(moved, dressed.looks, dressed.uv)

    corners = ((np.stack([low, high]) - centre) @ Y_UP.T * voxel_size_m).astype(float)
    extras = {"zone": {"min": corners.min(axis=0).tolist(), "max": corners.max(axis=0).tolist()}}
    return _gltf([("zone", placed(zone, True)), ("context", placed(context, False))], extras)
