"""The QR code a pupil scans with a phone to vote as themselves, as a picture for the HUD.

segno makes the code: pure Python without dependencies (a 77 KB wheel), the library the server
already uses for the projector's QR code, so the pupil install gains no compiled code and both
sides draw codes the same way. Its module matrix becomes an RGB image here; pyglet shows it
as a sprite, each module a whole number of pixels so phones read it off a screen.
"""

import numpy as np
import pyglet
import segno

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_pixels(data: str, scale: int) -> np.ndarray:
    """The QR code of `data` as an (H, W, 3) uint8 image, top row first, `scale` pixels a module."""
    code = segno.make(data, micro=False, error="m")
    modules = np.array(list(code.matrix_iter(scale=1, border=QUIET_ZONE)), dtype=bool)
    grey = np.where(modules, 0, 255).astype(np.uint8)
    grey = grey.repeat(scale, axis=0).repeat(scale, axis=1)
    return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))


def qr_image(data: str, size: int) -> pyglet.image.ImageData:
    """The QR code of `data` at most `size` pixels wide, as an image pyglet can draw."""
    modules = int(segno.make(data, micro=False, error="m").symbol_size(border=QUIET_ZONE)[0])
    rgb = qr_pixels(data, max(1, size // modules))
    height, width, _ = rgb.shape
    return pyglet.image.ImageData(width, height, "RGB", rgb[::-1].tobytes())
