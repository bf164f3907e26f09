"""The ASGI app that server workers import (`dsorders.gateway.asgi:app`), built from the environment.

`dsorders serve` puts its settings in the environment (`Settings.to_env()`), so every worker
process builds the same gateway. The store opens in the app's lifespan.
"""

from __future__ import annotations

from ..settings import Settings
from .app import create_app

app = create_app(Settings.from_env())
