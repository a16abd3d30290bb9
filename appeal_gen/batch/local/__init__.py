"""The local backend: worker processes on this machine, forked from a warmed-up fork server.

``forkserver`` starts the fork server (imports and the appeal's languages
prepared once, ``_warmup``); ``pool`` feeds the workers through pipes and
hands tasks out by language. ``LocalBackend`` is what the pipeline sees.
"""

from __future__ import annotations

from .forkserver import start
from .pool import LocalBackend

__all__ = ["LocalBackend", "start"]
