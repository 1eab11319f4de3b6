"""PNG files from `encode_png` open in an independent reader (Pillow) with the same pixels."""

import io

import numpy as np
import pytest
from PIL import Image

from game.core.png import encode_png


@pytest.mark.parametrize("shape", [(1, 1, 3), (5, 7, 3), (64, 48, 4)])
def test_pillow_reads_back_every_pixel(shape):
    image = np.random.default_rng(7).integers(0, 256, shape, dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(image)))
    assert decoded.format == "PNG" and decoded.size == (shape[1], shape[0])
    assert np.array_equal(np.asarray(decoded), image)


def test_a_wrong_array_is_refused_with_its_shape():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4), np.uint8))
