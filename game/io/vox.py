"""MagicaVoxel `.vox` files: a design written as a scene of models, and scenes read back as stamps.

The format (ephtracy's specification, `MagicaVoxel-file-format-vox.txt` and
`-vox-extension.txt` in github.com/ephtracy/voxel-model): after `VOX ` and version 150, RIFF-like
little-endian chunks (id, content size, children size); `SIZE`/`XYZI` per model with one byte per
coordinate; a 256-entry `RGBA` palette where file entry k is colour index k+1; and the scene
graph `nTRN` (translation, rotation as a packed byte), `nGRP` and `nSHP` placing models.

Hand-written because the format is small and the Python libraries on PyPI handle single
models only (py-vox-io) or stack models by raw translation, without each model's centre pivot,
rotations or nested groups (midvoxio); none writes a scene graph (`nTRN`/`nGRP`/`nSHP`), which a
level needs because one model holds at most 256 voxels per axis. Reading is bounded: every
size a file claims is checked against the bytes that are really there and against the
limits below before anything is allocated, so a broken or hostile file gets a message and
never a traceback or a huge array.
"""

import struct
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np

from game.core.catalogue import Catalogue
from game.core.errors import QuartierError
from game.core.ops.stamp import Stamp
from game.io.storage import read_document

MODEL_MAX = 256
"""Voxels per axis of one model: coordinates are stored as one byte."""
SCENE_MAX = 1024
"""Voxels per axis of an imported scene; larger than any level (512), small enough to allocate."""
VOLUME_MAX = 512 * 512 * 128
"""Cells of an imported scene's bounding box: the largest supported level."""
VOXELS_MAX = 1 << 24
"""Voxels placed by all instances together when a scene is imported."""
VISITS_MAX = 1 << 18
"""Scene graph nodes visited: a graph that reuses groups cannot make the walk explode."""
MODELS_MAX = 4096
"""Models in one file: a thousand times the four 256³ tiles of the largest level, while a
million one-voxel models would cost a minute and more than a gigabyte of Python objects."""
NODES_MAX = 1 << 16
"""Scene graph chunks (nTRN, nGRP, nSHP) in one file: enough to place every model several times."""
INSTANCES_MAX = 1 << 14
"""Models placed by the scene graph: each is a numpy computation when the scene is assembled."""
TRANSLATION_MAX = 1 << 20
"""Voxels a transform may move a model along an axis; far beyond `SCENE_MAX`, far below int64."""
DEPTH_MAX = 64
VERSION = 150


def default_palette() -> np.ndarray:
    """(256, 4) RGBA by colour index, used when a file has no `RGBA` chunk (the spec's table).

    Indices 1..215 are the 6×6×6 colour cube without black (blue varies fastest), then ten
    steps each of red, green, blue and grey; index 0 is empty.
    """
    steps = np.array([255, 204, 153, 102, 51, 0], np.uint8)
    r, g, b = np.meshgrid(steps, steps, steps, indexing="ij")
    cube = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1)[:-1]
    ramp = np.array([0xEE, 0xDD, 0xBB, 0xAA, 0x88, 0x77, 0x55, 0x44, 0x22, 0x11], np.uint8)
    ramps = [np.outer(ramp, channel).astype(np.uint8) for channel in np.eye(3, dtype=np.uint8)]
    rgb = np.concatenate(
        [np.zeros((1, 3), np.uint8), cube, *ramps, np.repeat(ramp[:, None], 3, axis=1)]
    )
    alpha = np.full((256, 1), 255, np.uint8)
    alpha[0] = 0
    return np.concatenate([rgb, alpha], axis=1)


# -- writing ----------------------------------------------------------------------------------


def _chunk(chunk_id: bytes, content: bytes, children: bytes = b"") -> bytes:
    return chunk_id + struct.pack("<ii", len(content), len(children)) + content + children


def _string(value: str) -> bytes:
    raw = value.encode("utf-8")
    return struct.pack("<i", len(raw)) + raw


def _dict(items: dict[str, str]) -> bytes:
    return struct.pack("<i", len(items)) + b"".join(
        _string(k) + _string(v) for k, v in items.items()
    )


def _transform(node: int, child: int, attributes: dict[str, str], frame: dict[str, str]) -> bytes:
    return _chunk(
        b"nTRN",
        struct.pack("<i", node)
        + _dict(attributes)
        + struct.pack("<iiii", child, -1, -1 if node == 0 else 0, 1)
        + _dict(frame),
    )


