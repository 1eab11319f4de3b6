"""Column chunks of a level, each with its own mesh, so an edit re-meshes a few chunks, not the level.

Chunks are meshed with a one-voxel border of their neighbours, so faces and AO at chunk seams match
a whole-level mesh; an edit therefore dirties every chunk within one voxel of it.

Given the level's editable zone, chunks also carry it per vertex (alpha 255 inside, 0 outside) and
never merge a face across the zone's border, so the editor's shader pales the city outside the
building site from a vertex attribute instead of a texture lookup per pixel.

With `detail` (see `game.render.detail`), alpha holds the zone in its top bit (128) and the
block's surface kind in the lower seven, and prop blocks (trees, benches, ...) are meshed as
small boxes instead of voxels; without it, alpha is 255 inside the zone and 0 outside.
"""

from collections.abc import Iterator

import numpy as np

from game.core.facades import CORNICE_ID, WATER
from game.core.mesh import Mesh, Vec3i, greedy_mesh, padded_block
from game.render.detail import (
    BUILDING_FLAG,
    CORNICE_BIT,
    DOOR_BIT,
    MARGIN,
    PROP_FLAG,
    Detail,
    prop_mesh,
    road_markings,
)

ChunkKey = tuple[int, int]
ZONE_BIT = 0x80
KIND_MASK = CORNICE_BIT - 1
"""The surface kind's bits in the alpha of a mesh with detail."""


