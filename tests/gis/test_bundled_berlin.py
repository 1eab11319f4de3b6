"""The bundled Berlin level names its licence and is playable (tests/test_bundled_levels.py checks it is reproducible)."""

import pytest

from game.core.session import Session
from game.io.levels import find_level


def test_berlin_level_names_its_data_licence_and_has_a_zone_and_goals():
    level = find_level("berlin-potsdamer-platz")
    doc = level.doc
    assert "OpenStreetMap" in doc.licence and "ODbL" in doc.licence
    assert (
        len(f"{doc.licence} · {doc.source}") <= 120
    )  # the start screen shows this much under the card
    assert doc.georeference.epsg == 32633 and doc.voxel_size_m == 2
    assert level.zone_columns.sum() * 4 == pytest.approx(120 * 120, rel=0.05)
    assert len(doc.goals) >= 4 and len(doc.markers) >= 1
    assert doc.buildings > 250
    # the zone is open land: students start from an empty lot, not inside existing buildings
    catalogue = level.catalogue
    assert not level.city[level.zone_columns][:, 1:].any()
    assert Session(level).cost == 0 and catalogue.id("plaza") in level.city[:, :, 0]
