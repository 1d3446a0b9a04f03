"""Moot's platform-neutral core. Nothing here may import a platform library."""

__version__ = "0.1.0"
