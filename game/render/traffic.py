"""People and cars moving through the editor's view, so walk mode feels like a street.

People walk on walkable ground (paths, plazas, lawns: the catalogue's `walkable` ground blocks)
and cars drive on roads, both only where nothing stands above the ground layer; a level
without roads (Berlin) gets people only. Each moves from cell centre to neighbouring cell
centre; at each centre it goes on straight ahead if it can (cars nearly always, people mostly)
and otherwise turns, turning back only at a dead end. They are not in the grid, so picking
never sees them. Seeded, and moved only by the time given to `step`, so the same seed and the
same steps give the same picture. All figures are one mesh, made once; each frame only where
they stand and which way they face change (`placements`).
"""

from dataclasses import dataclass

import numpy as np

from game.core.catalogue import Catalogue
from game.core.indicators.base import tables
from game.core.mesh import Mesh
from game.core.props import box_mesh

CAR_BLOCKS = ("road",)
SEED = 17
#: Speeds in metres per second (a stroll, a car in a 30 zone in town).
WALK_MPS, DRIVE_MPS = 1.4, 7.0
_DIRECTIONS = np.array([(1, 0), (0, 1), (-1, 0), (0, -1)])
# Shirts and car paints: bright enough to read as people and cars among the blocks.
_SHIRTS = np.array(
    [(220, 60, 60), (60, 120, 220), (250, 200, 40), (60, 170, 90), (240, 130, 40), (170, 80, 200)],
    np.uint8,
)
_PAINTS = np.array(
    [(200, 40, 40), (40, 90, 190), (235, 235, 235), (30, 30, 34), (240, 190, 30), (90, 160, 80)],
    np.uint8,
)
_TROUSERS, _SKIN, _GLASS = (50, 55, 80), (235, 190, 150), (60, 72, 90)
#: At most this many people and cars (the editor's figure shader has room for all of them).
MOST_PEOPLE, MOST_CARS = 80, 16


@dataclass(frozen=True)
class Shapes:
    """Every figure's boxes standing at (0, 0): the mesh facing along x, the same vertices'
    positions facing along y (the faces in the same order, so normals, colours and triangles
    are the same), and per vertex the index of the figure it belongs to."""

    along_x: Mesh
    along_y: np.ndarray
    owner: np.ndarray


