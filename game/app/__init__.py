"""The pyglet editor: window, camera, picking, tools, HUD and dialogs. Only game.cli imports it."""
