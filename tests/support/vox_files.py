"""Hand-made `.vox` files for the tests of broken and hostile files: chunks, models and scene
graph nodes as the specification lays them out."""

import struct


def chunk(chunk_id: bytes, content: bytes, children: bytes = b"", size: int | None = None) -> bytes:
    return (
        chunk_id
        + struct.pack("<ii", len(content) if size is None else size, len(children))
        + content
        + children
    )


def vox_file(*chunks: bytes, magic: bytes = b"VOX ") -> bytes:
    return magic + struct.pack("<i", 150) + chunk(b"MAIN", b"", b"".join(chunks))


def model(size=(2, 2, 2), voxels=((0, 0, 0, 1),), count: int | None = None) -> bytes:
    xyzi = struct.pack("<i", len(voxels) if count is None else count) + bytes(
        v for voxel in voxels for v in voxel
    )
    return chunk(b"SIZE", struct.pack("<3i", *size)) + chunk(b"XYZI", xyzi)


def string(s: str) -> bytes:
    return struct.pack("<i", len(s)) + s.encode()


def transform(node: int, child: int, t: str = "0 0 0") -> bytes:
    frame = struct.pack("<i", 1) + string("_t") + string(t)
    return chunk(
        b"nTRN",
        struct.pack("<i", node)
        + struct.pack("<i", 0)
        + struct.pack("<4i", child, -1, 0, 1)
        + frame,
    )


def group(node: int, *children: int) -> bytes:
    return chunk(
        b"nGRP",
        struct.pack("<ii", node, 0) + struct.pack(f"<i{len(children)}i", len(children), *children),
    )


def shape(node: int, model_id: int) -> bytes:
    return chunk(b"nSHP", struct.pack("<ii", node, 0) + struct.pack("<iii", 1, model_id, 0))
