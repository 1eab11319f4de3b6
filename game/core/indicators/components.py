"""Connected groups of cells in a 2D mask (4-neighbours): separate playgrounds, separate buildings.

Hand-written because `game.core` may not use scipy (`scipy.ndimage.label` does this). The
algorithm hooks the larger root of every edge under the smaller one and then halves paths by
pointer jumping (Shiloach–Vishkin style); every round is a handful of numpy operations over
the edges, and the number of rounds grows with the logarithm of the group size in practice.
The nodes are runs of cells along a row, not single cells: a building's footprint is a few
runs, so there are fewer nodes and edges and fewer rounds (a city's footprints are tens of
thousands of cells in a few thousand runs).
"""

import numpy as np


def label_groups(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """(labels, count): labels is int32 of `mask`'s shape, 0 outside the mask and 1..count inside."""
    mask = np.asarray(mask, bool)
    labels = np.zeros(mask.shape, np.int32)
    cells = np.flatnonzero(mask)
    if not cells.size:
        return labels, 0
    # A run starts at a cell whose left neighbour in its row is outside the mask.
    starts = mask.copy()
    starts[:, 1:] &= ~mask[:, :-1]
    run = np.cumsum(starts.reshape(-1))[cells] - 1  # the run of each cell, in row-major order
    runs = int(run[-1]) + 1
    position = np.full(mask.shape, -1, np.int64)
    position.reshape(-1)[cells] = run
    # Runs touch where a cell and the one below it (next row) are both in the mask; a pair
    # repeats along the overlap, and the repeats sit next to each other in row-major order.
    below = mask[:-1, :] & mask[1:, :]
    a, b = position[:-1, :][below], position[1:, :][below]
    fresh = np.ones(a.size, bool)
    fresh[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b = a[fresh], b[fresh]
    parent = np.arange(runs)
    while a.size:
        pa, pb = parent[a], parent[b]
        open_ = pa != pb
        a, b, pa, pb = a[open_], b[open_], pa[open_], pb[open_]
        if not a.size:
            break
        # Roots only ever point to smaller roots, so no cycle can form.
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    roots, compact = np.unique(parent, return_inverse=True)
    labels.reshape(-1)[cells] = compact[run] + 1
    return labels, int(roots.size)
