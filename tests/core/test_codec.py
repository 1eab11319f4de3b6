import base64
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.core.codec import (
    decode_dense,
    decode_mask,
    decode_sparse,
    encode_dense,
    encode_mask,
    encode_sparse,
)
from game.core.errors import QuartierError


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 20000), st.data())
def test_sparse_round_trip_is_exact(volume, data):
    index = np.array(sorted(data.draw(st.sets(st.integers(0, volume - 1), max_size=300))), np.int64)
    values = np.array(
        data.draw(st.lists(st.integers(0, 255), min_size=index.size, max_size=index.size)), np.uint8
    )
    got_index, got_values = decode_sparse(encode_sparse(index, values), index.size, volume, "t")
    assert np.array_equal(got_index, index) and np.array_equal(got_values, values)


def test_dense_and_mask_round_trip():
    rng = np.random.default_rng(1)
    grid = rng.integers(0, 5, (7, 9, 3), dtype=np.uint8)
    assert np.array_equal(decode_dense(encode_dense(grid), grid.shape, "t"), grid)
    mask = rng.random((13, 5)) > 0.5
    assert np.array_equal(decode_mask(encode_mask(mask), mask.shape, "t"), mask)


def test_a_count_beyond_the_level_volume_is_refused_before_decompressing():
    with pytest.raises(QuartierError, match="does not fit"):
        decode_sparse("AAAA", count=10**9, volume=1000, what="bomb")


def test_a_zip_bomb_is_refused_after_the_expected_size():
    bomb = base64.b64encode(zlib.compress(bytes(50_000_000), 9)).decode()
    assert len(bomb) < 100_000
    with pytest.raises(QuartierError, match="does not fit"):
        decode_sparse(bomb, count=10, volume=1000, what="bomb")
    with pytest.raises(QuartierError, match="does not fit"):
        decode_dense(bomb, (10, 10, 10), "bomb")


@pytest.mark.parametrize(
    "payload, count, message",
    [
        ("not base64!!", 1, "damaged"),
        (base64.b64encode(b"not zlib at all").decode(), 1, "damaged"),
        (encode_sparse(np.array([1, 2, 3]), np.array([1, 1, 1], np.uint8)), 2, "does not fit"),
        (
            encode_sparse(np.array([1, 2, 3]), np.array([1, 1, 1], np.uint8))[:-8],
            3,
            "does not fit|damaged",
        ),
        (encode_sparse(np.array([999]), np.array([1], np.uint8)), 1, "does not fit"),
    ],
)
def test_damaged_sparse_payloads_are_refused(payload, count, message):
    with pytest.raises(QuartierError, match=message):
        decode_sparse(payload, count, volume=100, what="t")


def test_repeated_indices_are_refused():
    deltas = np.array([5, 0], "<u4").view(np.uint8).reshape(-1, 4).T.tobytes() + bytes([1, 1])
    payload = base64.b64encode(zlib.compress(deltas)).decode()
    with pytest.raises(QuartierError, match="damaged"):
        decode_sparse(payload, 2, 100, "t")
