"""Compact, bounded encodings of voxel data for JSON files and the undo history.

Three shapes of data: a dense grid (a level's city), a bit mask (zone, locked voxels) and a
sparse list of changed voxels (a design, one undo step). Sparse data is stored as sorted
flat indices, delta-encoded and byte-shuffled so zlib sees long runs, followed by one byte
plane per value array. Every decoder knows the exact size it expects before it inflates, so a
"zip bomb" is refused after at most that many bytes, and a payload declaring more voxels than
the level holds is refused before decompression starts. zlib (stdlib) is used because it is
everywhere, fast to inflate and streamable with an output bound.
"""

import base64
import binascii
import zlib
from collections.abc import Callable

import numpy as np

from game.core.errors import QuartierError


def _inflate(blob: bytes, expected: int, what: str) -> bytes:
    """Decompress exactly `expected` bytes; anything shorter, longer or trailing is refused."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(blob, expected + 1)
    except zlib.error:
        raise QuartierError("error.corrupt_payload", what=what) from None
    if len(out) != expected or not inflater.eof or inflater.unused_data:
        raise QuartierError("error.payload_size", what=what)
    return out


def _b64decode(data: str, what: str, max_len: int) -> bytes:
    # zlib never expands incompressible input by more than ~0.03 %, and base64 is 4/3.
    if len(data) > max_len * 4 // 3 + 1024:
        raise QuartierError("error.payload_size", what=what)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise QuartierError("error.corrupt_payload", what=what) from None


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


def encode_dense(grid: np.ndarray) -> str:
    """A whole uint8 grid, C order."""
    return _b64(zlib.compress(np.ascontiguousarray(grid, np.uint8).tobytes(), 6))


def decode_dense(data: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    size = int(np.prod(shape))
    raw = _inflate(_b64decode(data, what, size), size, what)
    return np.frombuffer(raw, np.uint8).reshape(shape).copy()


def encode_mask(mask: np.ndarray) -> str:
    """A bool array as packed bits."""
    return _b64(zlib.compress(np.packbits(mask.astype(bool), axis=None).tobytes(), 9))


def decode_mask(data: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    size = int(np.prod(shape))
    nbytes = (size + 7) // 8
    raw = _inflate(_b64decode(data, what, nbytes), nbytes, what)
    bits = np.unpackbits(np.frombuffer(raw, np.uint8), count=size)
    return bits.astype(bool).reshape(shape)


def pack_sparse(index: np.ndarray, *values: np.ndarray, level: int = 6) -> bytes:
    """Sorted unique flat indices plus any number of uint8 value arrays, compressed."""
    index = np.asarray(index, np.int64)
    deltas = np.diff(index, prepend=0).astype("<u4")
    shuffled = deltas.view(np.uint8).reshape(-1, 4).T.tobytes()
    planes = b"".join(np.asarray(v, np.uint8).tobytes() for v in values)
    return zlib.compress(shuffled + planes, level)


def unpack_sparse(
    blob: bytes, count: int, volume: int, n_values: int, what: str
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Inverse of `pack_sparse`; refuses counts beyond `volume` before inflating anything."""
    if count < 0 or count > volume:
        raise QuartierError("error.payload_size", what=what)
    raw = _inflate(blob, count * (4 + n_values), what)
    deltas = (
        np.frombuffer(raw[: 4 * count], np.uint8).reshape(4, count).T.copy().view("<u4").ravel()
    )
    if count and (np.any(deltas[1:] == 0)):
        raise QuartierError("error.corrupt_payload", what=what)
    index = np.cumsum(deltas, dtype=np.int64)
    if count and index[-1] >= volume:
        raise QuartierError("error.payload_size", what=what)
    planes = [
        np.frombuffer(raw[4 * count + i * count : 4 * count + (i + 1) * count], np.uint8).copy()
        for i in range(n_values)
    ]
    return index, planes


def encode_sparse(index: np.ndarray, values: np.ndarray) -> str:
    return _b64(pack_sparse(index, values))


def decode_sparse(data: str, count: int, volume: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    if count < 0 or count > volume:
        raise QuartierError("error.payload_size", what=what)
    index, (values,) = unpack_sparse(_b64decode(data, what, count * 5), count, volume, 1, what)
    return index, values


def to_palette(ids: np.ndarray, key_of: Callable[[int], str]) -> tuple[np.ndarray, list[str]]:
    """Replace catalogue ids by indices into a palette of block keys (stable across catalogues)."""
    used = np.unique(ids)
    lut = np.zeros(256, np.uint8)
    lut[used] = np.arange(len(used), dtype=np.uint8)
    return lut[ids], [key_of(int(i)) for i in used]


def from_palette(
    local: np.ndarray, palette: list[str], id_of: Callable[[str], int], what: str
) -> np.ndarray:
    """Inverse of `to_palette`; unknown keys raise through `id_of`, bad indices are refused."""
    if len(palette) > 256:
        raise QuartierError("error.corrupt_payload", what=what)
    lut = np.array([id_of(k) for k in palette] or [0], np.uint8)
    if local.size and int(local.max()) >= len(palette):
        raise QuartierError("error.corrupt_payload", what=what)
    ids: np.ndarray = lut[local]
    return ids