def write_vox(grid: np.ndarray, colors: np.ndarray) -> bytes:
    """`grid` (block ids, z up) as a scene of models of at most 256³, placed where they lie in the grid.

    Palette index i holds the colour of block id i (`colors`, (256, 3) RGB), so every design of
    a workshop shares one palette. Empty tiles are left out; `grid` must hold a block.
    """
    models, placements = [], []
    for origin in product(*(range(0, n, MODEL_MAX) for n in grid.shape)):
        tile = grid[tuple(slice(o, o + MODEL_MAX) for o in origin)]
        xyz = np.nonzero(tile)
        if not xyz[0].size:
            continue
        voxels = np.stack([*xyz, tile[xyz]], axis=1).astype(np.uint8)
        models.append(
            _chunk(b"SIZE", struct.pack("<3i", *tile.shape))
            + _chunk(b"XYZI", struct.pack("<i", len(voxels)) + voxels.tobytes())
        )
        # A model's translation is its centre: voxel v lands at t + v - size // 2.
        placements.append((origin, np.asarray(origin) + np.asarray(tile.shape) // 2))
    palette = np.zeros((256, 4), np.uint8)
    palette[:255, :3] = colors[1:256]
    palette[:255, 3] = 255
    lone = len(models) == 1 and not any(
        placements[0][0]
    )  # readers without scene graphs open it too
    body = (
        b"".join(models)
        + (b"" if lone else _scene_graph(placements))
        + _chunk(b"RGBA", palette.tobytes())
    )
    return b"VOX " + struct.pack("<i", VERSION) + _chunk(b"MAIN", b"", body)


def _scene_graph(placements: list) -> bytes:
    """Root transform, one group, and a transform plus shape per model."""
    children = [2 + 2 * k for k in range(len(placements))]
    graph = [
        _transform(0, 1, {}, {}),
        _chunk(
            b"nGRP",
            struct.pack("<i", 1)
            + _dict({})
            + struct.pack(f"<i{len(children)}i", len(children), *children),
        ),
    ]
    for k, (node, (origin, t)) in enumerate(zip(children, placements)):
        name = "x{} y{} z{}".format(*origin)
        graph.append(
            _transform(node, node + 1, {"_name": name}, {"_t": " ".join(map(str, t.tolist()))})
        )
        graph.append(
            _chunk(
                b"nSHP",
                struct.pack("<i", node + 1) + _dict({}) + struct.pack("<ii", 1, k) + _dict({}),
            )
        )
    return b"".join(graph)


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    size: tuple[int, int, int]
    voxels: np.ndarray  # uint8 (n, 4): x, y, z, colour index


@dataclass(frozen=True)
class Instance:
    """One placement of a model: world = floor(rotation @ (v + ½ - size // 2) + translation)."""

    model: int
    rotation: np.ndarray  # int (3, 3), a signed permutation
    translation: np.ndarray  # int (3,)


@dataclass(frozen=True)
class Scene:
    models: tuple[Model, ...]
    instances: tuple[Instance, ...]
    palette: np.ndarray  # uint8 (256, 4) RGBA by colour index; 0 is empty

    def assemble(self, what: str = "vox") -> tuple[np.ndarray, np.ndarray]:
        """Every instance in one grid of colour indices, cropped to the voxels there are, and the
        scene position of its first voxel `grid[0, 0, 0]`."""
        placed = [
            (inst, self.models[inst.model])
            for inst in self.instances
            if len(self.models[inst.model].voxels)
        ]
        if not placed:
            raise QuartierError("error.vox_empty", what=what)
        if sum(len(model.voxels) for _, model in placed) > VOXELS_MAX:
            raise QuartierError(
                "error.vox_too_large", what=what, size=f"> {VOXELS_MAX:,}", limit=SCENE_MAX
            )
        boxes = np.array(
            [
                _world(inst, model, np.array([[0, 0, 0], np.array(model.size) - 1]))
                for inst, model in placed
            ]
        )
        lo, hi = boxes.min(axis=(0, 1)), boxes.max(axis=(0, 1))
        extent = hi - lo + 1
        if (extent > SCENE_MAX).any() or np.prod(extent) > VOLUME_MAX:
            raise QuartierError(
                "error.vox_too_large", what=what, size="×".join(map(str, extent)), limit=SCENE_MAX
            )
        grid = np.zeros(tuple(extent), np.uint8)
        for inst, model in placed:  # later instances cover earlier ones, as in MagicaVoxel
            solid = model.voxels[model.voxels[:, 3] != 0]
            world = _world(inst, model, solid[:, :3].astype(np.int64)) - lo
            grid[tuple(world.T)] = solid[:, 3]
        if not grid.any():
            raise QuartierError("error.vox_empty", what=what)
        first = np.array([c.min() for c in np.nonzero(grid)])
        last = np.array([c.max() for c in np.nonzero(grid)])
        return grid[tuple(map(slice, first, last + 1))], lo + first


def _world(inst: Instance, model: Model, voxels: np.ndarray) -> np.ndarray:
    """World voxel of each model voxel (n, 3), computed on doubled coordinates to stay in integers."""
    centre = 2 * voxels + 1 - 2 * (np.array(model.size) // 2)
    return (centre @ inst.rotation.T + 2 * inst.translation) // 2


class _Cursor:
    """Reads little-endian values from one chunk; running past its end means the file lies."""

    def __init__(self, data: bytes, what: str, chunk: bytes = b"") -> None:
        self.data, self.pos, self.what, self.chunk = data, 0, what, chunk

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise QuartierError(
                "error.vox_truncated", what=self.what, chunk=self.chunk.decode("latin-1")
            )
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def ints(self, n: int = 1) -> tuple[int, ...]:
        return struct.unpack(f"<{n}i", self.take(4 * n))

    def i32(self) -> int:
        return self.ints()[0]

    def attributes(self) -> dict[str, str]:
        count = self.i32()
        if count < 0 or count * 8 > len(self.data) - self.pos:
            raise QuartierError(
                "error.vox_truncated", what=self.what, chunk=self.chunk.decode("latin-1")
            )
        return {self.string(): self.string() for _ in range(count)}

    def string(self) -> str:
        return self.take(self.i32()).decode("utf-8", "replace")


def _chunks(data: bytes, what: str):
    """(id, content) of every chunk inside MAIN, after checking the header and every claimed size."""
    if data[:4] != b"VOX ":
        raise QuartierError("error.vox_not_vox", what=what)
    top = _Cursor(data, what, b"MAIN")
    top.take(8)
    main_id, content, children = top.take(4), *top.ints(2)
    if main_id != b"MAIN":
        raise QuartierError("error.vox_not_vox", what=what)
    top.take(content)
    body = _Cursor(top.take(children), what, b"MAIN")
    while body.pos < len(body.data):
        chunk_id = body.take(4)
        size, nested = body.ints(2)
        left = len(body.data) - body.pos
        if size < 0 or nested < 0 or size + nested > left:
            raise QuartierError(
                "error.vox_chunk_size",
                what=what,
                chunk=chunk_id.decode("latin-1"),
                size=max(size, nested),
                left=left,
            )
        yield chunk_id, body.take(size)
        body.take(nested)


def read_vox(data: bytes, what: str = "vox") -> Scene:
    """The models, their placements by the scene graph (frame 0) and the palette of a `.vox` file."""
    models: list[Model] = []
    size: tuple[int, int, int] | None = None
    palette = default_palette()
    nodes: dict[int, tuple[bytes, dict[str, str], tuple[int, ...]]] = {}
    node_chunks = 0
    for chunk_id, content in _chunks(data, what):
        c = _Cursor(content, what, chunk_id)
        if chunk_id == b"SIZE":
            x, y, z = c.ints(3)
            size = (x, y, z)
            if not all(1 <= n <= MODEL_MAX for n in size):
                raise QuartierError(
                    "error.vox_model_size",
                    what=what,
                    size="×".join(map(str, size)),
                    limit=MODEL_MAX,
                )
        elif chunk_id == b"XYZI":
            if size is None:
                raise QuartierError("error.vox_truncated", what=what, chunk="SIZE")
            voxels = np.frombuffer(c.take(4 * c.i32()), np.uint8).reshape(-1, 4)
            if (voxels[:, :3] >= np.array(size, np.int64)).any():
                raise QuartierError(
                    "error.vox_voxel_outside",
                    what=what,
                    model=len(models),
                    size="×".join(map(str, size)),
                )
            if len(models) == MODELS_MAX:
                raise QuartierError("error.vox_too_many_models", what=what, limit=MODELS_MAX)
            models.append(Model(size, voxels))
            size = None
        elif chunk_id == b"RGBA":
            palette = palette.copy()
            palette[1:] = np.frombuffer(c.take(1024), np.uint8).reshape(256, 4)[:255]
        elif chunk_id in (b"nTRN", b"nGRP", b"nSHP"):
            node_chunks += 1
            if node_chunks > NODES_MAX:
                raise QuartierError("error.vox_too_many_nodes", what=what, limit=NODES_MAX)
            node = c.i32()
            attributes = c.attributes()
            if chunk_id == b"nTRN":
                child, _reserved, _layer, frames = c.ints(4)
                frame = c.attributes() if frames > 0 else {}
                nodes[node] = (chunk_id, {**attributes, **frame}, (child,))
            else:
                count = c.i32()
                if count < 0 or count * 4 > len(content) - c.pos:
                    raise QuartierError("error.vox_truncated", what=what, chunk=chunk_id.decode())
                # a group lists child ids; a shape lists (model id, attributes) pairs: keep the first model
                nodes[node] = (
                    chunk_id,
                    attributes,
                    c.ints(count) if chunk_id == b"nGRP" else c.ints(min(count, 1)),
                )
    if not models:
        raise QuartierError("error.vox_empty", what=what)
    instances = (
        _instances(nodes, len(models), what)
        if nodes
        else tuple(
            Instance(k, np.eye(3, dtype=np.int64), np.array(m.size) // 2)
            for k, m in enumerate(models)
        )
    )
    return Scene(tuple(models), instances, palette)


def _instances(nodes: dict, model_count: int, what: str) -> tuple[Instance, ...]:
    """Walk the scene graph from node 0, composing transforms down to every shape."""
    found: list[Instance] = []
    stack = [(0, np.eye(3, dtype=np.int64), np.zeros(3, np.int64), 0)]
    visits = 0
    while stack:
        node, rotation, translation, depth = stack.pop()
        visits += 1
        if node not in nodes or depth > DEPTH_MAX or visits > VISITS_MAX:
            raise QuartierError("error.vox_scene", what=what, node=node)
        kind, attributes, links = nodes[node]
        if kind == b"nTRN":
            if attributes.get("_hidden") == "1":
                continue
            r, t = _parse_transform(attributes, node, what)
            stack.append((links[0], rotation @ r, rotation @ t + translation, depth + 1))
        elif kind == b"nGRP":
            stack.extend((child, rotation, translation, depth + 1) for child in reversed(links))
        else:
            if not links or not 0 <= links[0] < model_count:
                raise QuartierError("error.vox_scene", what=what, node=node)
            if len(found) == INSTANCES_MAX:
                raise QuartierError("error.vox_too_many_placed", what=what, limit=INSTANCES_MAX)
            found.append(Instance(links[0], rotation, translation))
    return tuple(found)


def _parse_transform(
    attributes: dict[str, str], node: int, what: str
) -> tuple[np.ndarray, np.ndarray]:
    raw_t, raw_r = attributes.get("_t", "0 0 0"), attributes.get("_r", "4")  # 4: the identity
    value = f"{raw_t[:40]} / {raw_r[:40]}"
    try:
        # Checked as Python ints first: a huge number would overflow numpy's int64.
        values = [int(v) for v in raw_t.split()]
        bits = int(raw_r)
    except ValueError:
        raise QuartierError("error.vox_transform", what=what, node=node, value=value) from None
    first, second = bits & 3, (bits >> 2) & 3
    if (
        len(values) != 3
        or any(abs(v) > TRANSLATION_MAX for v in values)
        or first == second
        or 3 in (first, second)
        or not 0 <= bits < 128
    ):
        raise QuartierError("error.vox_transform", what=what, node=node, value=value)
    t = np.array(values, np.int64)
    rotation = np.zeros((3, 3), np.int64)
    for row, column in enumerate((first, second, 3 - first - second)):
        rotation[row, column] = -1 if bits >> (4 + row) & 1 else 1
    return rotation, t


# -- stamps -----------------------------------------------------------------------------------


def nearest_blocks(
    palette: np.ndarray, catalogue: Catalogue, allowed: set[str] | frozenset[str]
) -> np.ndarray:
    """(256,) block id for each colour index: the allowed, placeable block of the closest colour."""
    blocks = [b for b in catalogue.blocks if b.key in allowed and b.placeable]
    if not blocks:
        raise QuartierError("error.vox_no_blocks")
    ids = np.array([b.id for b in blocks], np.uint8)
    rgb = np.array([b.rgb for b in blocks], np.int64)
    distance = ((palette[:, None, :3].astype(np.int64) - rgb[None]) ** 2).sum(axis=2)
    table = ids[distance.argmin(axis=1)]
    table[0] = 0
    return table


def read_stamp(
    path: Path, catalogue: Catalogue, allowed: set[str] | frozenset[str]
) -> tuple[Stamp, Scene]:
    """A `.vox` file as a stamp of allowed blocks (colours mapped to the nearest one), and its scene."""
    what = Path(path).name
    scene = read_vox(read_document(path), what)
    grid, _ = scene.assemble(what)
    return Stamp(nearest_blocks(scene.palette, catalogue, allowed)[grid]), scene
