"""The real sample files in ../shared/data (beside the checkout, also in CI)."""

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
BERLIN = SHARED_DATA / "berlin-potsdamer-platz-osm.geojson"
DELFT = SHARED_DATA / "delft-lod1.city.json"
DENHAAG = SHARED_DATA / "denhaag-lod2.city.json"
DENBOSCH = SHARED_DATA / "denbosch-multilod.city.json"
