"""Windows in the `.glb`: a texture per surface kind, repeated once per voxel on the walls.

The same table (`game.core.facades.FACADES`) as the editor's shader and the server's pictures;
read back from the file's JSON and binary chunks and the PNG decoded with Pillow.
"""

import io

import numpy as np
import pytest
from glb import glb_accessor, glb_json, glb_parts, glb_view
from PIL import Image

from game.core.catalogue import Catalogue
from game.core.facades import CORNICE_EDGE, FACADES, HOME, OFFICE, PLAIN
from game.io.formats import grid_exporter
from game.io.formats.gltf import LOOKS, WINDOW_TEXELS, export_zone, window_texture

SIZE_M = 2.0


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def house(catalogue) -> bytes:
    """A house of 2 × 3 voxels and 3 floors on a lawn, with a bench beside it."""
    grid = np.zeros((6, 7, 5), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[2:4, 2:5, 1:4] = catalogue.id("housing")
    grid[1, 1, 1] = catalogue.id("bench")
    return grid_exporter("glb")(grid, catalogue, SIZE_M, "house.glb")["house.glb"]


def primitives(data: bytes) -> list[dict]:
    """Per primitive: its material's JSON and its positions, normals and texture coordinates."""
    gltf = glb_json(data)
    found = []
    for mesh in gltf["meshes"]:
        for primitive in mesh["primitives"]:
            attributes = primitive["attributes"]
            uv = attributes.get("TEXCOORD_0")
            found.append(
                {
                    "material": gltf["materials"][primitive["material"]],
                    "position": glb_accessor(data, attributes["POSITION"]),
                    "normal": glb_accessor(data, attributes["NORMAL"]),
                    "uv": None if uv is None else glb_accessor(data, uv),
                }
            )
    return found


def texture(data: bytes, material: dict) -> np.ndarray:
    gltf = glb_json(data)
    image = gltf["images"][gltf["textures"][material["baseColorTexture"]["index"]]["source"]]
    assert image["mimeType"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(glb_view(data, image["bufferView"]))).convert("RGB"))


def test_the_house_s_walls_have_window_textures_and_its_roof_lawn_and_bench_have_none(house):
    found = primitives(house)
    textured = [p for p in found if "baseColorTexture" in p["material"]["pbrMetallicRoughness"]]
    plain = [p for p in found if p not in textured]
    assert {p["material"]["name"] for p in textured} == {"home windows", "home roof edge"}
    assert all(p["uv"] is not None for p in textured) and all(p["uv"] is None for p in plain)
    # Every textured face is a wall (y is up in the file); every face looking up is plain.
    assert all((p["normal"][:, 1] == 0).all() for p in textured)
    assert any((p["normal"][:, 1] == 1).any() for p in plain)
    # The whole wall is textured: 2 × 3 voxels around, 3 high (y from 1 to 4 voxels).
    walls = np.concatenate([p["position"] for p in textured])
    assert np.allclose([walls[:, 1].min(), walls[:, 1].max()], [SIZE_M, 4 * SIZE_M])
    area = sum(quad_area(p["position"]) for p in textured)
    assert np.isclose(area, (2 + 3) * 2 * 3 * SIZE_M**2)
    # trimesh opens it, the house with its textures and vertex colours in one mesh.
    (mesh,) = glb_parts(house).values()
    assert len(mesh.vertices) == sum(len(p["position"]) for p in found)


def quad_area(positions: np.ndarray) -> float:
    """The area of quads given as four corners each (the exporter's primitives are quads)."""
    quads = positions.reshape(-1, 4, 3)
    return float(
        np.linalg.norm(np.cross(quads[:, 1] - quads[:, 0], quads[:, 3] - quads[:, 0]), axis=1).sum()
    )


def test_one_window_per_voxel_u_along_the_wall_v_down_it_and_the_roof_edge_on_the_top_row(house):
    for p in primitives(house):
        if p["uv"] is None:
            continue
        x, up, south = (p["position"] / SIZE_M).T  # in voxels; the file's z is minus north
        along = np.where(p["normal"][:, 0] != 0, -south, x)
        assert np.allclose(p["uv"], np.stack([along, -up], axis=1))
        if p["material"]["name"].endswith("roof edge"):
            assert np.allclose(np.unique(up), [3, 4])  # the top floor only
        else:
            assert up.min() == 1 and up.max() == 3  # the floors below, in big quads
        sampler = glb_json(house)["samplers"][0]
        assert sampler["wrapS"] == sampler["wrapT"] == 10497  # REPEAT


@pytest.mark.parametrize("kind", sorted(FACADES))
def test_the_window_in_the_texture_is_the_table_s_window_in_its_glass_tint(kind):
    image = window_texture(kind, False).astype(int)
    (u0, u1, z0, z1), tint = FACADES[kind]
    glass = (image != 255).any(axis=2)
    rows, columns = np.nonzero(glass)
    n = WINDOW_TEXELS
    # Row 0 is the voxel's top: the window's texels span its rectangle, to half a texel.
    assert np.allclose([columns.min() / n, (columns.max() + 1) / n], [u0, u1], atol=1 / n)
    assert np.allclose([1 - (rows.max() + 1) / n, 1 - rows.min() / n], [z0, z1], atol=1 / n)
    assert glass.sum() == len(rows) == (np.ptp(rows) + 1) * (np.ptp(columns) + 1)  # a rectangle
    assert (image[glass] == np.rint(np.asarray(tint) * 255)).all()


def test_the_roof_edge_darkens_the_top_of_the_voxel_over_wall_and_window():
    plain, edged = window_texture(OFFICE, False), window_texture(OFFICE, True)
    top = int(round((1 - CORNICE_EDGE[0]) * WINDOW_TEXELS))
    assert np.array_equal(edged[top:], plain[top:])
    darker = np.rint(plain[:top].astype(float) * CORNICE_EDGE[1])
    assert np.allclose(edged[:top], darker, atol=1)
    assert (window_texture(PLAIN, True)[top:] == 255).all()  # a building without windows


def test_the_file_s_textures_are_the_window_textures(house):
    for p in primitives(house):
        material = p["material"]["pbrMetallicRoughness"]
        if "baseColorTexture" in material:
            look = (HOME, p["material"]["name"].endswith("roof edge"))
            assert look in LOOKS
            assert np.array_equal(texture(house, material), window_texture(*look))


def test_the_3d_view_shows_windows_in_the_zone_and_in_the_city_around_it(catalogue):
    grid = np.zeros((12, 12, 4), np.uint8)
    grid[:, :, 0] = catalogue.id("road")
    grid[5:7, 5:7, 1:3] = catalogue.id("office")  # in the zone
    grid[1:3, 1:3, 1:4] = catalogue.id("housing")  # around it
    zone = np.zeros((12, 12), bool)
    zone[4:8, 4:8] = True
    data = export_zone(grid, zone, 4, catalogue, SIZE_M, margin=4)
    names = {
        mesh["name"]: {
            glb_json(data)["materials"][p["material"]]["name"] for p in mesh["primitives"]
        }
        for mesh in glb_json(data)["meshes"]
    }
    assert names == {
        "zone": {"blocks", "office windows", "office roof edge"},
        "context": {"blocks", "home windows", "home roof edge"},
    }