class Traffic:
    """The figures of one grid: their cells, where they head and how far they got."""

    def __init__(
        self,
        grid: np.ndarray,
        catalogue: Catalogue,
        voxel_size_m: float,
        zone: np.ndarray | None = None,
        seed: int = SEED,
    ) -> None:
        self.grid = grid
        self.voxel_size_m = voxel_size_m
        t = tables(catalogue)
        self._walkable = t.walkable
        self._drivable = np.zeros(256, bool)
        self._drivable[[catalogue.id(k) for k in CAR_BLOCKS if k in catalogue]] = True
        X, Y, _ = grid.shape
        self.walk = np.zeros((X, Y), bool)
        self.drive = np.zeros((X, Y), bool)
        self.edited((0, 0), (X - 1, Y - 1), respawn=False)
        self.rng = np.random.default_rng(seed)
        # Figures start where a pupil looks: around the building site (the editable `zone`)
        # and the middle of the level, where the views start; on a small level that is all.
        near = np.ones((X, Y), bool)
        if zone is not None and zone.any():
            near[:] = False
            xs, ys = np.nonzero(zone)
            for (x0, x1), (y0, y1), margin in (
                ((xs.min(), xs.max()), (ys.min(), ys.max()), 24),
                ((X // 2, X // 2), (Y // 2, Y // 2), 32),
            ):
                near[
                    max(0, x0 - margin) : x1 + margin + 1, max(0, y0 - margin) : y1 + margin + 1
                ] = True
        people = _spawn_cells(self.walk & near, self.rng, per=30, most=MOST_PEOPLE)
        cars = _spawn_cells(self.drive & near, self.rng, per=40, most=MOST_CARS)
        self.car = np.array([False] * len(people) + [True] * len(cars))
        n = len(self.car)
        self.cell = np.concatenate([people, cars]).reshape(n, 2).astype(np.int64)
        self.heading = np.zeros(n, np.int64)
        self.target = self.cell.copy()
        self.progress = np.ones(n)  # arrived: each chooses a way on the first step
        self.colour = np.concatenate(
            [
                _SHIRTS[self.rng.integers(len(_SHIRTS), size=len(people))],
                _PAINTS[self.rng.integers(len(_PAINTS), size=len(cars))],
            ]
        ).reshape(n, 3)
        self.speed = np.where(self.car, DRIVE_MPS, WALK_MPS) / voxel_size_m  # cells a second
        self.speed *= 0.8 + 0.4 * self.rng.random(n)
        self._shapes: Shapes | None = None
        self.step(0.0)

    def __len__(self) -> int:
        return len(self.car)

    def edited(self, lo, hi, respawn: bool = True) -> None:
        """Columns lo..hi changed: where one can walk and drive there. A figure whose next cell
        was built over turns back; one built in goes to another free cell of its kind (a
        pupil who builds where someone stands sees them step aside, not inside the wall)."""
        box = (slice(lo[0], hi[0] + 1), slice(lo[1], hi[1] + 1))
        column = self.grid[box]
        free = ~(column[:, :, 1:] != 0).any(axis=2)
        ground = column[:, :, 0]
        self.walk[box] = free & self._walkable[ground]
        self.drive[box] = free & self._drivable[ground]
        if not respawn or not len(self):
            return
        blocked = ~self._on_way(self.target)
        self.target[blocked] = self.cell[blocked]
        self.progress[blocked] = 1.0
        for i in np.flatnonzero(~self._on_way(self.cell)).tolist():
            ways = self.drive if self.car[i] else self.walk
            free = np.flatnonzero(ways)
            if free.size:
                x, y = np.unravel_index(free[self.rng.integers(free.size)], ways.shape)
                self.cell[i] = self.target[i] = (int(x), int(y))

    def _on_way(self, at: np.ndarray) -> np.ndarray:
        """For each figure: is its cell in `at` (N, 2) one it may be on (road or walkable)?"""
        x, y = at[:, 0], at[:, 1]
        return np.where(self.car, self.drive[x, y], self.walk[x, y])

    def step(self, dt: float) -> None:
        """Move every figure on by `dt` seconds."""
        if not len(self):
            return
        self.progress += self.speed * dt
        for i in np.flatnonzero(self.progress >= 1.0).tolist():
            self.cell[i] = self.target[i]
            self.progress[i] = min(self.progress[i] - 1.0, 0.99) if dt else 0.0
            self._choose(i)

    def _choose(self, i: int) -> None:
        """The next cell: straight on, else a turn, else back (a dead end), else stay."""
        ways = self.drive if self.car[i] else self.walk
        X, Y = ways.shape
        here = self.cell[i]
        open_ = []
        for d, (dx, dy) in enumerate(_DIRECTIONS.tolist()):
            x, y = int(here[0]) + dx, int(here[1]) + dy
            if 0 <= x < X and 0 <= y < Y and ways[x, y]:
                open_.append(d)
        if not open_:
            self.target[i] = here
            self.progress[i] = 0.0
            return
        ahead, back = int(self.heading[i]), (int(self.heading[i]) + 2) % 4
        turns = [d for d in open_ if d not in (ahead, back)]
        keep = 0.97 if self.car[i] else 0.8
        if ahead in open_ and (not turns or self.rng.random() < keep):
            d = ahead
        elif turns:
            d = turns[int(self.rng.integers(len(turns)))]
        else:
            d = back
        self.heading[i] = d
        self.target[i] = here + _DIRECTIONS[d]

    def positions(self) -> np.ndarray:
        """(N, 2) where each figure stands now, in voxels (cell centres are at +0.5)."""
        p = np.clip(self.progress, 0.0, 1.0)[:, None]
        return self.cell + 0.5 + (self.target - self.cell) * p

    def placements(self) -> np.ndarray:
        """(N, 3) float32 per figure: where it stands (x, y) and whether it faces along y (1)
        rather than along x (0), the part of `shapes` that changes as the figures move."""
        placed = np.empty((len(self), 3), np.float32)
        placed[:, :2] = self.positions()
        placed[:, 2] = self.heading % 2
        return placed

    def shapes(self) -> "Shapes":
        """Every figure's boxes standing at (0, 0), made once (the figures never change)."""
        if self._shapes is None:
            n = len(self)
            at_origin = np.zeros((n, 2))
            boxes_x, owner = self._boxes(at_origin, np.ones(n, bool))
            boxes_y, _ = self._boxes(at_origin, np.zeros(n, bool))
            along_x = _boxes_mesh(boxes_x)
            along_y = _boxes_mesh(boxes_y).positions
            per_box = along_x.vertex_count // len(owner)
            self._shapes = Shapes(along_x, along_y, np.repeat(owner, per_box).astype(np.float32))
        return self._shapes

    def mesh(self) -> Mesh:
        """Every figure as boxes on the ground layer (z = 1): a person is legs, shirt and head;
        a car a body and a cabin, long along its way. Sizes in metres, turned into voxels.

        The editor does not build this each frame: it draws `shapes` once uploaded, moved to
        `placements` by its vertex shader (0.5 ms of its frame when rebuilt every frame)."""
        if not len(self):
            return Mesh.empty()
        shapes, placed = self.shapes(), self.placements()
        owner = shapes.owner.astype(np.intp)
        turned = placed[owner, 2:3] == 1.0
        positions = np.where(turned, shapes.along_y, shapes.along_x.positions)
        positions[:, :2] += placed[owner, :2]
        return Mesh(
            positions, shapes.along_x.normals, shapes.along_x.colors, shapes.along_x.indices
        )

    def _boxes(self, pos: np.ndarray, along_x: np.ndarray) -> tuple[list, np.ndarray]:
        """The boxes (centre x, centre y, z0, size x, size y, height, colour) of every figure
        standing at `pos` (N, 2) and facing along x where `along_x`, and for each box the
        figure it belongs to."""
        m = 1.0 / self.voxel_size_m
        boxes, owners = [], []
        people, cars = ~self.car, self.car
        for parts, who in (
            (
                ((0.0, 0.32, 0.0, 0.85, _TROUSERS), (0.0, 0.44, 0.85, 0.65, None)),
                people,
            ),
            (
                ((4.2, 1.8, 0.0, 0.9, None), (2.2, 1.6, 0.9, 0.6, _GLASS)),
                cars,
            ),
        ):
            for length, width, z0, height, colour in parts:
                if not who.any():
                    continue
                if length == 0.0:  # people: square in plan
                    length = width
                sx = np.where(along_x[who], length, width) * m
                sy = np.where(along_x[who], width, length) * m
                rgb = self.colour[who] if colour is None else np.tile(colour, (who.sum(), 1))
                boxes.append((pos[who, 0], pos[who, 1], z0 * m, sx, sy, height * m, rgb))
                owners.append(np.flatnonzero(who))
        if people.any():  # a head on each person
            k = int(people.sum())
            head = 0.24 * m
            boxes.append(
                (
                    pos[people, 0],
                    pos[people, 1],
                    1.5 * m,
                    np.full(k, head),
                    np.full(k, head),
                    0.26 * m,
                    np.tile(_SKIN, (k, 1)),
                )
            )
            owners.append(np.flatnonzero(people))
        return boxes, np.concatenate(owners)


def _spawn_cells(ways: np.ndarray, rng: np.random.Generator, per: int, most: int) -> np.ndarray:
    """Start cells: one figure per `per` cells of `ways`, at most `most`."""
    xs, ys = np.nonzero(ways)
    if not xs.size:
        return np.zeros((0, 2), np.int64)
    count = min(most, max(1, xs.size // per))
    pick = rng.choice(xs.size, size=count, replace=False)
    return np.stack([xs[pick], ys[pick]], axis=1)


def _boxes_mesh(boxes: list) -> Mesh:
    """Boxes (centre x, y, bottom z above the ground layer, sizes, height, RGB) as one mesh."""
    cx = np.concatenate([b[0] for b in boxes])
    cy = np.concatenate([b[1] for b in boxes])
    z0 = np.concatenate([np.broadcast_to(b[2], b[0].shape) for b in boxes]) + 1.0
    sx = np.concatenate([b[3] for b in boxes])
    sy = np.concatenate([b[4] for b in boxes])
    sz = np.concatenate([np.broadcast_to(b[5], b[0].shape) for b in boxes])
    rgb = np.concatenate([b[6] for b in boxes]).astype(np.uint8)
    # Alpha 255: drawn by the plain voxel shader, as inside the zone (not paled).
    return box_mesh(
        np.stack([cx - sx / 2, cy - sy / 2, z0, sx, sy, sz], 1), rgb, np.full(len(cx), 255)
    )
