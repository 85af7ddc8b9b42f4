"""The package version: the one place it is written (pyproject.toml reads it; it matches package.json)."""

__version__ = "0.1.0"
