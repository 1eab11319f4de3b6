"""Quartier: young people redesign their neighbourhood as a voxel model."""

#: The one place of the version: the build reads it from here (pyproject.toml, `tool.hatch.version`),
#: so the package metadata says the same, and `quartier --version` does not have to ask
#: `importlib.metadata` (50 ms of a cold start).
__version__ = "0.1.0"
