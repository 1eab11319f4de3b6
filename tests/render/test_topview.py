import numpy as np

from game.render.topview import top_view


def test_top_view_shows_the_topmost_block_with_north_up():
    colors = np.zeros((256, 3), np.uint8)
    colors[1] = (100, 100, 100)
    colors[2] = (200, 0, 0)
    grid = np.zeros((4, 3, 5), np.uint8)
    grid[:, :, 0] = 1
    grid[3, 2, 0:4] = 2  # a red tower in the north-east corner
    image = top_view(grid, colors)
    assert image.shape == (3, 4, 3)
    assert image[0, 3, 0] > 150 and image[0, 3, 1] == 0  # row 0 is north, column 3 is east
    assert tuple(image[2, 0]) == tuple((np.array([100, 100, 100]) * 0.75).astype(np.uint8))
