"""Rendering: voxel meshing and chunk bookkeeping for the OpenGL view."""
