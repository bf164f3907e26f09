"""What a method is: its name, where it is served, what it needs, and how it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..protocol.shapes import Shape
from ..settings import Settings
from ..store import App, Store, StoredOrder, TokenAuth
from ..store.base import DocKind


@dataclass(slots=True)
class Call:
    """One accepted call, after the gateway's checks, as a method sees it."""

    api_name: str
    params: Mapping[str, str]
    app: App
    token: TokenAuth | None
    shape: Shape
    store: Store
    settings: Settings
    now_ms: int
    client_ip: str
    # For a method with `prefetch`: the order the gateway read with the token (None: no such order).
    order: StoredOrder | None = None


Parse = Callable[[Mapping[str, str]], Any]
# The order a call will read, so the gateway can read it with the token in one store read.
Prefetch = Callable[[Any, Shape], tuple[int, DocKind]]
# A method answers with an encoded `result` (business methods) or flat fields (system methods).
Run = Callable[[Call, Any], Awaitable[bytes | dict[str, object]]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    parse: Parse
    run: Run
    needs_token: bool = True
    prefetch: Prefetch | None = None
    http_methods: frozenset[str] = frozenset({"GET", "POST"})

    @property
    def system(self) -> bool:
        """System methods (`/auth/token/create`) live on /rest; business methods on /sync."""
        return self.name.startswith("/")
