"""Request ids in the platform's form: 8 hex digits of the node, epoch ms, a 4-digit sequence."""

from __future__ import annotations

import itertools
import secrets
import time


class RequestIds:
    def __init__(self, node: int | None = None) -> None:
        self._node = f"{secrets.randbits(32) if node is None else node:08x}"
        self._sequence = itertools.count(1000)

    def next(self) -> str:
        return f"{self._node}{int(time.time() * 1000)}{next(self._sequence) % 9000 + 1000}"
