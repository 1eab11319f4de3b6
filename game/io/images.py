"""Writing images (screenshots, level pictures) as PNG with Pillow, through the safe storage."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from game.io.storage import write_atomic


def write_png(path: Path, image: np.ndarray) -> None:
    """Save an (H, W, 3) or (H, W, 4) uint8 image, top row first."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG", optimize=False)
    write_atomic(Path(path), buffer.getvalue(), keep_backup=False)
