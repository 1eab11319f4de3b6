"""Quartier: young people redesign their neighbourhood as a voxel model."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("quartier")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+source"
