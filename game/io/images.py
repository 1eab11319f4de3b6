"""Writing images (screenshots, level pictures) as PNG through the safe storage."""

from pathlib import Path

import numpy as np

from game.core.png import encode_png
from game.io.storage import write_atomic


def write_png(path: Path, image: np.ndarray) -> None:
    """Save an (H, W, 3) or (H, W, 4) uint8 image, top row first."""
    write_atomic(Path(path), encode_png(np.ascontiguousarray(image)), keep_backup=False)
