"""The client behind trusted proxies: its address from X-Forwarded-For, its scheme from X-Forwarded-Proto.

Only a request whose peer is a trusted proxy is read this way, so a client cannot choose its
own address. X-Forwarded-For is read from the right: each proxy appends the address it saw,
so the first address from the right that is not itself a trusted proxy is the client. An entry
that is not an IP address stops the walk and becomes the client address, which then matches no
IP allow-list.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from ..networks import contains, parse_networks

Scope = MutableMapping[str, Any]


class TrustedProxies:
    def __init__(self, entries: Sequence[str]) -> None:
        self.networks = parse_networks(entries)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        return contains(self.networks, host)

    def resolve(self, scope: Scope) -> Scope:
        """The scope with the client's own address and scheme, when a trusted proxy sent it."""
        client = scope.get("client")
        if not client or not self.trusts(client[0]):
            return scope
        forwarded: list[str] = []
        proto: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded.extend(part.strip() for part in value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[0].strip().lower()
        resolved = dict(scope)
        if forwarded:
            host = forwarded[0]
            for entry in reversed(forwarded):
                host = entry
                if not self.trusts(entry):
                    break
            resolved["client"] = (host, 0)
        if proto in ("http", "https"):
            resolved["scheme"] = proto
        return resolved
