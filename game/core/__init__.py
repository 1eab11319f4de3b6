"""The pure model: voxel grids, levels, designs and edits. numpy and pydantic only."""
