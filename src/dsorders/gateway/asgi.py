"""The app for an ASGI server, configured from the environment: `granian --interface asgi dsorders.gateway.asgi:app`."""

from __future__ import annotations

from .app import create_app

app = create_app()
