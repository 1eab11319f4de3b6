"""The 3D view's model: the zone and its context cropped from a level, opened with trimesh."""

import numpy as np
from glb import glb_json, glb_parts

from game.core.ops import Box
from game.core.session import Session
from game.io.formats.gltf import CONTEXT_MARGIN, export_level_zone, export_zone
from game.io.levels import find_level

BERLIN = "berlin-potsdamer-platz"


def extras(data: bytes) -> dict:
    return glb_json(data)["scenes"][0]["extras"]


def test_the_berlin_zone_with_its_street_is_a_small_part_of_the_level_centred_on_the_zone():
    level = find_level(BERLIN)
    data = export_level_zone(level.city, level)
    assert len(data) < 2_000_000  # the whole level's .glb is 8.3 MB
    found = glb_parts(data)
    assert set(found) == {"zone", "context"}
    size = level.doc.voxel_size_m
    xs, ys = np.nonzero(level.zone_columns)
    half_x, half_y = (np.ptp(xs) + 1) / 2 * size, (np.ptp(ys) + 1) / 2 * size
    box = extras(data)["zone"]
    assert np.allclose([box["min"][0], box["max"][0]], [-half_x, half_x])
    assert np.allclose([box["min"][2], box["max"][2]], [-half_y, half_y])
    assert box["max"][1] == level.doc.zone.top * size
    assert np.allclose(found["zone"].bounds[:, [0, 2]], [[-half_x, -half_y], [half_x, half_y]])
    context = found["context"].bounds
    reach = np.array([half_x, half_y]) + CONTEXT_MARGIN * size
    assert (np.abs(context[:, [0, 2]]) <= reach + 1e-6).all()


def test_a_design_changes_the_zone_and_never_the_context():
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(60, 52, 1), to=(63, 55, 6), block="housing"))
    before, after = (
        glb_parts(export_level_zone(level.city, level)),
        glb_parts(export_level_zone(session.grid, level)),
    )
    assert np.array_equal(before["context"].vertices, after["context"].vertices)
    assert after["zone"].bounds[1, 1] > before["zone"].bounds[1, 1] - 1e-6
    assert len(after["zone"].vertices) != len(before["zone"].vertices)
    assert extras(export_level_zone(level.city, level)) == extras(
        export_level_zone(session.grid, level)
    )


def test_a_zone_that_covers_the_whole_level_has_no_context_node(catalogue):
    grid = np.zeros((4, 4, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("housing")
    data = export_zone(grid, np.ones((4, 4), bool), 3, catalogue, 2.0, CONTEXT_MARGIN)
    assert set(glb_parts(data)) == {"zone"}
    assert extras(data)["zone"] == {"min": [-4.0, 2.0, -4.0], "max": [4.0, 6.0, 4.0]}
