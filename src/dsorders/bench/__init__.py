"""The order.get benchmark: dsorders against the baseline, same server, same load (`scripts/bench`)."""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
