"""Separate groups of cells are told apart, however they wind."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from game.core.indicators.components import label_groups


def test_two_touching_squares_are_one_group_and_a_diagonal_neighbour_is_another():
    mask = np.zeros((8, 8), bool)
    mask[0:3, 0:3] = True
    mask[3, 1] = True
    mask[4, 0:3] = True
    mask[5, 3] = True  # touches (4, 2) only at a corner
    labels, count = label_groups(mask)
    assert count == 2
    assert len(np.unique(labels[mask])) == 2 and (labels[~mask] == 0).all()
    assert labels[0, 0] == labels[4, 0] != labels[5, 3]


def _rings(bridged: bool) -> np.ndarray:
    """Ten nested square rings, optionally joined ring to ring by one cell each."""
    mask = np.zeros((41, 41), bool)
    for ring in range(0, 20, 2):
        mask[ring, ring : 41 - ring] = mask[40 - ring, ring : 41 - ring] = True
        mask[ring : 41 - ring, ring] = mask[ring : 41 - ring, 40 - ring] = True
        if bridged and ring + 2 < 20:
            mask[ring + 1, ring + 2] = True
    return mask


def test_nested_rings_are_separate_groups_until_they_are_bridged():
    assert label_groups(_rings(bridged=False))[1] == 10
    assert label_groups(_rings(bridged=True))[1] == 1


def test_an_empty_mask_has_no_groups():
    labels, count = label_groups(np.zeros((3, 3), bool))
    assert count == 0 and not labels.any()


def test_many_single_cells_are_as_many_groups():
    mask = np.zeros((20, 20), bool)
    mask[::2, ::2] = True
    labels, count = label_groups(mask)
    assert count == 100 and sorted(np.unique(labels[mask])) == list(range(1, 101))


def _flood_fill(mask: np.ndarray) -> np.ndarray:
    """Groups numbered in the order their first cell comes row by row, by a plain flood fill."""
    labels = np.zeros(mask.shape, np.int32)
    count = 0
    for start in zip(*np.nonzero(mask)):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        todo = [start]
        while todo:
            x, y = todo.pop()
            for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                inside = 0 <= nx < mask.shape[0] and 0 <= ny < mask.shape[1]
                if inside and mask[nx, ny] and not labels[nx, ny]:
                    labels[nx, ny] = count
                    todo.append((nx, ny))
    return labels


@settings(max_examples=200, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 14), st.integers(1, 14))))
def test_the_labels_are_those_of_a_plain_flood_fill_in_row_major_order(mask):
    labels, count = label_groups(mask)
    expected = _flood_fill(mask)
    assert np.array_equal(labels, expected) and count == expected.max()
