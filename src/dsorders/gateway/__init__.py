"""The ASGI gateway: routing, the ordered checks of PROTOCOL.md section 4, rate limits."""

from .app import Gateway, create_app

__all__ = ["Gateway", "create_app"]
