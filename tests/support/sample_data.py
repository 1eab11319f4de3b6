"""The real sample files the tests import: `tests/data/` and the bundled levels' sources, each
with its source and licence in the README beside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = ROOT / "tests" / "data"
BERLIN = ROOT / "levels" / "sources" / "berlin-potsdamer-platz-osm.geojson"
DELFT = TEST_DATA / "delft-lod1.city.json"
DENHAAG = TEST_DATA / "denhaag-lod2.city.json"
DENBOSCH = TEST_DATA / "denbosch-multilod.city.json"
VOX_SCENE = TEST_DATA / "opengametools-multiple-model-scene.vox"
