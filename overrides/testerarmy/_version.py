"""The SDK's version (kept in step with pyproject.toml; a unit test compares the two)."""

__all__ = ["__version__"]

__version__ = "0.4.0"
