"""Linewise: manufacturing operations platform for small and medium factories."""

__version__ = "0.1.0"
