"""Generated detail in the server's pictures: props drawn inside their voxel, windows on walls
(never on roofs) once they are at least 2 px wide, and a changed voxel's detail only where the
voxel is."""

import numpy as np
import pytest

from game.core.catalogue import Catalogue
from game.core.facades import FACADES, HOME
from game.core.props import prop_boxes
from game.io.levels import find_level
from game.render.chunks import ChunkGrid
from game.render.detail import Detail
from game.render.framing import MARK, footprint, grown, render_zone, rim_width, zone_frame
from game.render.raster import paint
from game.render.snapshot import fit, project, render, sun_light

SIZE = (480, 360)
GALLERY = (800, 600)
"""The server's picture size: windows and roof edges are drawn on the demo level's zone."""
SOUTH, WEST, UP = np.array([0.0, -1, 0]), np.array([-1.0, 0, 0]), np.array([0.0, 0, 1])


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def lawn(catalogue: Catalogue, shape=(5, 5, 5)) -> np.ndarray:
    grid = np.zeros(shape, np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    return grid


def cube_pixels(shape, voxels: np.ndarray, faces=("top", "south", "west")) -> np.ndarray:
    """The (H, W) pixels of the given faces of the cubes of `voxels` (n, 3) on an iso picture
    of a grid of `shape` at `SIZE`."""
    scale, offset = fit(shape, *SIZE)
    quads = {
        "top": [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
        "south": [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]],
        "west": [[0, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]],
    }
    corners = np.concatenate([voxels[:, None, :] + np.array(quads[f])[None] for f in faces])
    mask = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    paint(mask, project(corners.astype(np.float64), scale, offset), np.full((len(corners), 3), 255))
    return np.asarray(mask[:, :, 0] > 0)


def lit(rgb, normal) -> tuple[int, ...]:
    return tuple(
        np.clip(np.rint(np.asarray(rgb, np.float64) * sun_light(normal)), 0, 255).astype(int)
    )


def colours_in(picture: np.ndarray, mask: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in c) for c in picture[mask]}


def test_a_tree_shows_its_trunk_and_its_crown_where_its_voxel_is(catalogue):
    grid = lawn(catalogue)
    grid[2, 2, 1] = catalogue.id("tree")
    detail = Detail(catalogue)
    picture = render(grid, catalogue.colors, "iso", SIZE, detail=detail)
    plain = render(grid, catalogue.colors, "iso", SIZE)
    empty = render(lawn(catalogue), catalogue.colors, "iso", SIZE, detail=detail)
    boxes = prop_boxes(grid, (0, 0, 0), catalogue, detail.props, tall=False)
    trunk, *crown = boxes.rgb  # a tree lists its trunk first
    inside = cube_pixels(grid.shape, np.array([[2, 2, 1]]))
    seen = colours_in(picture, inside)
    assert {lit(trunk, SOUTH), lit(trunk, WEST)} & seen, "the trunk shows"
    assert {lit(c, n) for c in crown for n in (SOUTH, WEST, UP)} & seen, "the crown shows"
    # Everything the tree adds lies in its voxel's cube; without detail it is a green cube.
    assert not ((picture != empty).any(axis=2) & ~inside).any()
    assert not {lit(trunk, SOUTH), lit(trunk, WEST)} & colours_in(plain, inside)


def test_windows_appear_on_a_house_wall_and_not_on_its_roof_once_they_are_2_px(catalogue):
    grid = lawn(catalogue, (6, 6, 5))
    grid[2:4, 2:4, 1:4] = catalogue.id("housing")
    detail = Detail(catalogue)
    picture = render(grid, catalogue.colors, "iso", SIZE, detail=detail)
    wall = np.asarray(catalogue.block("housing").rgb)
    glass = np.asarray(FACADES[HOME][1])
    windows = {lit(wall, n) for n in (SOUTH, WEST)}
    windows = {tuple(np.clip(np.rint(np.asarray(w) * glass), 0, 255).astype(int)) for w in windows}
    house = np.argwhere(grid == catalogue.id("housing"))
    walls = cube_pixels(grid.shape, house, ("south", "west"))
    roof = cube_pixels(grid.shape, house[house[:, 2] == 3], ("top",)) & ~walls
    on_walls = sum(int((picture[walls] == w).all(axis=1).sum()) for w in windows)
    on_roof = sum(int((picture[roof] == w).all(axis=1).sum()) for w in windows)
    assert on_walls > 100 and on_roof == 0
    # In a whole-city picture a window would be a pixel or less: none is drawn.
    small = render(grid, catalogue.colors, "iso", (40, 30), detail=detail)
    assert not any((small == w).all(axis=2).any() for w in windows)


