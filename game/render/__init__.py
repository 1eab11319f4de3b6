"""Rendering: chunk bookkeeping for the OpenGL view, top views, and the server's pictures.

The meshing itself is in `game.core.mesh`, since the exporters need it too.
"""
