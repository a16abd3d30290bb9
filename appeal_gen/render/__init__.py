"""Renderers: (letter, options) -> bytes. No file system, no clock."""