class ChunkGrid:
    """Meshes of `size` x `size` x Z columns of `grid`, kept in step with in-place edits.

    The grid is held by reference: mutate it, call `mark_dirty` with the edited box, then
    `remesh_dirty`. Every chunk starts dirty. `zone` (a boolean array of the grid's shape) marks
    the editable voxels; block ids must then stay below `ZONE_BIT`.
    """

    def __init__(
        self,
        grid: np.ndarray,
        colors: np.ndarray,
        size: int = 32,
        zone: np.ndarray | None = None,
        detail: Detail | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"chunk size must be positive, got {size}")
        if zone is not None and zone.shape != grid.shape:
            raise ValueError(f"zone must have the grid's shape {grid.shape}, got {zone.shape}")
        self.grid = grid
        self.colors = colors
        self.zone = zone
        # Outside the zone a block is meshed as id | ZONE_BIT, with the same colour: a different
        # block to the merging, so no rectangle spans the border, and the same look.
        self._zone_colors = np.concatenate([colors[:ZONE_BIT], colors[:ZONE_BIT]])
        self.size = size
        self.counts = (-(-grid.shape[0] // size), -(-grid.shape[1] // size))
        self.meshes: dict[ChunkKey, Mesh] = {}
        self.dirty: set[ChunkKey] = set(self.keys())
        self._detail = detail
        # With detail, a chunk's road markings and props, kept until an edit can change them:
        # an edit re-meshes the chunks within a voxel of it, but the props of a chunk hang on
        # its own voxels only, and the markings on the ground layers (see `mark_dirty`).
        self._markings_of: dict[ChunkKey, Mesh] = {}
        self._props_of: dict[ChunkKey, Mesh] = {}

    @property
    def detail(self) -> Detail | None:
        return self._detail

    @detail.setter
    def detail(self, detail: Detail | None) -> None:
        """Switching detail on or off re-meshes every chunk (its alpha and props change)."""
        if detail is not self._detail:
            self._detail = detail
            self.dirty = set(self.keys())
            self._markings_of.clear()
            self._props_of.clear()

    def keys(self) -> Iterator[ChunkKey]:
        for cx in range(self.counts[0]):
            for cy in range(self.counts[1]):
                yield cx, cy

    def bounds(self, key: ChunkKey) -> tuple[Vec3i, Vec3i]:
        """The chunk's voxel box as (lo, hi), hi exclusive."""
        cx, cy = key
        x, y = cx * self.size, cy * self.size
        lo = (x, y, 0)
        X, Y, Z = self.grid.shape
        return lo, (min(x + self.size, X), min(y + self.size, Y), Z)

    def occupied(self, key: ChunkKey) -> tuple[Vec3i, Vec3i]:
        """The chunk's box (lo, hi) cut off one layer above its highest block and the highest of
        the columns around it: the mesh is the same (what is cut off is air, and air is what the
        meshers see beyond a box), and a city of a few storeys under a sky of 64 voxels meshes a
        quarter of the voxels (an edit re-meshes its chunks before the next frame)."""
        (x0, y0, _), (x1, y1, z1) = self.bounds(key)
        columns = self.grid[max(x0 - 1, 0) : x1 + 1, max(y0 - 1, 0) : y1 + 1]
        solid = np.flatnonzero(columns.any(axis=(0, 1)))
        top = int(solid[-1]) + 2 if solid.size else 1
        return (x0, y0, 0), (x1, y1, min(top, z1))

    def mesh_chunk(self, key: ChunkKey) -> Mesh:
        lo, hi = self.occupied(key)
        block = padded_block(self.grid, lo, hi)
        detail = self._detail
        if detail is None:
            inner = block[1:-1, 1:-1, 1:-1]
            if self.zone is None:
                mesh = greedy_mesh(inner, self.colors, lo, neighbours=block)
            else:
                mesh = self._mesh_with_zone(inner, block, lo, hi, self._zone_colors)
        else:
            mesh = self._mesh_with_detail(key, block, detail, lo, hi)
        self.meshes[key] = mesh
        self.dirty.discard(key)
        return mesh

    def _mesh_with_zone(
        self, inner: np.ndarray, block: np.ndarray, lo: Vec3i, hi: Vec3i, colors: np.ndarray
    ) -> Mesh:
        assert self.zone is not None
        if inner.size and int(inner.max()) >= ZONE_BIT:
            raise ValueError(f"block ids must stay below {ZONE_BIT} to mesh with a zone")
        zone = self.zone[tuple(map(slice, lo, hi))]
        marked = np.where(zone, inner, inner | np.uint8(ZONE_BIT) * (inner != 0))
        mesh = greedy_mesh(marked, colors, lo, neighbours=block)
        if not mesh.vertex_count:
            return mesh
        inside = self.zone[tuple(_quad_voxels(mesh).T)]
        mesh.colors[:, 3] = np.repeat(np.where(inside, 255, 0), 4).astype(np.uint8)
        return mesh

    def _mesh_with_detail(
        self, key: ChunkKey, block: np.ndarray, detail: Detail, lo: Vec3i, hi: Vec3i
    ) -> Mesh:
        """The chunk as the detail shader draws it: props as boxes, each wall's top row (under
        the roof) a quad of its own, alpha = zone bit | door bit | cornice bit | surface kind.

        An edit re-meshes up to four chunks before the next frame, so this stays a few whole-
        array steps: one table lookup for props and buildings, one greedy mesh, lookups per quad.
        """
        flags = np.take(detail.flags, block)
        props = flags & PROP_FLAG
        if props.any():
            # Props are not boxes: the faces behind them must show, so they count as air;
            # in the ground layer (z = 0, the padded block's second layer) they are ground.
            airy = props.copy()
            airy[:, :, 1] = 0
            block = np.where(airy, 0, block).astype(block.dtype)
        inner = block[1:-1, 1:-1, 1:-1]
        # A building's voxel with air above is meshed as id | CORNICE_ID: the same colour, but
        # its walls never merge with the rows below, so the shader can draw the roof's edge.
        top = (flags[1:-1, 1:-1, 1:-1] & BUILDING_FLAG).astype(bool) & (block[1:-1, 1:-1, 2:] == 0)
        marked = inner | np.uint8(CORNICE_ID) * top
        zone = None if self.zone is None else self.zone[tuple(map(slice, lo, hi))]
        if zone is not None:
            if inner.size and int(inner.max()) >= ZONE_BIT:
                raise ValueError(f"block ids must stay below {ZONE_BIT} to mesh with a zone")
            # Outside the zone as id | ZONE_BIT (see `_mesh_with_zone`); the colour is the same.
            marked = np.where(zone, marked, marked | np.uint8(ZONE_BIT) * (marked != 0))
        mesh = greedy_mesh(marked, detail.colors, lo, neighbours=block)
        if mesh.vertex_count:
            normals = mesh.normals[::4].astype(np.intp)
            local = tuple((_quad_voxels(mesh) - np.asarray(lo)).T)
            wall = normals[:, 2] == 0
            # A wall that takes in the ground floor (z = 1) gets doors where the ground in front
            # of its middle is a street or path (a door onto a lawn leads nowhere); the padded
            # block holds the ground in front even across the chunk's edge.
            heights = mesh.positions[:, 2].reshape(-1, 4)
            front = block[local[0] + 1 + normals[:, 0], local[1] + 1 + normals[:, 1], 1]
            door = (
                wall
                & (heights.min(axis=1) <= 1)
                & (heights.max(axis=1) >= 2)
                & detail.street[front]
            )
            alpha = (
                detail.kinds[inner[local]]
                | np.where(door, DOOR_BIT, 0).astype(np.uint8)
                | np.where(wall & top[local], CORNICE_BIT, 0).astype(np.uint8)
            )
            if zone is None:
                alpha |= np.uint8(ZONE_BIT)
            else:
                alpha |= np.where(zone[local], ZONE_BIT, 0).astype(np.uint8)
            mesh.colors[:, 3] = np.repeat(alpha, 4)
        markings = self._markings_of.get(key)
        if markings is None:
            markings = self._markings_of[key] = self._markings(detail, lo, hi, zone)
        prop_boxes = self._props_of.get(key)
        if prop_boxes is None:
            inner_props = props[1:-1, 1:-1, 1:-1]
            prop_boxes = Mesh.empty()
            if inner_props.any():
                box = tuple(map(slice, lo, hi))
                prop_boxes = prop_mesh(
                    self.grid[box], lo, detail.catalogue, detail.props, zone, inner_props
                )
            self._props_of[key] = prop_boxes
        # Roofs and streets, then walls, then water: the editor draws them with three shaders.
        return grouped_by_shader(Mesh.concatenate([mesh, markings, prop_boxes]))

    def _markings(self, detail: Detail, lo: Vec3i, hi: Vec3i, zone: np.ndarray | None) -> Mesh:
        """The chunk's road markings, from the ground layer `MARGIN` voxels around it (a road's
        width decides where its centre line runs)."""
        X, Y, Z = self.grid.shape
        if detail.road is None or Z < 2:
            return Mesh.empty()
        m = MARGIN
        layers = np.zeros((hi[0] - lo[0] + 2 * m, hi[1] - lo[1] + 2 * m, 2), self.grid.dtype)
        sx, sy = max(lo[0] - m, 0), max(lo[1] - m, 0)
        ex, ey = min(hi[0] + m, X), min(hi[1] + m, Y)
        layers[sx - lo[0] + m : ex - lo[0] + m, sy - lo[1] + m : ey - lo[1] + m] = self.grid[
            sx:ex, sy:ey, :2
        ]
        ground = layers[:, :, 0] == detail.road
        if not ground[m:-m, m:-m].any():
            return Mesh.empty()
        return road_markings(
            ground, layers[:, :, 1] == 0, lo, None if zone is None else zone[:, :, 0]
        )

    def mesh_all(self) -> None:
        for key in self.keys():
            self.mesh_chunk(key)

    def mark_dirty(self, lo: Vec3i, hi: Vec3i) -> set[ChunkKey]:
        """Mark the chunks an edit of the inclusive voxel box lo..hi can change; return them.

        A voxel changes the faces and AO of voxels up to one step away, so the box grows by one;
        with detail, an edit of the ground layer (z = 0) near a road changes its markings up to
        `MARGIN` away (a road's width decides where its centre line runs). Props change only in
        the chunks the box lies in, and markings only where the box takes in the ground layer,
        or the layer above a road (a dash shows where nothing stands on it): only those are
        made again.
        """
        (x0, y0, z0), (x1, y1, _) = lo, hi
        reach = 1
        detail = self._detail
        if detail is not None and detail.road is not None and z0 == 0:
            near = self.grid[
                max(x0 - MARGIN, 0) : x1 + MARGIN + 1, max(y0 - MARGIN, 0) : y1 + MARGIN + 1, 0
            ]
            reach = MARGIN if bool((near == detail.road).any()) else 1
        cx = range(
            max((x0 - reach) // self.size, 0),
            min((x1 + reach) // self.size, self.counts[0] - 1) + 1,
        )
        cy = range(
            max((y0 - reach) // self.size, 0),
            min((y1 + reach) // self.size, self.counts[1] - 1) + 1,
        )
        keys = {(i, j) for i in cx for j in cy}
        self.dirty |= keys
        own = {
            (i, j)
            for i in range(x0 // self.size, x1 // self.size + 1)
            for j in range(y0 // self.size, y1 // self.size + 1)
        }
        for key in own:
            self._props_of.pop(key, None)
        if z0 == 0:
            changed = keys
        elif z0 == 1 and detail is not None and detail.road is not None:
            on_road = bool((self.grid[x0 : x1 + 1, y0 : y1 + 1, 0] == detail.road).any())
            changed = own if on_road else set()
        else:
            changed = set()
        for key in changed:
            self._markings_of.pop(key, None)
        return keys

    def remesh_dirty(self) -> list[ChunkKey]:
        keys = sorted(self.dirty)
        for key in keys:
            self.mesh_chunk(key)
        return keys


def grouped_by_shader(mesh: Mesh) -> Mesh:
    """The same quads of a mesh with detail, in three groups (each in its order): those looking
    up or down but water (roofs, streets), walls, water. The editor draws each group with its
    own shader, which leaves out what the others have (windows, doors and the roof's edge; the
    variation of top faces; ripples): llvmpipe would compute it for every pixel to add nothing.
    `group_ends` says where the walls and the water begin."""
    quads = mesh.vertex_count // 4
    if not quads:
        return mesh
    order = np.argsort(_groups(mesh), kind="stable")
    shift = (4 * (np.arange(quads) - order)).astype(np.int64)[:, None]
    indices = mesh.indices.reshape(quads, 6)[order].astype(np.int64) + shift
    return Mesh(
        mesh.positions.reshape(quads, 4, 3)[order].reshape(-1, 3),
        mesh.normals.reshape(quads, 4, 3)[order].reshape(-1, 3),
        mesh.colors.reshape(quads, 4, 4)[order].reshape(-1, 4),
        indices.astype(np.uint32).ravel(),
    )


def group_ends(mesh: Mesh) -> tuple[int, int]:
    """Where the walls and the water begin among the indices of a `grouped_by_shader` mesh."""
    counts = np.bincount(_groups(mesh), minlength=3)
    return 6 * int(counts[0]), 6 * int(counts[0] + counts[1])


def _groups(mesh: Mesh) -> np.ndarray:
    """Per quad of a mesh with detail: 0 looking up or down (not water), 1 a wall, 2 water."""
    wall = mesh.normals[::4, 2] == 0
    water = ~wall & (mesh.colors[::4, 3] & KIND_MASK == WATER)
    # Bytes: numpy's stable sort of them is a radix sort, in one pass.
    return (wall.view(np.uint8) + 2 * water.view(np.uint8)).astype(np.uint8)


def _quad_voxels(mesh: Mesh) -> np.ndarray:
    """The voxel each quad (four vertices) of a greedy mesh belongs to: half a step behind its
    face's centre."""
    quads = mesh.positions.reshape(-1, 4, 3).mean(axis=1)
    return np.floor(quads - 0.5 * mesh.normals[::4]).astype(np.intp)


def boxes_in_view(view_proj: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """Which axis-aligned boxes (N×3 corners `lows`, `highs`) may show through `view_proj`: a
    box is left out only when all eight corners lie beyond the same plane of the view's volume.

    The test is made on the clip coordinates before the division by w, where each of the six
    planes is linear, so a box whose corners all lie beyond one lies wholly beyond it, also
    behind the camera: a box it keeps may still be hidden, one it drops never shows. llvmpipe
    runs the vertex shader of every vertex it is given, on the drawing thread, and only then
    finds a triangle off the screen.
    """
    lows = np.asarray(lows, np.float64).reshape(-1, 3)
    highs = np.asarray(highs, np.float64).reshape(-1, 3)
    m = np.asarray(view_proj, np.float64)
    # The planes w - x, w + x, w - y, ... ≥ 0 of the view's volume, in world coordinates; a box
    # lies beyond one when its corner farthest along the plane's normal does: the centre's
    # value plus the half-size weighed by the normal's absolute parts (the 8 corners' maximum).
    planes = np.concatenate([m[3] - m[:3], m[3] + m[:3]])  # (6, 4)
    centres, halves = (lows + highs) / 2, (highs - lows) / 2
    farthest = centres @ planes[:, :3].T + planes[:, 3] + halves @ np.abs(planes[:, :3]).T
    return ~(farthest < -1e-9).any(axis=1)
