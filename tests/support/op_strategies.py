"""Test support: hypothesis strategies that draw any edit operation on a level of a given shape."""

from hypothesis import strategies as st

from game.core.ops import Box, Building, Fill, Line, Paint, Place, Remove, StampOp


def operations(shape, blocks: list[str], buildings: list[str], roofs: tuple[str, ...] = ("roof",)):
    """Any operation inside `shape`; the last entry of `blocks` may be "air" (for clearing)."""
    pos = st.tuples(*(st.integers(0, s - 1) for s in shape))
    col = st.tuples(st.integers(0, shape[0] - 1), st.integers(0, shape[1] - 1))
    block = st.sampled_from(blocks)
    solid = st.sampled_from([b for b in blocks if b != "air"])
    return st.one_of(
        st.builds(Place, at=pos, block=solid),
        st.builds(Remove, at=pos),
        st.builds(Paint, at=pos, to=pos, block=solid),
        st.builds(Box, from_=pos, to=pos, block=block, hollow=st.booleans()),
        st.builds(Line, from_=pos, to=pos, block=block),
        st.builds(Fill, at=pos, block=block),
        st.builds(
            Building,
            from_=col,
            to=col,
            floors=st.integers(1, 3),
            z=st.integers(0, 2),
            block=st.sampled_from(buildings),
            roof=st.sampled_from(roofs),
        ),
        st.builds(
            StampOp,
            from_=pos,
            to=pos,
            at=pos,
            rotate=st.sampled_from([0, 90, 180, 270]),
            mirror=st.sampled_from([None, "x", "y"]),
            include_air=st.booleans(),
        ),
    )
