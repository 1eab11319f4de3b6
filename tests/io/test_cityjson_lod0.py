"""CityJSON buildings with only a footprint (LoD0) stand as high as their attributes say.

Failed before: their flat faces made buildings without height, and a file of them ended in
"Nothing to import" (issue 19).
"""

import json

import numpy as np

from game.io.level_import import ImportOptions, import_level

X0, Y0 = 410_000, 5_478_000  # Kaiserslautern, EPSG:25832


def _footprint(n: int, attributes: dict) -> dict:
    """A 10 m × 10 m footprint at z = 240 m, the n-th in a row 20 m apart."""
    return {
        "type": "Building",
        "attributes": attributes,
        "geometry": [
            {
                "type": "MultiSurface",
                "lod": "0",
                "boundaries": [[[4 * n, 4 * n + 1, 4 * n + 2, 4 * n + 3]]],
            }
        ],
    }


def _document() -> dict:
    vertices = []
    for n in range(3):
        x = 20_000 * n  # millimetres: the transform's scale is 0.001
        vertices += [
            [x, 0, 240_000],
            [x + 10_000, 0, 240_000],
            [x + 10_000, 10_000, 240_000],
            [x, 10_000, 240_000],
        ]
    return {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [0.001, 0.001, 0.001], "translate": [X0, Y0, 0]},
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/25832"},
        "CityObjects": {
            "measured": _footprint(0, {"measuredHeight": 12.0}),
            "storeys": _footprint(1, {"storeysAboveGround": 5}),
            "nothing": _footprint(2, {}),
        },
        "vertices": vertices,
    }


def test_footprint_only_buildings_are_raised_to_their_measured_height_or_storeys(
    tmp_path, catalogue
):
    path = tmp_path / "lod0.city.json"
    path.write_text(json.dumps(_document()))
    result = import_level(path, ImportOptions(voxel=1.0, licence="test"), catalogue)
    assert result.raster.buildings == 3
    assert result.district.missing_heights == 1  # "nothing" got the default height
    grid, frame = result.raster.grid, result.raster.frame
    heights = []
    for n in range(3):
        # an import's frame is not rotated: grid index = metres from the origin / voxel
        i = int((X0 + 20 * n + 5.0 - frame.origin[0]) / frame.voxel)
        j = int((Y0 + 5.0 - frame.origin[1]) / frame.voxel)
        filled = np.flatnonzero(grid[i, j])
        heights.append(int(filled.max()))  # layer 0 is the ground: the top layer is the height
    assert heights == [12, 15, 9]  # measuredHeight, 5 storeys of 3 m, the default 3 storeys