def test_on_the_demo_level_before_and_after_differ_only_where_the_design_changed(catalogue):
    """Windows and roof edges are drawn at this zoom; a new house beside an old one, a tree, a
    garden and a block taken off a roof change only their own cubes and the rim around them."""
    level = find_level("demo")
    colors, zone, top = level.catalogue.colors, level.zone_columns, level.doc.zone.top
    detail = Detail(level.catalogue)
    frame = zone_frame(level.city.shape, zone, top, GALLERY)
    after = level.city.copy()
    columns = np.argwhere(zone)
    x, y = columns.min(axis=0) + 2
    after[x : x + 3, y : y + 2, 1:4] = level.catalogue.id("housing")
    after[x + 5, y, 1] = level.catalogue.id("tree")
    after[x + 5, y + 3 : y + 5, 1] = level.catalogue.id("urban_garden")
    # A building's top voxel in the frame, behind the zone (in front the city is cut down).
    (x0, y0, _), (x1, y1, z1) = frame.low, frame.high
    box = level.city[x0:x1, y0:y1, :z1]
    tops = np.argwhere((box != 0) & (np.pad(box, ((0, 0), (0, 0), (0, 1)))[:, :, 1:] == 0))
    tops = tops[(tops[:, 2] > 2) & (tops[:, 0] + x0 >= columns[:, 0].min())]
    tops = tops[tops[:, 1] + y0 >= columns[:, 1].min()]
    after[x0 + tops[0, 0], y0 + tops[0, 1], tops[0, 2]] = 0
    before = render_zone(level.city, colors, zone, top, GALLERY, detail=detail)
    changed = after != level.city
    framed = render_zone(after, colors, zone, top, GALLERY, changed, level.city, detail)
    differ = (before != framed).any(axis=2)
    allowed = grown(footprint(frame, np.argwhere(changed), GALLERY), rim_width(*GALLERY) + 1)
    assert differ.any() and not (differ & ~allowed).any()
    assert (framed[allowed] == MARK).all(axis=1).any()


def test_a_garden_is_lawn_with_bushes_of_a_few_kinds_in_the_editor_too(catalogue):
    grid = np.zeros((6, 6, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[1:5, 1:5, 1] = catalogue.id("urban_garden")
    detail = Detail(catalogue)
    assert detail.props[catalogue.id("urban_garden")]
    found = prop_boxes(grid, (0, 0, 0), catalogue, detail.props)
    garden = np.asarray(catalogue.block("urban_garden").rgb, np.float32)
    bushes = ~(found.rgb == garden).all(axis=1)
    # Low bushes (and a bed) on each voxel's lawn, in more than one arrangement.
    assert bushes.any() and (found.boxes[bushes, 5] <= 0.5).all()
    per_voxel = {tuple(v) for v in found.voxel}
    shapes = {
        tuple(np.round(found.boxes[(found.voxel == v).all(axis=1), :3] - v, 2).ravel())
        for v in per_voxel
    }
    assert len(per_voxel) == 16 and len(shapes) > 1
    # The editor's chunks draw the same boxes instead of the garden's voxels.
    chunks = ChunkGrid(grid, catalogue.colors, size=8, detail=detail)
    chunks.mesh_all()
    mesh = chunks.meshes[0, 0]
    assert {tuple(c) for c in found.rgb[bushes].astype(int)} <= {
        tuple(int(v) for v in c) for c in mesh.colors[:, :3]
    }


def test_water_shows_lighter_ripples_on_its_surface_only_close_up(catalogue):
    grid = lawn(catalogue, (6, 6, 3))
    grid[1:5, 1:5, 0] = catalogue.id("water")
    detail = Detail(catalogue)
    water = np.asarray(catalogue.block("water").rgb, np.float64)
    flat, ripple = lit(water, UP), lit(water * 1.2, UP)
    close = render(grid, catalogue.colors, "iso", SIZE, detail=detail)
    top = cube_pixels(grid.shape, np.argwhere(grid == catalogue.id("water")), ("top",))
    assert (close[top] == ripple).all(axis=1).sum() > 20
    assert (close[top] == flat).all(axis=1).sum() > (close[top] == ripple).all(axis=1).sum()
    assert not (close[~top] == ripple).all(axis=1).any()
    far = render(grid, catalogue.colors, "iso", (40, 30), detail=detail)
    assert not (far == ripple).all(axis=2).any()
